# The bot's image: `docker build -t ai-incident-bot .` (README "Deploying").
# Two stages: `build` compiles the TypeScript and bundles the bot with the dev dependencies;
# `runtime` holds only the production dependencies, the bundle (dist/bundle), the compiled CLIs
# (dist/src: the migration) and the files the bot reads at run time (package.json marks the
# project root; migrations/ and playbooks/ are read from beside it).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /data \
 && chown node:node /data
COPY --from=build /app/dist/bundle ./dist/bundle
COPY --from=build /app/dist/src ./dist/src
COPY migrations ./migrations
COPY playbooks ./playbooks
# The embedded database (no DATABASE_URL) keeps its files here: mount a volume on /data to keep them.
# With DATABASE_URL nothing is written, and the root filesystem can be read-only.
ENV DATA_DIR=/data
# The `node` user (uid 1000) of the base image; the application files stay root-owned and read-only to it.
USER node
EXPOSE 3000
# /healthz: 200 once the process has started; Node 22's fetch, since the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (stops taking requests, finishes, exits).
CMD ["node", "--v8-pool-size=2", "dist/bundle/main.js"]
