import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/core/commands/grammar.js';
import { drawColorIcon, drawOutlineIcon } from '../../manifests/teams/icons.js';
import {
  COLOR_ICON_PATH,
  MANIFEST_JSON_PATH,
  MANIFEST_VERSION,
  OUTLINE_ICON_PATH,
  PLACEHOLDER_APP_ID,
  buildTeamsManifest,
  manifestJson,
  type TeamsAppManifest,
} from '../../manifests/teams/manifest.js';
import { TeamsPackageError, packageTeamsApp } from '../../manifests/teams/package.js';

const root = join(dirname(MANIFEST_JSON_PATH), '../..');
const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const work = mkdtempSync(join(tmpdir(), 'teams-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The Teams schema @microsoft/app-manifest bundles, checked with ajv as that package does (draft-04). */
function schemaValidator() {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  const schema = JSON.parse(readFileSync(join(packageDir, `build/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`), 'utf8')) as object;
  // Both packages are CommonJS with `module.exports = fn` and `exports.default = fn`: `.default`
  // is the function under Node's ESM interop and under vitest's alike.
  const ajv = new AjvDraft04.default({ allErrors: true, strictTypes: false });
  ajvFormats.default(ajv, ['uri', 'email', 'regex']);
  return ajv.compile(schema);
}
const validate = schemaValidator();
function schemaErrors(manifest: unknown): string[] {
  return validate(manifest) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Reads a zip through its central directory, checking each entry's local header, size and CRC. */
function unzip(archive: Buffer): Map<string, Buffer> {
  const endAt = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(endAt, 'end of central directory record').toBeGreaterThanOrEqual(0);
  const count = archive.readUInt16LE(endAt + 10);
  const directorySize = archive.readUInt32LE(endAt + 12);
  let at = archive.readUInt32LE(endAt + 16);
  expect(at + directorySize).toBe(endAt);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(archive.readUInt32LE(at)).toBe(0x02014b50);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    const compressedSize = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const skip = archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32);
    const localAt = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + skip;

    expect(archive.readUInt32LE(localAt), `${name}: local header`).toBe(0x04034b50);
    expect(archive.toString('utf8', localAt + 30, localAt + 30 + archive.readUInt16LE(localAt + 26))).toBe(name);
    const dataAt = localAt + 30 + archive.readUInt16LE(localAt + 26) + archive.readUInt16LE(localAt + 28);
    const raw = archive.subarray(dataAt, dataAt + compressedSize);
    expect([0, 8], `${name}: method`).toContain(method);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(data.length, `${name}: size`).toBe(size);
    expect(crc32(data), `${name}: crc`).toBe(crc);
    files.set(name, data);
  }
  return files;
}

function grammarCommand(title: string) {
  return COMMANDS.find((c) => c.name === title);
}

describe('the Teams app manifest', () => {
  it('is committed as manifest.json and icons that match manifest.ts and icons.ts (run `npm run manifest:teams` after editing them)', () => {
    expect(readFileSync(MANIFEST_JSON_PATH, 'utf8')).toBe(manifestJson());
    for (const [path, drawn] of [[COLOR_ICON_PATH, drawColorIcon()], [OUTLINE_ICON_PATH, drawOutlineIcon()]] as const) {
      const committed = PNG.sync.read(readFileSync(path));
      expect([committed.width, committed.height]).toEqual([drawn.width, drawn.height]);
      expect(Buffer.compare(committed.data, drawn.data), `${path} differs from what icons.ts draws`).toBe(0);
    }
  });

  it(`validates against the v${MANIFEST_VERSION} schema bundled in @microsoft/app-manifest, which does catch mistakes`, () => {
    const manifest = JSON.parse(readFileSync(MANIFEST_JSON_PATH, 'utf8')) as TeamsAppManifest;
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest.id).toBe(PLACEHOLDER_APP_ID);

    // The validator is not vacuous: a wrong version, a 13th command or a bad colour are refused.
    expect(schemaErrors({ ...manifest, manifestVersion: '1.29' })).not.toEqual([]);
    expect(schemaErrors({ ...manifest, accentColor: 'red' })).not.toEqual([]);
    const bot = manifest.bots[0]!;
    const tooMany = Array.from({ length: 13 }, (_, i) => ({ title: `c${i}`, description: 'x' }));
    expect(schemaErrors({ ...manifest, bots: [{ ...bot, commandLists: [{ scopes: ['team'], commands: tooMany }] }] }).join('\n')).toMatch(/commands.*(12|more than)/);
  });

  it('declares one conversational bot in teams, group chats and personal chat, with the command lists of the grammar', () => {
    const manifest = buildTeamsManifest();
    expect(manifest.name).toEqual({ short: 'IncidentBot', full: 'AI Incident Response' });
    expect(manifest.permissions).toEqual(['identity', 'messageTeamMembers']);
    for (const url of Object.values(manifest.developer).filter((v) => v.includes('://'))) expect(new URL(url).protocol).toBe('https:');
    expect(manifest.bots).toHaveLength(1);
    const bot = manifest.bots[0]!;
    expect(bot).toMatchObject({ botId: manifest.id, supportsFiles: false, isNotificationOnly: false });
    expect([...bot.scopes].sort()).toEqual(['groupChat', 'personal', 'team']);

    const lists = new Map(bot.commandLists.flatMap((list) => list.scopes.map((scope) => [scope, list.commands] as const)));
    expect([...lists.keys()].sort()).toEqual(['groupChat', 'personal', 'team']);
    for (const [scope, commands] of lists) {
      expect(commands.length, scope).toBeLessThanOrEqual(12);
      // Titles and descriptions also fit the older documented limits (32 and 128 characters).
      for (const { title, description } of commands) {
        expect(grammarCommand(title), `${scope}: "${title}" is not a command of the grammar`).toBeDefined();
        expect(title.length).toBeLessThanOrEqual(32);
        expect(description.length, `${title}: ${description}`).toBeLessThanOrEqual(128);
      }
      expect(new Set(commands.map((c) => c.title)).size, `${scope}: a command is listed twice`).toBe(commands.length);
    }
    const titles = (scope: string) => lists.get(scope as 'team')!.map((c) => c.title);
    expect(titles('team')).toEqual(expect.arrayContaining(['declare', 'status', 'tick', 'assign', 'page', 'ack', 'triage', 'timeline', 'metrics', 'exercise', 'help']));
    // The 1:1 chat is not an incident channel: only commands that work anywhere.
    expect(titles('personal').filter((t) => grammarCommand(t)!.scope !== 'anywhere')).toEqual([]);
    expect(titles('personal')).toEqual(expect.arrayContaining(['ack', 'declare', 'help']));
  });
});

describe('npm run teams:package', () => {
  it('zips manifest.json (with TEAMS_APP_ID as the app and bot id) and the two icons at the root of the package', () => {
    const outFile = join(work, 'with-id', 'teams-app.zip');
    const result = packageTeamsApp({ appId: APP_ID.toUpperCase(), outFile });
    expect(result).toMatchObject({ outFile, appId: APP_ID, placeholder: false, warnings: [] });

    const files = unzip(readFileSync(outFile));
    expect([...files.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as TeamsAppManifest & { validDomains?: string[] };
    expect(schemaErrors(manifest)).toEqual([]);
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0]!.botId).toBe(APP_ID);
    expect(manifest.validDomains).toBeUndefined();
    expect({ ...manifest, id: PLACEHOLDER_APP_ID, bots: [{ ...manifest.bots[0]!, botId: PLACEHOLDER_APP_ID }] }).toEqual(buildTeamsManifest());

    const color = PNG.sync.read(files.get(manifest.icons.color)!);
    expect([color.width, color.height]).toEqual([192, 192]);
    const outline = PNG.sync.read(files.get(manifest.icons.outline)!);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let visible = 0;
    const offending: string[] = [];
    for (let i = 0; i < outline.data.length; i += 4) {
      const [r, g, b, a] = outline.data.subarray(i, i + 4);
      if (a === 0) continue;
      visible++;
      if (r !== 255 || g !== 255 || b !== 255) offending.push(`pixel ${i / 4}: ${r},${g},${b},${a}`);
    }
    expect(offending, 'outline icon: only white or transparent pixels').toEqual([]);
    expect(visible).toBeGreaterThan(200); // something is drawn (the shield covers ~60% of 1,024)
    expect(visible).toBeLessThan(1024); // on a transparent background
  });

  it('gives the same bytes for the same inputs', () => {
    const a = packageTeamsApp({ appId: APP_ID, outFile: join(work, 'a.zip') });
    const b = packageTeamsApp({ appId: APP_ID, outFile: join(work, 'b.zip') });
    expect(readFileSync(a.outFile).equals(readFileSync(b.outFile))).toBe(true);
  });

  it('without TEAMS_APP_ID still writes a package, with the placeholder id, and warns what to set', () => {
    const result = packageTeamsApp({ appId: '  ', outFile: join(work, 'placeholder.zip') });
    expect(result).toMatchObject({ placeholder: true, appId: PLACEHOLDER_APP_ID });
    expect(result.warnings.join('\n')).toMatch(/TEAMS_APP_ID is not set.*placeholder.*Set TEAMS_APP_ID/s);
    const manifest = JSON.parse(unzip(readFileSync(result.outFile)).get('manifest.json')!.toString('utf8')) as TeamsAppManifest;
    expect([manifest.id, manifest.bots[0]!.botId]).toEqual([PLACEHOLDER_APP_ID, PLACEHOLDER_APP_ID]);
  });

  it('refuses a TEAMS_APP_ID that is not a GUID without echoing it, and a bad TEAMS_BOT_DOMAIN', () => {
    const secretLooking = 'Xy7~q.Q8sfake-client-secret-value';
    const outFile = join(work, 'refused.zip');
    let error: unknown;
    try {
      packageTeamsApp({ appId: secretLooking, outFile });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TeamsPackageError);
    expect((error as Error).message).toMatch(/TEAMS_APP_ID must be .*GUID/);
    expect((error as Error).message).not.toContain(secretLooking);
    expect(existsSync(outFile)).toBe(false);
    expect(() => packageTeamsApp({ appId: APP_ID, botDomain: 'https://bot.example.com/api', outFile })).toThrow(/TEAMS_BOT_DOMAIN must be a host name/);
    expect(existsSync(outFile)).toBe(false);
  });

  it('adds TEAMS_BOT_DOMAIN to validDomains', () => {
    const result = packageTeamsApp({ appId: APP_ID, botDomain: 'Incident-Bot.example.com', outFile: join(work, 'domain.zip') });
    const manifest = JSON.parse(unzip(readFileSync(result.outFile)).get('manifest.json')!.toString('utf8')) as TeamsAppManifest & { validDomains?: string[] };
    expect(manifest.validDomains).toEqual(['incident-bot.example.com']);
    expect(schemaErrors(manifest)).toEqual([]);
  });

  it('runs as a command: a warning and a zip without TEAMS_APP_ID, exit 1 and no zip with a bad one', async () => {
    const run = promisify(execFile);
    const tsx = join(root, 'node_modules/.bin/tsx');
    const { TEAMS_APP_ID: _id, TEAMS_BOT_DOMAIN: _domain, ...env } = process.env;
    const outFile = join(work, 'cli', 'teams-app.zip');
    const ok = await run(tsx, ['manifests/teams/package.ts', '--out', outFile], { cwd: root, env });
    expect(ok.stderr).toMatch(/^warning: TEAMS_APP_ID is not set/);
    expect(ok.stdout).toMatch(/wrote .*teams-app\.zip .*manifest\.json, color\.png, outline\.png.*\(placeholder\)/);
    expect([...unzip(readFileSync(outFile)).keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);

    const badOut = join(work, 'cli', 'bad.zip');
    const failed = await run(tsx, ['manifests/teams/package.ts', '--out', badOut], { cwd: root, env: { ...env, TEAMS_APP_ID: 'not-a-guid-but-a-secret' } }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/TEAMS_APP_ID must be/);
    expect(failed?.stderr).not.toContain('not-a-guid-but-a-secret');
    expect(existsSync(badOut)).toBe(false);
  });
});
