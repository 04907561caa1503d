import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';
import { quoteBack } from '../../core/text-input.js';

/**
 * The shapes Slack sends to `POST /slack/events`, checked after the signature and before Bolt.
 *
 * Bolt's HTTPReceiver parses the body as `parseHTTPRequestBody` does (a form with a `payload`
 * field → that JSON; any other form → its fields; anything else → JSON) and then dereferences
 * fields without checking them: a `payload` of `null` threw outside any listener and killed the
 * process; a missing `user` or `view` was a 500; a body it could not classify waited 3 s for an
 * ack that never came. So each body is parsed the same way here, classified as Bolt classifies it
 * (`getTypeAndConversation`), and must carry, with the right types, the fields Bolt and this app's
 * listeners read for that kind. Anything else is refused with a reason.
 */

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Slack's payloads nest a few levels (blocks → elements → rich text); far deeper is not Slack. */
export const MAX_JSON_DEPTH = 64;

export type SlackBodyKind = 'command' | 'interaction' | 'event' | 'url_verification' | 'ssl_check';
export type BodyCheck = { ok: true; kind: SlackBodyKind } | { ok: false; error: string };

/** Bolt's classes of incoming bodies (`IncomingEventType`), decided as its `getTypeAndConversation` decides them. */
type BoltKind = 'event' | 'command' | 'options' | 'action' | 'shortcut' | 'view';

function boltKind(body: Record<string, unknown>): BoltKind | undefined {
  if (body.event !== undefined) return 'event';
  if (body.command !== undefined) return 'command';
  if (body.name !== undefined || body.type === 'block_suggestion') return 'options';
  if (body.actions !== undefined || body.type === 'dialog_submission') return 'action';
  if (body.type === 'shortcut' || body.type === 'message_action') return 'shortcut';
  if (body.type === 'view_submission' || body.type === 'view_closed') return 'view';
  return undefined;
}

const text = z.string();
/** A workspace or org id: Bolt keys objects by it, so a name of Object's own (`__proto__`) answered 500. */
const teamId = z.string().refine((value) => !(value in Object.prototype), 'not a workspace id');
const id = z.string().min(1);
const httpUrl = z.url({ protocol: /^https?$/ });
const record = z.looseObject({});
/** Workflow-function context: Bolt builds `complete()` / `fail()` from `execution_id` and throws when it is empty. */
const functionData = z.looseObject({ execution_id: id }).nullable().optional();

// ---- interactions (`payload=<json>`) ----

const user = z.looseObject({ id, team_id: teamId.optional() });
const option = z.looseObject({ value: text });
const interactionCommon = {
  type: text,
  user,
  // Null when the app is installed org-wide; then Bolt reads `user.team_id`.
  team: z.looseObject({ id, enterprise_id: teamId.optional() }).nullable().optional(),
  enterprise: z.looseObject({ id }).nullable().optional(),
  // Bolt reads `channel.id` whenever `channel` is present.
  channel: z.looseObject({ id }).optional(),
  response_url: httpUrl.optional(),
  response_urls: z.array(z.looseObject({ response_url: httpUrl })).optional(),
  trigger_id: text.optional(),
  api_app_id: text.optional(),
  token: text.optional(),
  function_data: functionData,
};

/** One element of a Block Kit block as the checklist listener reads it back (`initial_options`). */
const blockElement = z.looseObject({ action_id: text.optional(), initial_options: z.array(z.looseObject({ value: text.optional() })).optional() });
const block = z.looseObject({ block_id: text.optional(), elements: z.array(blockElement).optional() });

const blockAction = z.looseObject({
  action_id: text,
  block_id: text.optional(),
  type: text.optional(),
  value: text.optional(),
  selected_options: z.array(option).optional(),
});

/** The value of one input element in `view.state.values`, as views.ts reads it. */
const inputValue = z.looseObject({
  type: text.optional(),
  value: text.nullable().optional(),
  selected_option: option.nullable().optional(),
  selected_options: z.array(option).optional(),
  selected_user: text.nullable().optional(),
  selected_date_time: z.number().nullable().optional(),
});
const viewState = z.looseObject({ values: z.record(text, z.record(text, inputValue)) });
const viewFields = {
  id,
  callback_id: text,
  private_metadata: text.optional(),
  hash: text.optional(),
  app_installed_team_id: teamId.optional(),
};

const blockActions = z.looseObject({
  ...interactionCommon,
  trigger_id: text,
  actions: z.array(blockAction).min(1),
  message: z.looseObject({ ts: text.optional(), blocks: z.array(block).optional() }).optional(),
  view: z.looseObject({ ...viewFields, callback_id: text.optional(), state: viewState.optional() }).optional(),
});

const viewSubmission = z.looseObject({ ...interactionCommon, view: z.looseObject({ ...viewFields, state: viewState }) });
const viewClosed = z.looseObject({ ...interactionCommon, view: z.looseObject({ ...viewFields, state: viewState.optional() }) });
const blockSuggestion = z.looseObject({ ...interactionCommon, action_id: text, block_id: text.optional(), value: text });
const shortcut = z.looseObject({ ...interactionCommon, callback_id: text, trigger_id: text });
const messageAction = z.looseObject({ ...interactionCommon, callback_id: text, trigger_id: text, channel: z.looseObject({ id }), message: record });

/**
 * The interaction types Bolt routes for an app on Block Kit and modals, with the class Bolt puts
 * each in. Legacy attachments and dialogs (`interactive_message`, `dialog_*`) are not used here.
 */
const INTERACTIONS: Record<string, { kind: BoltKind; schema: z.ZodType }> = {
  block_actions: { kind: 'action', schema: blockActions },
  block_suggestion: { kind: 'options', schema: blockSuggestion },
  view_submission: { kind: 'view', schema: viewSubmission },
  view_closed: { kind: 'view', schema: viewClosed },
  shortcut: { kind: 'shortcut', schema: shortcut },
  message_action: { kind: 'shortcut', schema: messageAction },
};
export const INTERACTION_TYPES: readonly string[] = Object.keys(INTERACTIONS);

// ---- slash commands (form fields; a repeated field arrives as an array and is refused) ----

const slashCommand = z.looseObject({
  command: z.string().regex(/^\/\S+$/),
  text,
  user_id: id,
  channel_id: id,
  trigger_id: id,
  response_url: httpUrl,
  team_id: teamId.optional(),
  enterprise_id: teamId.optional(),
  api_app_id: text.optional(),
});

// ---- Events API (JSON) ----

const event = z.looseObject({
  type: text,
  // Bolt reads `user.id` of an object user, `channel.id` / `channel.creator` of an object channel, `item.channel`.
  user: z.union([text, z.looseObject({ id: text })]).optional(),
  channel: z.union([text, z.looseObject({ id: text.optional(), creator: text.optional() })]).optional(),
  channel_id: text.optional(),
  item: z.looseObject({ channel: text.optional() }).optional(),
  subteam: record.optional(),
});
/** The one event Bolt does not ack itself; it needs the execution id for `complete()` / `fail()`. */
const functionExecuted = z.looseObject({ type: z.literal('function_executed'), function_execution_id: id, bot_access_token: text.optional() });
const eventCallback = z.looseObject({
  type: z.literal('event_callback'),
  event,
  team_id: teamId.optional(),
  enterprise_id: teamId.nullable().optional(),
  api_app_id: text.optional(),
  authorizations: z.array(z.looseObject({ team_id: teamId.nullable().optional(), enterprise_id: teamId.nullable().optional() })).optional(),
  response_urls: z.array(z.looseObject({ response_url: httpUrl })).optional(),
  function_data: functionData,
});
const urlVerification = z.looseObject({ type: z.literal('url_verification'), challenge: text });

// ---- checking ----

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How deeply `json` nests arrays and objects, counted without parsing it; stops counting past `limit`. */
export function jsonDepth(json: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

function parseJson(json: string, what: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (jsonDepth(json) > MAX_JSON_DEPTH) return { ok: false, error: `${what} nests deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch {
    return { ok: false, error: `${what} is not JSON` };
  }
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * A quoted, shortened copy of a sender's string for an error message. `JSON.stringify` alone let
 * DEL, the C1 controls and U+2028 through raw; quoteBack replaces them (and lone surrogates).
 */
function quote(value: string): string {
  return JSON.stringify(quoteBack(value));
}

function checkSchema(schema: z.ZodType, value: unknown, what: string): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  // The path holds the sender's keys (`view.state.values` is keyed by block ids): any length, newlines included.
  const path = issue.path.map((part) => quoteBack(String(part))).join('.');
  return `${what}${path ? ` ${path}` : ''}: ${issue.message}`;
}

function checkInteraction(payload: unknown): BodyCheck {
  if (!isRecord(payload)) return { ok: false, error: `payload must be a JSON object, not ${describeType(payload)}` };
  if (typeof payload.type !== 'string') return { ok: false, error: 'payload has no string type' };
  const known = Object.hasOwn(INTERACTIONS, payload.type) ? INTERACTIONS[payload.type] : undefined;
  if (!known) return { ok: false, error: `payload type ${quote(payload.type)} is not one this app handles (${INTERACTION_TYPES.join(', ')})` };
  const kind = boltKind(payload);
  if (kind !== known.kind) return { ok: false, error: `a ${payload.type} payload must not carry event, command, name or actions fields of another kind` };
  const error = checkSchema(known.schema, payload, `${payload.type} payload`);
  return error ? { ok: false, error } : { ok: true, kind: 'interaction' };
}

function checkForm(body: string): BodyCheck {
  const fields = parseQuery(body);
  if (typeof fields.payload === 'string') {
    const parsed = parseJson(fields.payload, 'payload');
    return parsed.ok ? checkInteraction(parsed.value) : parsed;
  }
  if (fields.payload !== undefined) return { ok: false, error: 'payload appears more than once' };
  if (fields.ssl_check === '1') return { ok: true, kind: 'ssl_check' };
  if (boltKind(fields) !== 'command') return { ok: false, error: fields.event !== undefined ? 'a form body must not carry an event field' : 'a form body needs a payload or a slash command' };
  const error = checkSchema(slashCommand, fields, 'slash command');
  return error ? { ok: false, error } : { ok: true, kind: 'command' };
}

function checkEvents(body: string): BodyCheck {
  const parsed = parseJson(body, 'body');
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isRecord(value)) return { ok: false, error: `body must be a JSON object, not ${describeType(value)}` };
  if (value.type === 'url_verification') {
    const error = checkSchema(urlVerification, value, 'url_verification');
    return error ? { ok: false, error } : { ok: true, kind: 'url_verification' };
  }
  if (value.type === 'event_callback') {
    let error = checkSchema(eventCallback, value, 'event_callback');
    if (!error && isRecord(value.event) && value.event.type === 'function_executed') error = checkSchema(functionExecuted, value.event, 'event_callback event');
    return error ? { ok: false, error } : { ok: true, kind: 'event' };
  }
  return { ok: false, error: typeof value.type === 'string' ? `body type ${quote(value.type)} is not url_verification or event_callback` : 'body has no string type' };
}

/**
 * Whether a signed body is one Slack sends, parsed as Bolt parses it: `content-type` exactly
 * `application/x-www-form-urlencoded` is a form (an interaction `payload`, a slash command, or
 * `ssl_check`); `application/json` is the Events API. Nothing else reaches Bolt.
 */
export function checkSlackBody(contentType: string | undefined, raw: Buffer): BodyCheck {
  if (raw.length === 0) return { ok: false, error: 'empty body' };
  let body: string;
  try {
    body = utf8.decode(raw);
  } catch {
    return { ok: false, error: 'body is not UTF-8' };
  }
  if (contentType === FORM_CONTENT_TYPE) return checkForm(body);
  const mediaType = contentType?.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return checkEvents(body);
  return { ok: false, error: `content-type must be ${FORM_CONTENT_TYPE} or application/json` };
}

/** Bolt answers `ssl_check=1` form bodies without a signature (Slack sends them unsigned); so does the route. */
export function isSslCheck(contentType: string | undefined, raw: Buffer): boolean {
  return contentType === FORM_CONTENT_TYPE && parseQuery(raw.toString()).ssl_check === '1';
}
