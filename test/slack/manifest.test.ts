import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANIFEST_YAML_PATH, manifestYaml } from '../../manifests/slack/emit.js';
import { slackManifest } from '../../manifests/slack/manifest.js';

describe('the Slack app manifest', () => {
  it('is committed as YAML that matches manifest.ts (run `npm run manifest:slack` after editing it)', () => {
    expect(readFileSync(MANIFEST_YAML_PATH, 'utf8')).toBe(manifestYaml());
  });

  it('sends the command and clicks to the endpoint the bot serves, with mentions escaped to user ids', () => {
    const yaml = parse(readFileSync(MANIFEST_YAML_PATH, 'utf8')) as typeof slackManifest;
    const [command] = yaml.features.slash_commands;
    expect(command).toMatchObject({ command: '/incident', should_escape: true });
    expect(new URL(command!.url).pathname).toBe('/slack/events');
    expect(new URL(yaml.settings.interactivity.request_url).pathname).toBe('/slack/events');
  });

  it('asks for the scope of every Web API method the bot calls', () => {
    // Method → the bot scopes that allow it (any one is enough).
    const needs: Record<string, string[]> = {
      'conversations.create': ['channels:manage', 'groups:write'],
      'conversations.invite': ['channels:manage', 'groups:write'],
      'conversations.setTopic': ['channels:manage', 'groups:write'],
      'conversations.open': ['im:write'],
      'chat.postMessage': ['chat:write'],
      'chat.update': ['chat:write'],
      'chat.postEphemeral': ['chat:write'],
      'pins.add': ['pins:write'],
      'files.getUploadURLExternal': ['files:write'],
      'files.completeUploadExternal': ['files:write'],
      'users.info': ['users:read'],
      'conversations.list': ['channels:read', 'groups:read'],
      'conversations.history': ['channels:history', 'groups:history'],
    };
    const scopes: readonly string[] = slackManifest.oauth_config.scopes.bot;
    const missing = Object.entries(needs).filter(([, any]) => !any.some((s) => scopes.includes(s)));
    expect(missing).toEqual([]);
    // Private incident channels need groups:write as well as channels:manage for public ones.
    expect(scopes).toEqual(expect.arrayContaining(['channels:manage', 'groups:write', 'commands']));
  });
});
