import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface KnownPerson {
  id: string;
  name: string;
  /** What the edge needs to reach the person (Teams: the 29: id, tenant, service URL). */
  address: Record<string, unknown>;
}

/**
 * The people and conversations a chat edge has seen, kept so it can reach them after a restart
 * (Teams sends proactively through stored conversation references). Upserted on every activity.
 */
export class ChatDirectory {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly platform: string,
  ) {}

  async rememberPerson(person: KnownPerson, at: Date): Promise<void> {
    const address = JSON.stringify(person.address);
    await this.db
      .insertInto('chat_people')
      .values({ platform: this.platform, id: person.id, name: person.name, address, updated_at: at })
      // Merged: what one activity tells (a 29: id) must not erase what another told (a personal chat).
      .onConflict((c) => c.columns(['platform', 'id']).doUpdateSet({ name: person.name, address: sql<string>`chat_people.address || excluded.address`, updated_at: at }))
      .execute();
  }

  async person(id: string): Promise<KnownPerson | undefined> {
    const row = await this.db.selectFrom('chat_people').selectAll().where('platform', '=', this.platform).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, name: row.name, address: row.address };
  }

  async people(ids: string[]): Promise<KnownPerson[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('chat_people').selectAll().where('platform', '=', this.platform).where('id', 'in', ids).execute();
    return rows.map((row) => ({ id: row.id, name: row.name, address: row.address }));
  }

  /** A person by a field of their address (Teams: the 29: id a mention carries). */
  async personByAddress(field: string, value: string): Promise<KnownPerson | undefined> {
    const rows = await this.db
      .selectFrom('chat_people')
      .selectAll()
      .where('platform', '=', this.platform)
      .where((eb) => eb(eb.ref('address', '->>').key(field as never), '=', value))
      .execute();
    const row = rows[0];
    return row && { id: row.id, name: row.name, address: row.address };
  }

  async rememberConversation(id: string, reference: Record<string, unknown>, at: Date): Promise<void> {
    const json = JSON.stringify(reference);
    await this.db
      .insertInto('chat_conversations')
      .values({ platform: this.platform, id, reference: json, updated_at: at })
      .onConflict((c) => c.columns(['platform', 'id']).doUpdateSet({ reference: json, updated_at: at }))
      .execute();
  }

  async conversation(id: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.db.selectFrom('chat_conversations').select('reference').where('platform', '=', this.platform).where('id', '=', id).executeTakeFirst();
    return row?.reference;
  }

  /** The newest reference seen: its service URL and tenant serve for conversations not seen yet. */
  async latestConversation(): Promise<Record<string, unknown> | undefined> {
    const row = await this.db.selectFrom('chat_conversations').select('reference').where('platform', '=', this.platform).orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
    return row?.reference;
  }
}
