import type { AppsManifestCreateArguments } from '@slack/web-api';

/**
 * The Slack app, as one paste into "Create app from manifest". Written in TypeScript so the type
 * catches a misspelt scope or setting; `npm run manifest:slack` writes manifest.yaml from it and a
 * test fails when the YAML is stale. Replace the example host with your bot's public URL (HTTP
 * mode), or set `socket_mode_enabled: true` and drop the URLs (Socket Mode).
 */
export const REQUEST_URL = 'https://incident-bot.example.com/slack/events';

export const slackManifest = {
  display_information: {
    name: 'Incident Bot',
    description: 'Declare AI incidents, tick playbook checklists, page response roles.',
    long_description:
      'One slash command declares an incident and opens its channel. The matching AI playbook (model safety violation, prompt injection, data leakage, model drift) is posted as a checklist people tick in Slack; the holders of each response role are paged with an Acknowledge button; every state change is a timestamped event, so the timeline and the response metrics are facts.',
    background_color: '#7a1f1f',
  },
  features: {
    bot_user: { display_name: 'incident-bot', always_online: true },
    slash_commands: [
      {
        command: '/incident',
        url: REQUEST_URL,
        description: 'Declare and run AI incidents (/incident help)',
        usage_hint: 'declare sev1 prompt-injection <title> | triage | note <text> | help',
        should_escape: true,
      },
    ],
  },
  oauth_config: {
    scopes: {
      bot: [
        'commands', // /incident
        'chat:write', // cards, replies, ephemeral messages
        'channels:manage', // create public incident channels, invite, set the topic
        'groups:write', // the same for private incident channels
        'im:write', // open the DM a page is sent in
        'pins:write', // pin the header
        'files:write', // the weekly digest chart
        'users:read', // oncall and assign check each person exists and is active (users.info)
        'channels:read', // find an incident channel whose create answer was lost (conversations.list)
        'groups:read', // the same for private incident channels
        'channels:history', // find a card whose post answer was lost, by its message metadata (conversations.history)
        'groups:history', // the same in private incident channels
      ],
    },
  },
  settings: {
    interactivity: { is_enabled: true, request_url: REQUEST_URL },
    org_deploy_enabled: false,
    socket_mode_enabled: false,
    token_rotation_enabled: false,
  },
} satisfies AppsManifestCreateArguments['manifest'];
