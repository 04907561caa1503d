import { parseYaml, yamlProblem } from '../read-yaml.js';
import { z } from 'zod';
import { parseUser } from '../commands/tokens.js';
import type { CoreContext } from '../context.js';
import { ROLE_IDS, type RoleId } from '../domain.js';
import { AppError } from '../errors.js';

/**
 * A roster kept in git (ROSTER_FILE), applied at start-up:
 *
 *   commander:
 *     oncall: [alice, bob]     # escalation order, first is primary
 *     backup: carol            # paged after everyone above
 *   security:
 *     oncall: ["<@U024BE7LH>"]
 *
 * People are written as in chat (`@alice`, `<@U123>`) or as bare ids (Teams: the AAD object id).
 * Roles left out keep whatever the chat set. With several chat edges, one roster per platform:
 *
 *   slack:
 *     commander: { oncall: ["<@U024BE7LH>"] }
 *   teams:
 *     commander: { oncall: [6e2b1c9a-0000-4000-8000-000000000001] }
 *
 * A file without platform keys is the roster of the first chat edge configured.
 */
const person = z.string().trim().min(1).transform((value, ctx) => {
  const user = parseUser(value) ?? (/^[\w.-]+$/.test(value) ? value : null);
  if (!user) ctx.addIssue({ code: 'custom', message: `"${value}" is not a person; write alice, @alice or <@U123>` });
  return user ?? '';
});

const entry = z.object({ oncall: z.array(person).min(1, 'at least one person'), backup: person.optional() }).strict();
const rosterFile = z.partialRecord(z.enum(ROLE_IDS), entry);
const PLATFORM_KEYS = ['slack', 'teams', 'console'];

export type RosterEntries = Partial<Record<RoleId, { oncall: string[]; backup?: string }>>;
/** Roster entries by platform name. */
export type RosterFile = Record<string, RosterEntries>;

/** Reads a roster file; entries without a platform key belong to `defaultPlatform`. */
export function parseRosterFile(text: string, name: string, defaultPlatform: string): RosterFile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new AppError('config', `${name}: not YAML: ${yamlProblem(error)}`);
  }
  const keys = data && typeof data === 'object' ? Object.keys(data) : [];
  if (keys.length && keys.every((k) => PLATFORM_KEYS.includes(k))) {
    const byPlatform = data as Record<string, unknown>;
    return Object.fromEntries(keys.map((platform) => [platform, parseRoles(byPlatform[platform], `${name} (${platform})`)]));
  }
  return { [defaultPlatform]: parseRoles(data, name) };
}

function parseRoles(data: unknown, name: string): RosterEntries {
  const parsed = rosterFile.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
    throw new AppError('config', `${name}: ${problems.join('; ')} (roles are ${ROLE_IDS.join(', ')}; each has oncall: [people] and optional backup: person)`);
  }
  return parsed.data as RosterEntries;
}

/** Applies the file's roles; a role already set the same way is left alone (no event on every start). */
export async function applyRosterFile(context: CoreContext, file: RosterFile, source: string): Promise<string[]> {
  const changed: string[] = [];
  for (const [platform, entries] of Object.entries(file)) {
    for (const role of await applyRoster(context, platform, entries, source)) changed.push(`${platform}:${role}`);
  }
  return changed;
}

async function applyRoster(context: CoreContext, platform: string, entries: RosterEntries, source: string): Promise<RoleId[]> {
  const changed: RoleId[] = [];
  await context.store.transaction(async (store) => {
    const [roster, backups] = await Promise.all([store.roles.roster(platform), store.roles.backups(platform)]);
    for (const role of ROLE_IDS) {
      const wanted = entries[role];
      if (!wanted) continue;
      const users = [...new Set(wanted.oncall)];
      const backup = wanted.backup ?? null;
      if (JSON.stringify(roster.get(role) ?? []) === JSON.stringify(users) && (backups.get(role) ?? null) === backup) continue;
      await store.roles.setRoster(platform, role, users);
      await store.roles.setBackup(platform, role, backup);
      await store.events.append({ incidentId: null, kind: 'roster_set', payload: { platform, role, users, backup }, actor: source, occurredAt: context.clock.now() });
      changed.push(role);
    }
  });
  return changed;
}
