import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { botNodeFlags } from '../bench/support-process.js';
import { chatEdges, configSchema, loadConfig } from '../src/config.js';

/**
 * The deployment files (issue 9, "Deployable"), checked without a Docker engine or a cluster:
 * the Dockerfile and docker-compose.yml are parsed and their healthcheck command is run against a
 * local server; every manifest under manifests/kubernetes is parsed, checked against the fields
 * Kubernetes defines for its kind, and for what the bot needs (replicas, probes, secrets, labels).
 * kubeconform, kubectl and `docker compose` are run too when they are on PATH and can work here.
 */

const ROOT = join(import.meta.dirname, '..');
const K8S_DIR = join(ROOT, 'manifests', 'kubernetes');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// Parsed YAML is untyped; each check below says what it expects of it.
type Yaml = any;

const CONFIG_KEYS = new Set(Object.keys(configSchema.shape));
/** The settings the config never echoes back (src/config.ts): these belong in a Secret. */
const SECRET_KEYS = [...CONFIG_KEYS].filter((key) => /TOKEN|SECRET|PASSWORD|ROUTING_KEY|DATABASE_URL/.test(key)).sort();

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Stages and their instructions; comment lines dropped, `\` continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  if (pending) logical.push(pending.trim());
  const stages: Stage[] = [];
  for (const line of logical.filter(Boolean)) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [, image = '', name] = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ image, name, instructions: [] });
    } else {
      expect(stages.length, `"${line}" comes before the first FROM`).toBeGreaterThan(0);
      stages.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** COPY's flags, sources and destination (shell form; paths here have no spaces). */
function copyParts(args: string): { from: string | undefined; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

/** The exec-form array after HEALTHCHECK's options (`... CMD ["node", "-e", "..."]`). */
function healthcheckCommand(args: string): string[] {
  const match = /\bCMD\s+(\[.*\])\s*$/.exec(args);
  expect(match, 'HEALTHCHECK uses the exec form CMD ["…"]').not.toBeNull();
  return JSON.parse(match![1]!) as string[];
}

/** Whether a .dockerignore pattern (root-anchored, `*` within one path segment) leaves `path` out of the context. */
function ignoredBy(patterns: string[], path: string): boolean {
  return patterns.some((pattern) => {
    const clean = pattern.replace(/^\/+|\/+$/g, '');
    const regex = new RegExp(`^${clean.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}(/.*)?$`);
    return regex.test(path);
  });
}

/** A server answering /healthz with `status`, to run a healthcheck command against. */
async function healthServer(status: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? status : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Runs a healthcheck's exec array (its `node` is this Node) with PORT set; resolves to the exit status. */
function runHealthcheck(command: string[], port: number): Promise<number | null> {
  expect(command[0]).toBe('node');
  // Asynchronously: the server answering it runs in this process.
  const child = spawn(process.execPath, command.slice(1), { env: { ...process.env, PORT: String(port) }, stdio: 'ignore', timeout: 15_000 });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const dockerignore = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('is multi-stage on Node 22, building with the dev dependencies and shipping only the production ones', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:22([.-]|$)/);
    const fromBuild = all(runtime, 'COPY').map(copyParts).filter((c) => c.from);
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const copy of fromBuild) {
      const build = stages.find((s) => s.name === copy.from);
      expect(build, `COPY --from=${copy.from} names a stage`).toBeDefined();
      // tsc needs the dev dependencies (typescript, @types/*): a full `npm ci`, then the build script.
      const runs = all(build!, 'RUN').join(' && ');
      expect(runs).toMatch(/\bnpm ci\b/);
      expect(runs).not.toMatch(/--omit=dev|--production/);
      expect(runs).toMatch(/\bnpm run build\b/);
      expect(all(build!, 'WORKDIR')).toEqual(['/app']);
      const copied = all(build!, 'COPY').flatMap((args) => copyParts(args).sources);
      expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']));
    }
    const runtimeRuns = all(runtime, 'RUN').join(' && ');
    expect(runtimeRuns).toMatch(/\bnpm ci\b[^&]*--omit=dev/);
    expect(runtimeRuns).not.toMatch(/\bnpm (install|i)\b/);
  });

  it('compiles src/ into dist/ (tsconfig.build.json, rootDir "."), then bundles the dist/bundle/main.js it runs', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && node dist/src/cli/bundle.js --force');
    const base = JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    const build = JSON.parse(read('tsconfig.build.json')) as { extends: string; include: string[]; compilerOptions: { outDir?: string; rootDir?: string } };
    expect(build.extends).toBe('./tsconfig.json');
    expect(build.include).toEqual(['src']);
    expect(build.compilerOptions.outDir ?? base.compilerOptions.outDir).toBe('dist');
    expect(build.compilerOptions.rootDir ?? base.compilerOptions.rootDir).toBe('.');
    expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
    expect(existsSync(join(ROOT, 'src', 'cli', 'migrate.ts'))).toBe(true);
    expect(existsSync(join(ROOT, 'src', 'cli', 'bundle.ts'))).toBe(true);
  });

  it('puts into the runtime stage what the bot reads at run time, and nothing of the sources', () => {
    expect(all(runtime, 'WORKDIR')).toEqual(['/app']);
    const copies = all(runtime, 'COPY').map(copyParts);
    const local = copies.filter((c) => !c.from).flatMap((c) => c.sources);
    // package.json marks the project root (src/project-root.ts); migrations/ and playbooks/ are read beside it.
    expect(local).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'migrations', 'playbooks']));
    expect(local.filter((s) => /^(src|test|bench|node_modules|\.)($|\/)/.test(s) || s === '.')).toEqual([]);
    const fromBuild = copies.filter((c) => c.from);
    expect(fromBuild.map((c) => [c.sources, c.dest])).toEqual([
      [['/app/dist/bundle'], './dist/bundle'],
      [['/app/dist/src'], './dist/src'],
    ]);
  });

  it('copies only files that exist and that .dockerignore keeps in the build context', () => {
    for (const stage of stages) {
      for (const { from, sources } of all(stage, 'COPY').map(copyParts)) {
        if (from) continue;
        for (const source of sources) {
          expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
          expect(ignoredBy(dockerignore, source), `${source} is not in .dockerignore`).toBe(false);
        }
      }
    }
    for (const path of ['node_modules', 'dist', '.env', '.data', '.git', 'test', 'coverage']) {
      expect(ignoredBy(dockerignore, path), `.dockerignore leaves out ${path}`).toBe(true);
    }
    expect(dockerignore.some((p) => p.startsWith('!') || p.includes('**'))).toBe(false);
  });

  it('runs as the non-root node user on port 3000, with writable DATA_DIR for the embedded database', () => {
    const users = all(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).toMatch(/^(node|1000)(:\S+)?$/);
    expect(all(runtime, 'EXPOSE')).toEqual(['3000']);
    const env = all(runtime, 'ENV').flatMap((args) => args.split(/\s+/).map((pair) => pair.split('=')[0]!));
    for (const name of env) expect(CONFIG_KEYS, `ENV ${name} is a setting the bot reads`).toContain(name);
    expect(all(runtime, 'ENV')).toContain('DATA_DIR=/data');
    expect(all(runtime, 'RUN').join(' ')).toMatch(/chown node:node \/data/);
  });

  it('starts node dist/bundle/main.js in exec form, so Node gets SIGTERM itself, with the flags npm start and the benches give', () => {
    const cmd = all(runtime, 'CMD');
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0]!)).toEqual(['node', ...botNodeFlags, 'dist/bundle/main.js']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(new RegExp(`&& node ${botNodeFlags.join(' ')} dist/bundle/main\\.js$`));
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  });

  it('has a HEALTHCHECK that passes on /healthz 200 and fails on 503 or no answer', async () => {
    const healthchecks = all(runtime, 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    expect(healthchecks[0]).toMatch(/--start-period=\d+s/);
    const command = healthcheckCommand(healthchecks[0]!);
    expect(command.join(' ')).toContain('/healthz');
    const up = await healthServer(200);
    const starting = await healthServer(503);
    try {
      expect(await runHealthcheck(command, up.port)).toBe(0);
      expect(await runHealthcheck(command, starting.port)).toBe(1);
    } finally {
      up.server.close();
      starting.server.close();
    }
    const closed = await healthServer(200);
    closed.server.close();
    expect(await runHealthcheck(command, closed.port)).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

/** Compose's `${VAR:-default}` / `${VAR-default}` / `${VAR}` with nothing set in the shell. */
const interpolate = (value: string) => value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');

describe('docker-compose.yml', () => {
  const compose: Yaml = parse(read('docker-compose.yml'));
  const bot: Yaml = compose.services?.bot;
  const postgres: Yaml = compose.services?.postgres;
  const env: Record<string, string> = Object.fromEntries(Object.entries(bot?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]));

  it('builds the bot from the Dockerfile beside Postgres, without bind-mounting the source', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['bot', 'postgres']);
    expect(bot.build).toBeDefined();
    expect(typeof bot.build === 'string' ? bot.build : bot.build.context).toBe('.');
    expect(bot.build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(bot.command).toBeUndefined();
    expect(bot.working_dir).toBeUndefined();
    for (const volume of bot.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
      expect(typeof volume === 'string' || volume.type === 'volume', `${JSON.stringify(volume)} is a named volume`).toBe(true);
      expect(source, 'no bind mount').toMatch(/^\w[\w.-]*$/);
      expect(Object.keys(compose.volumes ?? {})).toContain(source);
    }
  });

  it('keeps Postgres data in a named volume and starts the bot once Postgres is healthy', () => {
    const data = (postgres.volumes as string[]).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data!.split(':')[0]);
    expect(postgres.image).toMatch(/^postgres:(1[5-9]|[2-9]\d)\b/);
    expect(postgres.healthcheck.test.join(' ')).toMatch(/pg_isready/);
    expect(bot.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('gives the bot a healthcheck on /healthz that works', async () => {
    const command = bot.healthcheck.test as string[];
    expect(command[0]).toBe('CMD');
    expect(command.join(' ')).toContain('/healthz');
    const up = await healthServer(200);
    const starting = await healthServer(503);
    try {
      expect(await runHealthcheck(command.slice(1), up.port)).toBe(0);
      expect(await runHealthcheck(command.slice(1), starting.port)).toBe(1);
    } finally {
      up.server.close();
      starting.server.close();
    }
  });

  it('points DATABASE_URL at the postgres service with its credentials', () => {
    const url = new URL(env.DATABASE_URL!);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres.environment.POSTGRES_USER);
    expect(url.password).toBe(postgres.environment.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.environment.POSTGRES_DB}`);
    expect(bot.ports).toContain(`${env.PORT ?? 3000}:3000`);
  });

  it('sets only variables the bot reads, and with none set in the shell they make a valid configuration', () => {
    for (const name of Object.keys(env)) expect(CONFIG_KEYS, `${name} is a setting the bot reads`).toContain(name);
    const config = loadConfig(env);
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\//);
    // No chat variables: the console chat, which `docker compose attach bot` types into.
    expect(chatEdges(config)).toEqual(['console']);
    expect(bot.stdin_open).toBe(true);
    expect(bot.tty).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// manifests/kubernetes

/**
 * The fields Kubernetes defines for the objects these manifests use (core/v1, apps/v1, batch/v1,
 * policy/v1), as kubeconform -strict would check them: an unknown field is a typo. A type is a
 * scalar ('string', 'int', 'bool', 'quantity', 'intOrString', 'map' of strings, 'any'), another
 * entry of this table, or [type] for a list. Fields the table lacks can be added from the API reference.
 */
const API: Record<string, Record<string, string | [string]>> = {
  ObjectMeta: { name: 'string', namespace: 'string', labels: 'map', annotations: 'map' },
  Deployment: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'DeploymentSpec' },
  DeploymentSpec: { replicas: 'int', selector: 'LabelSelector', strategy: 'DeploymentStrategy', template: 'PodTemplateSpec', minReadySeconds: 'int', revisionHistoryLimit: 'int', progressDeadlineSeconds: 'int', paused: 'bool' },
  DeploymentStrategy: { type: 'string', rollingUpdate: 'RollingUpdateDeployment' },
  RollingUpdateDeployment: { maxSurge: 'intOrString', maxUnavailable: 'intOrString' },
  Job: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'JobSpec' },
  JobSpec: { template: 'PodTemplateSpec', backoffLimit: 'int', activeDeadlineSeconds: 'int', ttlSecondsAfterFinished: 'int', completions: 'int', parallelism: 'int', completionMode: 'string', suspend: 'bool', selector: 'LabelSelector', manualSelector: 'bool', podFailurePolicy: 'any', podReplacementPolicy: 'string', backoffLimitPerIndex: 'int', maxFailedIndexes: 'int', successPolicy: 'any', managedBy: 'string' },
  Service: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'ServiceSpec' },
  ServiceSpec: { type: 'string', selector: 'map', ports: ['ServicePort'], clusterIP: 'string', clusterIPs: ['string'], externalIPs: ['string'], externalName: 'string', externalTrafficPolicy: 'string', internalTrafficPolicy: 'string', ipFamilies: ['string'], ipFamilyPolicy: 'string', loadBalancerClass: 'string', loadBalancerSourceRanges: ['string'], publishNotReadyAddresses: 'bool', sessionAffinity: 'string', sessionAffinityConfig: 'any', trafficDistribution: 'string', allocateLoadBalancerNodePorts: 'bool', healthCheckNodePort: 'int' },
  ServicePort: { name: 'string', port: 'int', targetPort: 'intOrString', protocol: 'string', appProtocol: 'string', nodePort: 'int' },
  PodDisruptionBudget: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', spec: 'PodDisruptionBudgetSpec' },
  PodDisruptionBudgetSpec: { minAvailable: 'intOrString', maxUnavailable: 'intOrString', selector: 'LabelSelector', unhealthyPodEvictionPolicy: 'string' },
  ConfigMap: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', data: 'map', binaryData: 'map', immutable: 'bool' },
  Secret: { apiVersion: 'string', kind: 'string', metadata: 'ObjectMeta', type: 'string', data: 'map', stringData: 'map', immutable: 'bool' },
  LabelSelector: { matchLabels: 'map', matchExpressions: 'any' },
  PodTemplateSpec: { metadata: 'ObjectMeta', spec: 'PodSpec' },
  PodSpec: {
    containers: ['Container'], initContainers: ['Container'], volumes: ['Volume'], restartPolicy: 'string', terminationGracePeriodSeconds: 'int', activeDeadlineSeconds: 'int',
    securityContext: 'PodSecurityContext', serviceAccountName: 'string', automountServiceAccountToken: 'bool', enableServiceLinks: 'bool', nodeSelector: 'map', affinity: 'any',
    tolerations: 'any', topologySpreadConstraints: ['TopologySpreadConstraint'], imagePullSecrets: 'any', priorityClassName: 'string', dnsPolicy: 'string', hostname: 'string',
    runtimeClassName: 'string', shareProcessNamespace: 'bool', hostNetwork: 'bool', hostPID: 'bool', hostIPC: 'bool', hostUsers: 'bool', readinessGates: 'any', schedulerName: 'string', os: 'any',
  },
  TopologySpreadConstraint: { maxSkew: 'int', topologyKey: 'string', whenUnsatisfiable: 'string', labelSelector: 'LabelSelector', matchLabelKeys: ['string'], minDomains: 'int', nodeAffinityPolicy: 'string', nodeTaintsPolicy: 'string' },
  PodSecurityContext: { runAsNonRoot: 'bool', runAsUser: 'int', runAsGroup: 'int', fsGroup: 'int', fsGroupChangePolicy: 'string', supplementalGroups: ['int'], seccompProfile: 'SeccompProfile', seLinuxOptions: 'any', sysctls: 'any', appArmorProfile: 'any', windowsOptions: 'any' },
  SeccompProfile: { type: 'string', localhostProfile: 'string' },
  Container: {
    name: 'string', image: 'string', imagePullPolicy: 'string', command: ['string'], args: ['string'], workingDir: 'string', ports: ['ContainerPort'], env: ['EnvVar'],
    envFrom: ['EnvFromSource'], resources: 'ResourceRequirements', livenessProbe: 'Probe', readinessProbe: 'Probe', startupProbe: 'Probe', lifecycle: 'Lifecycle',
    securityContext: 'SecurityContext', volumeMounts: ['VolumeMount'], stdin: 'bool', stdinOnce: 'bool', tty: 'bool', terminationMessagePath: 'string', terminationMessagePolicy: 'string',
    restartPolicy: 'string', resizePolicy: 'any', volumeDevices: 'any',
  },
  ContainerPort: { name: 'string', containerPort: 'int', protocol: 'string', hostPort: 'int', hostIP: 'string' },
  EnvVar: { name: 'string', value: 'string', valueFrom: 'EnvVarSource' },
  EnvVarSource: { secretKeyRef: 'KeySelector', configMapKeyRef: 'KeySelector', fieldRef: 'any', resourceFieldRef: 'any' },
  KeySelector: { name: 'string', key: 'string', optional: 'bool' },
  EnvFromSource: { configMapRef: 'EnvSource', secretRef: 'EnvSource', prefix: 'string' },
  EnvSource: { name: 'string', optional: 'bool' },
  ResourceRequirements: { requests: 'quantities', limits: 'quantities', claims: 'any' },
  Probe: { httpGet: 'HTTPGetAction', exec: 'ExecAction', tcpSocket: 'any', grpc: 'any', initialDelaySeconds: 'int', periodSeconds: 'int', timeoutSeconds: 'int', successThreshold: 'int', failureThreshold: 'int', terminationGracePeriodSeconds: 'int' },
  HTTPGetAction: { path: 'string', port: 'intOrString', host: 'string', scheme: 'string', httpHeaders: 'any' },
  ExecAction: { command: ['string'] },
  Lifecycle: { preStop: 'LifecycleHandler', postStart: 'LifecycleHandler', stopSignal: 'string' },
  LifecycleHandler: { exec: 'ExecAction', httpGet: 'HTTPGetAction', sleep: 'any', tcpSocket: 'any' },
  SecurityContext: { allowPrivilegeEscalation: 'bool', readOnlyRootFilesystem: 'bool', runAsNonRoot: 'bool', runAsUser: 'int', runAsGroup: 'int', privileged: 'bool', capabilities: 'Capabilities', seccompProfile: 'SeccompProfile', procMount: 'string', seLinuxOptions: 'any', appArmorProfile: 'any', windowsOptions: 'any' },
  Capabilities: { add: ['string'], drop: ['string'] },
  VolumeMount: { name: 'string', mountPath: 'string', readOnly: 'bool', subPath: 'string', subPathExpr: 'string', mountPropagation: 'string', recursiveReadOnly: 'string' },
  Volume: { name: 'string', emptyDir: 'EmptyDirVolumeSource', configMap: 'any', secret: 'any', persistentVolumeClaim: 'any', projected: 'any', downwardAPI: 'any', ephemeral: 'any' },
  EmptyDirVolumeSource: { medium: 'string', sizeLimit: 'quantity' },
};

/** The problems of `value` as a `type`, with the path to each. */
function schemaProblems(value: unknown, type: string | [string], path: string): string[] {
  if (Array.isArray(type)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) => schemaProblems(item, type[0], `${path}[${i}]`));
  }
  switch (type) {
    case 'any':
      return [];
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
    case 'int':
      return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${JSON.stringify(value)}`];
    case 'bool':
      return typeof value === 'boolean' ? [] : [`${path}: expected true or false, got ${JSON.stringify(value)}`];
    case 'intOrString':
      return Number.isInteger(value) || typeof value === 'string' ? [] : [`${path}: expected an integer or a string`];
    case 'quantity':
      return typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/.test(value)) ? [] : [`${path}: expected a quantity such as 100m or 256Mi, got ${JSON.stringify(value)}`];
    case 'quantities':
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected a map`];
      const each = type === 'map' ? 'string' : 'quantity';
      return Object.entries(value).flatMap(([k, v]) => schemaProblems(v, each, `${path}.${k}`));
    }
  }
  const fields = API[type];
  if (!fields) throw new Error(`no schema for ${type}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object (${type})`];
  return Object.entries(value).flatMap(([key, v]) => {
    const fieldType = fields[key];
    return fieldType ? schemaProblems(v, fieldType, `${path}.${key}`) : [`${path}.${key}: not a field of ${type}`];
  });
}

const API_VERSIONS: Record<string, string> = { Deployment: 'apps/v1', Job: 'batch/v1', Service: 'v1', ConfigMap: 'v1', Secret: 'v1', PodDisruptionBudget: 'policy/v1' };

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(name) ? [path] : [];
    })
    .sort();
}

interface Manifest {
  file: string;
  doc: Yaml;
}

function loadManifests(): Manifest[] {
  return yamlFiles(K8S_DIR).flatMap((path) => {
    const file = relative(ROOT, path);
    const docs = parseAllDocuments(readFileSync(path, 'utf8'));
    return (Array.isArray(docs) ? docs : [docs]).flatMap((doc) => {
      expect(doc.errors.map((e) => e.message), `${file} parses`).toEqual([]);
      const value: Yaml = doc.toJS();
      return value === null ? [] : [{ file, doc: value }];
    });
  });
}

/** The one object of `kind` across the manifests. */
function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.doc.kind === kind);
  expect(found.map((m) => m.file), `one ${kind}`).toHaveLength(1);
  return found[0]!;
}

const labelsMatch = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The container port a probe or Service targets, by name or number. */
function resolvePort(port: string | number, container: Yaml): number | undefined {
  if (typeof port === 'number') return port;
  return (container.ports as Yaml[]).find((p) => p.name === port)?.containerPort;
}

/** The script a `sh -c` container runs, checked for syntax. */
function shellScript(container: Yaml): string {
  expect(container.command).toEqual(['/bin/sh', '-c']);
  expect(container.args).toHaveLength(1);
  const script = container.args[0] as string;
  expect(spawnSync('sh', ['-n', '-c', script]).status, 'the script parses in sh').toBe(0);
  return script;
}

describe('manifests/kubernetes', () => {
  const manifests = loadManifests();
  const deployment = one(manifests, 'Deployment').doc;
  const job = one(manifests, 'Job').doc;
  const service = one(manifests, 'Service').doc;
  const pdb = one(manifests, 'PodDisruptionBudget').doc;
  const configMap = one(manifests, 'ConfigMap').doc;
  const secretManifest = one(manifests, 'Secret');
  const secret = secretManifest.doc;
  const pod = deployment.spec.template.spec;
  const bot = pod.containers[0];
  const migrate = job.spec.template.spec.containers[0];

  it('has each kind with its apiVersion, and every field is one Kubernetes defines', () => {
    expect(manifests.map((m) => m.doc.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Job', 'PodDisruptionBudget', 'Secret', 'Service']);
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, `${file}: ${doc.kind}`).toBe(API_VERSIONS[doc.kind]);
      expect(doc.metadata?.name, `${file} names its ${doc.kind}`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(schemaProblems(doc, doc.kind, file)).toEqual([]);
    }
  });

  it('runs two replicas of one container on port 3000, with the probes on that port', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.containers).toHaveLength(1);
    expect(bot.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(bot.env).toContainEqual({ name: 'PORT', value: '3000' });
    expect(bot.livenessProbe.httpGet.path).toBe('/healthz');
    expect(bot.readinessProbe.httpGet.path).toBe('/readyz');
    expect(bot.startupProbe.httpGet.path).toBe('/healthz');
    for (const probe of [bot.livenessProbe, bot.readinessProbe, bot.startupProbe]) expect(resolvePort(probe.httpGet.port, bot)).toBe(3000);
    // A rollout never leaves fewer than two serving.
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('runs node dist/bundle/main.js, refusing to start without DATABASE_URL (the embedded database is per pod)', () => {
    const script = shellScript(bot);
    expect(script).toMatch(new RegExp(`exec node ${botNodeFlags.join(' ')} dist/bundle/main\\.js$`));
    const withoutDb = spawnSync('sh', ['-c', script], { env: { PATH: process.env.PATH, DATABASE_URL: '' }, encoding: 'utf8' });
    expect(withoutDb.status).toBe(1);
    expect(withoutDb.stderr).toMatch(/DATABASE_URL is required/);
    const withDb = spawnSync('sh', ['-c', script.replace('exec node', 'exec echo node')], { env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://db/x' }, encoding: 'utf8' });
    expect(withDb.stdout.trim()).toBe(`node ${botNodeFlags.join(' ')} dist/bundle/main.js`);
  });

  it('stops cleanly on SIGTERM: a grace period of at least 15 s, after a short preStop pause', () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
    const pause = Number(bot.lifecycle.preStop.exec.command.at(-1));
    // The bot's own shutdown deadline is 9 s (src/main.ts); the pause comes out of the same grace period.
    expect(pause + 9).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  it('requests resources and runs as a non-root user on a read-only root filesystem', () => {
    for (const [what, spec] of [['Deployment', pod], ['Job', job.spec.template.spec]] as const) {
      expect(spec.securityContext.runAsNonRoot, what).toBe(true);
      expect(spec.securityContext.runAsUser, what).toBe(1000);
      expect(spec.automountServiceAccountToken, what).toBe(false);
      for (const container of spec.containers as Yaml[]) {
        expect(container.resources.requests.cpu, what).toBeDefined();
        expect(container.resources.requests.memory, what).toBeDefined();
        expect(container.resources.limits.memory, what).toBeDefined();
        expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      }
    }
  });

  it('selects the Deployment\'s pods, and only those, from the Service and the PodDisruptionBudget', () => {
    const selector = deployment.spec.selector.matchLabels;
    const podLabels = deployment.spec.template.metadata.labels;
    const jobPodLabels = job.spec.template.metadata.labels;
    expect(labelsMatch(selector, podLabels)).toBe(true);
    expect(labelsMatch(service.spec.selector, podLabels)).toBe(true);
    expect(labelsMatch(service.spec.selector, jobPodLabels)).toBe(false);
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(selector);
    expect(labelsMatch(pdb.spec.selector.matchLabels, jobPodLabels)).toBe(false);
    expect(service.spec.ports).toHaveLength(1);
    expect(resolvePort(service.spec.ports[0].targetPort, bot)).toBe(3000);
  });

  it('has a migration Job on the same image that runs the compiled migrate CLI with only DATABASE_URL', () => {
    expect(migrate.image).toBe(bot.image);
    expect(job.spec.template.spec.restartPolicy).toMatch(/^(Never|OnFailure)$/);
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
    const script = shellScript(migrate);
    // src/cli/migrate.ts compiles to dist/src/cli/migrate.js (`npm run migrate` needs tsx, a dev dependency).
    expect(script).toMatch(/exec node dist\/src\/cli\/migrate\.js$/);
    expect(spawnSync('sh', ['-c', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' }).status).toBe(1);
    // Not the ConfigMap: its CHAT would make the migration ask for the chat secrets.
    expect(migrate.envFrom).toBeUndefined();
    expect((migrate.env as Yaml[]).map((e) => e.name)).toEqual(['DATABASE_URL']);
  });

  it('takes DATABASE_URL and the other secrets from the Secret, and the settings from the ConfigMap', () => {
    for (const container of [bot, migrate]) {
      const db = (container.env as Yaml[]).find((e) => e.name === 'DATABASE_URL');
      expect(db.valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key: 'DATABASE_URL' });
    }
    expect(bot.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
  });

  it('has a Secret template with every secret the config reads, no values, outside the folder `kubectl apply -f` takes', () => {
    expect(Object.keys(secret.stringData).sort()).toEqual(SECRET_KEYS);
    expect(SECRET_KEYS).toEqual(expect.arrayContaining(['DATABASE_URL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'TEAMS_APP_PASSWORD', 'API_TOKEN', 'ALERTS_TOKEN', 'PAGERDUTY_ROUTING_KEY', 'PAGER_WEBHOOK_SECRET']));
    expect(Object.values(secret.stringData).every((v) => v === '')).toBe(true);
    expect(secret.data).toBeUndefined();
    // Applying manifests/kubernetes/ must never overwrite the real Secret with the empty template.
    expect(secretManifest.file.startsWith('manifests/kubernetes/secret-template/')).toBe(true);
    // An empty value counts as unset, so a half-filled copy still loads.
    expect(() => loadConfig(secret.stringData)).not.toThrow();
  });

  it('keeps secrets out of the ConfigMap, and its settings with Slack secrets make a valid configuration', () => {
    const data = configMap.data as Record<string, string>;
    for (const key of Object.keys(data)) expect(SECRET_KEYS, `${key} is not a secret`).not.toContain(key);
    const config = loadConfig({ ...data, DATABASE_URL: 'postgres://bot@db:5432/incidents', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'signing-secret' });
    expect(chatEdges(config)).not.toContain('console');
  });

  it('uses only environment variables the bot reads', () => {
    const names = [
      ...Object.keys(configMap.data),
      ...Object.keys(secret.stringData),
      ...[bot, migrate].flatMap((c: Yaml) => (c.env as Yaml[]).map((e) => e.name as string)),
      ...[bot, migrate].flatMap((c: Yaml) => (c.env as Yaml[]).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key as string] : []))),
    ];
    for (const name of names) expect(CONFIG_KEYS, `${name} is a setting the bot reads`).toContain(name);
  });
});
