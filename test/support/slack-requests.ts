import { createHmac, randomBytes } from 'node:crypto';

/** Requests as Slack sends them: form bodies signed v0 HMAC-SHA256 over `v0:<timestamp>:<body>`. */
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  secret?: string;
  signature?: string;
  headers?: Record<string, string>;
}

export async function postSigned(url: string, body: string, options: SendOptions = {}): Promise<Response> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? sign(body, timestamp, options.secret),
      ...options.headers,
    },
    body,
  });
}

export function triggerId(): string {
  return `${Date.now()}.${randomBytes(4).toString('hex')}`;
}

export interface SlashCommand {
  text: string;
  user: string;
  channel: string;
  triggerId?: string;
  responseUrl: string;
}

export function slashCommandBody(command: SlashCommand): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0TEAM',
    team_domain: 'acme',
    channel_id: command.channel,
    channel_name: 'general',
    user_id: command.user,
    user_name: command.user.toLowerCase(),
    command: '/incident',
    text: command.text,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: command.responseUrl,
    trigger_id: command.triggerId ?? triggerId(),
  }).toString();
}

export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `block_actions` payload for one action on a message the bot posted. */
export function blockActions(input: {
  user: string;
  channel: string;
  message: { ts: string; blocks: unknown[]; text?: string };
  action: Record<string, unknown>;
  responseUrl: string;
  triggerId?: string;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    user: { id: input.user, username: input.user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: input.message.ts, channel_id: input.channel, is_ephemeral: false },
    trigger_id: input.triggerId ?? triggerId(),
    team: { id: 'T0TEAM', domain: 'acme' },
    channel: { id: input.channel, name: 'incident' },
    message: { type: 'message', user: 'UBOT', ts: input.message.ts, text: input.message.text ?? '', blocks: input.message.blocks },
    response_url: input.responseUrl,
    actions: [{ action_ts: String(Date.now() / 1000), ...input.action }],
  };
}

/** A `view_submission` payload with the given state values. */
export function viewSubmission(input: {
  user: string;
  view: { id: string; callback_id: string; private_metadata: string; values: Record<string, Record<string, unknown>> };
}): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: 'T0TEAM', domain: 'acme' },
    user: { id: input.user, username: input.user.toLowerCase(), team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: triggerId(),
    view: {
      id: input.view.id,
      team_id: 'T0TEAM',
      type: 'modal',
      callback_id: input.view.callback_id,
      private_metadata: input.view.private_metadata,
      hash: 'h1',
      state: { values: input.view.values },
      title: { type: 'plain_text', text: 'x' },
      blocks: [],
    },
  };
}
