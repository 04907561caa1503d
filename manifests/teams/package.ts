import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COLOR_ICON_SIZE, OUTLINE_ICON_SIZE } from './icons.js';
import { MANIFEST_JSON_PATH, PLACEHOLDER_APP_ID, manifestJson, type TeamsAppManifest } from './manifest.js';
import { zip } from './zip.js';

/**
 * `npm run teams:package`: the Teams app package, dist/teams-app.zip, to upload in Teams (Apps →
 * Manage your apps → Upload an app) or the Developer Portal. It holds manifests/teams/manifest.json
 * with TEAMS_APP_ID as the app id and the bot id, and the two icons, all at the root of the zip
 * (Teams refuses folders).
 *
 * TEAMS_APP_ID unset: the zip is still written, with the placeholder id, and a warning says what
 * to set. TEAMS_APP_ID set but not a GUID: nothing is written (the value is not echoed: it may be
 * a secret pasted into the wrong variable). TEAMS_BOT_DOMAIN (optional): the bot's public host,
 * added to validDomains.
 */

export const DEFAULT_OUT_FILE = fileURLToPath(new URL('../../dist/teams-app.zip', import.meta.url));

const GUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const HOST = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;

export class TeamsPackageError extends Error {
  override name = 'TeamsPackageError';
}

export interface PackageOptions {
  /** The bot's Microsoft App ID (TEAMS_APP_ID); unset or empty: the placeholder, with a warning. */
  appId?: string | undefined;
  /** The bot's public host name (TEAMS_BOT_DOMAIN), added to validDomains. */
  botDomain?: string | undefined;
  /** Where to write the zip; default dist/teams-app.zip. */
  outFile?: string;
  /** The manifest to package; default manifests/teams/manifest.json (icons are read beside it). */
  manifestPath?: string;
}

export interface PackageResult {
  outFile: string;
  appId: string;
  placeholder: boolean;
  /** The file names in the zip, in order. */
  files: string[];
  bytes: number;
  /** Things the person packaging should know; the CLI prints them as warnings. */
  warnings: string[];
}

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
function pngSize(data: Buffer): { width: number; height: number } | null {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (data.length < 24 || !data.subarray(0, 8).equals(signature) || data.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

function readIcon(directory: string, file: string, size: number, what: string): Buffer {
  if (basename(file) !== file) throw new TeamsPackageError(`icons.${what} is "${file}"; Teams wants the icon at the root of the package, a plain file name`);
  let data: Buffer;
  try {
    data = readFileSync(join(directory, file));
  } catch {
    throw new TeamsPackageError(`icons.${what}: cannot read ${join(directory, file)} (run npm run manifest:teams to draw the icons)`);
  }
  const dimensions = pngSize(data);
  if (!dimensions) throw new TeamsPackageError(`icons.${what}: ${file} is not a PNG`);
  if (dimensions.width !== size || dimensions.height !== size) {
    throw new TeamsPackageError(`icons.${what}: ${file} is ${dimensions.width}×${dimensions.height}; Teams wants ${size}×${size}`);
  }
  return data;
}

export function packageTeamsApp(options: PackageOptions = {}): PackageResult {
  const warnings: string[] = [];
  const rawId = options.appId?.trim() ?? '';
  if (rawId && !GUID.test(rawId)) {
    throw new TeamsPackageError(
      `TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID such as ${PLACEHOLDER_APP_ID}; the value set (${rawId.length} characters, not shown) is not one`,
    );
  }
  const placeholder = !rawId;
  const appId = placeholder ? PLACEHOLDER_APP_ID : rawId.toLowerCase();
  if (placeholder) {
    warnings.push(
      `TEAMS_APP_ID is not set, so the package has the placeholder app and bot id ${PLACEHOLDER_APP_ID} and Teams cannot reach your bot with it. ` +
        'Set TEAMS_APP_ID to the bot\'s Microsoft App ID (a GUID: the Azure Bot resource → Configuration → Microsoft App ID) and run npm run teams:package again.',
    );
  }
  const botDomain = options.botDomain?.trim() ?? '';
  if (botDomain && !HOST.test(botDomain)) {
    throw new TeamsPackageError(`TEAMS_BOT_DOMAIN must be a host name without scheme, port or path, such as incident-bot.example.com; got "${botDomain}"`);
  }

  const manifestPath = options.manifestPath ?? MANIFEST_JSON_PATH;
  const committed = readFileSync(manifestPath, 'utf8');
  if (manifestPath === MANIFEST_JSON_PATH && committed !== manifestJson()) {
    warnings.push('manifests/teams/manifest.json differs from manifests/teams/manifest.ts; packaging manifest.json as it is (run npm run manifest:teams to regenerate it)');
  }
  const manifest = JSON.parse(committed) as TeamsAppManifest & { validDomains?: string[] };
  const [bot, ...otherBots] = manifest.bots ?? [];
  if (!bot || otherBots.length > 0) throw new TeamsPackageError(`${manifestPath} must declare exactly one bot`);
  manifest.id = appId;
  bot.botId = appId;
  if (botDomain) manifest.validDomains = [...new Set([...(manifest.validDomains ?? []), botDomain.toLowerCase()])];

  const directory = dirname(manifestPath);
  const color = readIcon(directory, manifest.icons.color, COLOR_ICON_SIZE, 'color');
  const outline = readIcon(directory, manifest.icons.outline, OUTLINE_ICON_SIZE, 'outline');
  const entries = [
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    { name: manifest.icons.color, data: color },
    { name: manifest.icons.outline, data: outline },
  ];
  const archive = zip(entries);
  const outFile = resolve(options.outFile ?? DEFAULT_OUT_FILE);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, archive);
  return { outFile, appId, placeholder, files: entries.map((e) => e.name), bytes: archive.length, warnings };
}

function main(): number {
  let out: string | undefined;
  try {
    ({ values: { out } } = parseArgs({ options: { out: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    process.stderr.write(`teams:package: ${(error as Error).message}\nusage: npm run teams:package [-- --out <file.zip>]\n`);
    return 2;
  }
  try {
    const result = packageTeamsApp({ appId: process.env.TEAMS_APP_ID, botDomain: process.env.TEAMS_BOT_DOMAIN, ...(out ? { outFile: out } : {}) });
    for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    const shown = relative(process.cwd(), result.outFile) || result.outFile;
    process.stdout.write(`wrote ${shown} (${result.bytes} bytes): ${result.files.join(', ')}; app and bot id ${result.appId}${result.placeholder ? ' (placeholder)' : ''}\n`);
    return 0;
  } catch (error) {
    if (error instanceof TeamsPackageError) {
      process.stderr.write(`teams:package: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main();
}
