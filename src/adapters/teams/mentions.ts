/**
 * Mentions on Teams. The chat platform's `mention(id)` returns a token (private-use characters
 * around the AAD object id) that survives the core's text building; the renderer turns each token
 * into `<at>Name</at>` plus the mention entity Teams needs to notify that person.
 */
export interface TeamsPerson {
  /** AAD object id. */
  id: string;
  /** The Bot Framework id ('29:…'), when known; Teams also accepts the AAD object id. */
  mri?: string;
  name: string;
}

export type TeamsDirectory = (aadId: string) => TeamsPerson | undefined;

export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

const START = '\uE000';
const END = '\uE001';
const TOKEN = /\uE000([^\uE000\uE001]*)\uE001/g;

/** A display name is shortened past this (in `<at>` and the entity alike, so they still match). */
export const MAX_MENTION_NAME = 50;

export function mentionToken(aadId: string): string {
  return `${START}${aadId}${END}`;
}

/** Removes a token cut in half at the end of a shortened text. */
export function dropPartialToken(text: string): string {
  return text.replace(/\uE000[^\uE001]*$/, '');
}

/** Each token as the person's plain name (for texts Teams cannot mention in: buttons, labels). */
export function mentionNames(text: string, directory: TeamsDirectory): string {
  return text.replace(TOKEN, (_, aadId: string) => directory(aadId)?.name ?? aadId);
}

export const xmlEscape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Replaces every token with `<at>Name</at>` and returns one entity per distinct person; an unknown
 * person becomes the plain id. `xml` is for message text (not cards).
 */
export function resolveMentions(
  text: string,
  directory: TeamsDirectory,
  options: { xml?: boolean; maxName?: number } = {},
): { text: string; entities: MentionEntity[] } {
  const maxName = options.maxName ?? MAX_MENTION_NAME;
  const entities = new Map<string, MentionEntity>();
  const resolved = text.replace(TOKEN, (_, aadId: string) => {
    const person = directory(aadId);
    if (!person) return options.xml ? xmlEscape(aadId) : aadId;
    const name = person.name.length > maxName ? `${person.name.slice(0, maxName - 1).trimEnd()}…` : person.name;
    // Message text is XML to Teams: `&` is `&amp;` in text and entity.text alike, a raw one is refused (botbuilder-js#2111); card text is not XML.
    const at = `<at>${options.xml ? xmlEscape(name) : name}</at>`;
    if (!entities.has(aadId)) entities.set(aadId, { type: 'mention', text: at, mentioned: { id: person.mri ?? person.id, name } });
    return at;
  });
  return { text: resolved, entities: [...entities.values()] };
}
