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
  /**
   * What this process last wrote or read, so an activity that tells nothing new writes nothing
   * (every message carries its sender and conversation; bench/teams.ts). Another replica's newer
   * write is picked up on the next change or restart: service URLs and ids rarely change.
   */
  private readonly written = new Map<string, string>();
  private readonly conversations = new Map<string, Record<string, unknown>>();
  private readonly known = new Map<string, KnownPerson>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly platform: string,
  ) {}

  private unchanged(key: string, value: unknown): boolean {
    const json = JSON.stringify(value);
    if (this.written.get(key) === json) return true;
    this.written.set(key, json);
    return false;
  }

  async rememberPerson(person: KnownPerson, at: Date): Promise<void> {
    if (this.unchanged(`person:${person.id}`, person)) return;
    // The stored address is the merge of every write; read it back on the next lookup.
    this.known.delete(person.id);
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
    const missing = ids.filter((id) => !this.known.has(id));
    if (missing.length) {
      const rows = await this.db.selectFrom('chat_people').selectAll().where('platform', '=', this.platform).where('id', 'in', missing).execute();
      for (const row of rows) this.known.set(row.id, { id: row.id, name: row.name, address: row.address });
    }
    return ids.flatMap((id) => (this.known.has(id) ? [this.known.get(id)!] : []));
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
    if (this.unchanged(`conversation:${id}`, reference)) return;
    this.conversations.set(id, reference);
    const json = JSON.stringify(reference);
    await this.db
      .insertInto('chat_conversations')
      .values({ platform: this.platform, id, reference: json, updated_at: at })
      .onConflict((c) => c.columns(['platform', 'id']).doUpdateSet({ reference: json, updated_at: at }))
      .execute();
  }

  async conversation(id: string): Promise<Record<string, unknown> | undefined> {
    const cached = this.conversations.get(id);
    if (cached) return cached;
    const row = await this.db.selectFrom('chat_conversations').select('reference').where('platform', '=', this.platform).where('id', '=', id).executeTakeFirst();
    if (row) this.conversations.set(id, row.reference);
    return row?.reference;
  }

  /** The team channel the bot heard from last, to look people up in. */
  async latestChannel(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('chat_conversations')
      .select('id')
      .where('platform', '=', this.platform)
      .where((eb) => eb(eb.ref('reference', '->>').key('conversationType' as never), '=', 'channel'))
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }

  /** The newest reference seen: its service URL and tenant serve for conversations not seen yet. */
  async latestConversation(): Promise<Record<string, unknown> | undefined> {
    const row = await this.db.selectFrom('chat_conversations').select('reference').where('platform', '=', this.platform).orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
    return row?.reference;
  }
}
