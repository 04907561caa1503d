import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TeamsManifestV1D30 } from '@microsoft/app-manifest';
import { ACCENT_COLOR, drawColorIcon, drawOutlineIcon, encodePng } from './icons.js';

/**
 * The Teams app manifest, written in TypeScript so the type bundled with @microsoft/app-manifest
 * catches a misspelt field. `npm run manifest:teams` writes manifest.json (and the two icons)
 * from it and a test fails while they are stale; `npm run teams:package` puts the real app id in
 * and zips them (manifests/teams/package.ts).
 *
 * The app id and the bot id are both the bot's Microsoft App ID (TEAMS_APP_ID); the committed
 * manifest.json holds PLACEHOLDER_APP_ID until the packager replaces it. The developer URLs are
 * example.com placeholders, like the Slack manifest's host: replace them before publishing.
 */

export const MANIFEST_VERSION = '1.30';
export const SCHEMA_URL = `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;

/** A GUID that is obviously not a real registration; the packager swaps in TEAMS_APP_ID. */
export const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';

export const COLOR_ICON_FILE = 'color.png';
export const OUTLINE_ICON_FILE = 'outline.png';

export interface BotCommand {
  /** A command of the grammar (src/core/commands/grammar.ts); Teams inserts it after the @mention. */
  title: string;
  description: string;
}

/**
 * Offered in channels and group chats (an @mention of the bot). Teams shows at most 12 per list
 * (schema 1.30); these are the ones used during an incident, the rest are in `help`.
 */
export const TEAM_COMMANDS: readonly BotCommand[] = [
  { title: 'declare', description: 'Declare an incident: declare sev1 prompt-injection <title>. Posts the playbook checklist and pages the roles' },
  { title: 'status', description: 'The incident\'s header card: state, severity, roles, deadlines' },
  { title: 'triage', description: 'Move the incident forward: triage, contain, resolve or close [at=<time>]' },
  { title: 'tick', description: 'Tick a checklist step: tick <step-number> (untick <step-number> undoes it)' },
  { title: 'note', description: 'Add a note to the timeline: note <text>' },
  { title: 'assign', description: 'Give a response role to someone: assign <role> @person' },
  { title: 'page', description: 'Page whoever holds a role, or its on-call primary: page <role>' },
  { title: 'ack', description: 'Acknowledge a page: ack <page-number> (the number is on the page)' },
  { title: 'timeline', description: 'Every event of the incident with the time it happened' },
  { title: 'metrics', description: 'Response metrics: metrics last-week | this-quarter | 2026-Q3 | <from>..<to>' },
  { title: 'exercise', description: 'Tabletop exercise: exercise scenarios | start [<scenario-id>] | inject | end' },
  { title: 'help', description: 'All commands, or one: help <command>' },
];

/** Offered in the 1:1 chat with the bot, where pages arrive: only commands that work anywhere. */
export const PERSONAL_COMMANDS: readonly BotCommand[] = [
  { title: 'ack', description: 'Acknowledge a page: ack <page-number> (the number is on the page)' },
  { title: 'declare', description: 'Declare an incident: declare sev1 prompt-injection <title>. Posts the playbook checklist and pages the roles' },
  { title: 'list', description: 'Open incidents' },
  { title: 'oncall', description: 'Show the on-call roster, or set one: oncall <role> @primary @next backup=@person' },
  { title: 'alert', description: 'Triage an alert: alert declare <incident-number> | alert dismiss <incident-number> [reason]' },
  { title: 'metrics', description: 'Response metrics: metrics last-week | this-quarter | 2026-Q3 | <from>..<to>' },
  { title: 'exercise', description: 'Tabletop exercise: exercise scenarios | exercise start [<scenario-id>|<playbook-id>]' },
  { title: 'help', description: 'All commands, or one: help <command>' },
];

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildTeamsManifest(appId: string = PLACEHOLDER_APP_ID) {
  return {
    $schema: SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    // Teams refuses an update whose version is not higher: it follows package.json.
    version: packageVersion(),
    id: appId,
    developer: {
      name: 'ai-incident-bot contributors',
      websiteUrl: 'https://incident-bot.example.com',
      privacyUrl: 'https://incident-bot.example.com/privacy',
      termsOfUseUrl: 'https://incident-bot.example.com/terms',
    },
    name: { short: 'IncidentBot', full: 'AI Incident Response' },
    description: {
      short: 'Declare AI incidents, tick playbook checklists, page response roles.',
      full:
        'Mention IncidentBot to declare an incident: it posts the matching AI playbook (model safety violation, prompt injection, data leakage, model drift) as a checklist people tick in Teams, and pages the holders of each response role, who acknowledge with a button. Every state change is a timestamped event, so the timeline and the response metrics (time to detect, triage, contain and resolve) are facts. Tabletop exercises replay MITRE ATLAS case studies without paging anyone.',
    },
    icons: { color: COLOR_ICON_FILE, outline: OUTLINE_ICON_FILE },
    accentColor: ACCENT_COLOR,
    bots: [
      {
        botId: appId,
        scopes: ['team', 'personal', 'groupChat'],
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists: [
          { scopes: ['team', 'groupChat'], commands: [...TEAM_COMMANDS] },
          { scopes: ['personal'], commands: [...PERSONAL_COMMANDS] },
        ],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    defaultInstallScope: 'team',
    defaultGroupCapability: { team: 'bot', groupchat: 'bot' },
  } satisfies TeamsManifestV1D30.TeamsManifestV1D30;
}

export type TeamsAppManifest = ReturnType<typeof buildTeamsManifest>;

/** manifest.json as committed: the placeholder ids, two-space indent, final newline. */
export function manifestJson(manifest: TeamsAppManifest = buildTeamsManifest()): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export const MANIFEST_DIR = fileURLToPath(new URL('.', import.meta.url));
export const MANIFEST_JSON_PATH = fileURLToPath(new URL('./manifest.json', import.meta.url));
export const COLOR_ICON_PATH = fileURLToPath(new URL(`./${COLOR_ICON_FILE}`, import.meta.url));
export const OUTLINE_ICON_PATH = fileURLToPath(new URL(`./${OUTLINE_ICON_FILE}`, import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(MANIFEST_JSON_PATH, manifestJson());
  writeFileSync(COLOR_ICON_PATH, encodePng(drawColorIcon()));
  writeFileSync(OUTLINE_ICON_PATH, encodePng(drawOutlineIcon()));
  process.stdout.write(`wrote ${MANIFEST_JSON_PATH}, ${COLOR_ICON_FILE} and ${OUTLINE_ICON_FILE}\n`);
}
