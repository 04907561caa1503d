import { parse as parseYaml } from 'yaml';
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
 * People are written as in chat (`@alice`, `<@U123>`) or as bare ids. Roles left out keep
 * whatever the chat set.
 */
const person = z.string().trim().min(1).transform((value, ctx) => {
  const user = parseUser(value) ?? (/^[\w.-]+$/.test(value) ? value : null);
  if (!user) ctx.addIssue({ code: 'custom', message: `"${value}" is not a person; write alice, @alice or <@U123>` });
  return user ?? '';
});

const entry = z.object({ oncall: z.array(person).min(1, 'at least one person'), backup: person.optional() }).strict();
const rosterFile = z.partialRecord(z.enum(ROLE_IDS), entry);

export type RosterEntries = Partial<Record<RoleId, { oncall: string[]; backup?: string }>>;

export function parseRosterFile(text: string, name: string): RosterEntries {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new AppError('config', `${name}: not YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = rosterFile.safeParse(data ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
    throw new AppError('config', `${name}: ${problems.join('; ')} (roles are ${ROLE_IDS.join(', ')}; each has oncall: [people] and optional backup: person)`);
  }
  return parsed.data as RosterEntries;
}

/** Applies the file's roles; a role already set the same way is left alone (no event on every start). */
export async function applyRosterFile(context: CoreContext, entries: RosterEntries, source: string): Promise<RoleId[]> {
  const changed: RoleId[] = [];
  await context.store.transaction(async (store) => {
    const [roster, backups] = await Promise.all([store.roles.roster(), store.roles.backups()]);
    for (const role of ROLE_IDS) {
      const wanted = entries[role];
      if (!wanted) continue;
      const users = [...new Set(wanted.oncall)];
      const backup = wanted.backup ?? null;
      if (JSON.stringify(roster.get(role) ?? []) === JSON.stringify(users) && (backups.get(role) ?? null) === backup) continue;
      await store.roles.setRoster(role, users);
      await store.roles.setBackup(role, backup);
      await store.events.append({ incidentId: null, kind: 'roster_set', payload: { role, users, backup }, actor: source, occurredAt: context.clock.now() });
      changed.push(role);
    }
  });
  return changed;
}
