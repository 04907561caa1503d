import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { CoreContext } from '../../core/context.js';
import { handleCommand } from '../../core/handle-command.js';
import type { ConsoleChat } from './console-chat.js';
import { cardToText, terminalSafe } from './render.js';

const CONSOLE_HELP = `Console chat: type what you would type in Slack.
  /incident <command>   run a bot command (/incident help lists them)
  /as <name>            act as another person
  /join <channel>       move to a channel (e.g. /join general)
  /channels             list channels
  /quit                 leave
Anything else is a chat message in the current channel.`;

/**
 * A terminal REPL over the same core every chat edge uses: one local user (switchable), the
 * current channel, and the bot's posts printed as text.
 */
export class ConsoleSession {
  private readonly out: (text: string) => void;
  user: string;
  channel = 'general';

  constructor(
    private readonly context: CoreContext,
    private readonly chat: ConsoleChat,
    out: (text: string) => void,
    user: string,
  ) {
    this.out = (text) => out(terminalSafe(text));
    this.user = user;
  }

  prompt(): string {
    return `${this.user} #${this.channel}> `;
  }

  /** Handles one typed line; resolves false when the person asked to leave. */
  async handleLine(raw: string): Promise<boolean> {
    const line = raw.trim();
    if (!line) return true;
    const [head = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    switch (head.toLowerCase()) {
      case '/quit':
      case '/exit':
        return false;
      case '/help':
        this.out(CONSOLE_HELP);
        return true;
      case '/as': {
        const name = argument.replace(/^@/, '');
        if (!/^[\w.-]+$/.test(name)) this.out('usage: /as <name>, e.g. /as alice');
        else {
          this.user = name;
          this.out(`* you are now @${name}`);
        }
        return true;
      }
      case '/join': {
        const channel = argument.replace(/^#/, '');
        const known = () => this.chat.channelNames().map((c) => `#${c}`).join(', ');
        if (!channel) {
          this.out(`usage: /join <channel>; channels: ${known()}`);
          return true;
        }
        if (!this.chat.hasChannel(channel)) {
          // Channels live in memory; an incident's channel from before a restart is in the database.
          const incident = await this.context.store.incidents.findByChannel(this.chat.name, channel);
          if (!incident) {
            this.out(`no channel #${channel}; channels: ${known()} (\`/incident list\` shows open incidents)`);
            return true;
          }
          this.chat.restoreChannel(channel, incident.private);
        }
        this.channel = channel;
        this.out(`* joined #${channel}`);
        return true;
      }
      case '/channels':
        this.out(this.chat.channelNames().map((c) => `#${c}${c === this.channel ? ' (here)' : ''}`).join('\n'));
        return true;
      case '/incident': {
        const reply = await handleCommand(this.context, { platform: 'console', userId: this.user, channelId: this.channel }, line);
        this.out(`${reply.public ? `[#${this.channel}] bot:` : '(only you see this)'} ${reply.text}`);
        if (reply.card) this.out(cardToText(reply.card));
        if (reply.channelId && reply.channelId !== this.channel && this.chat.hasChannel(reply.channelId)) {
          this.channel = reply.channelId;
          this.out(`* moved to #${reply.channelId}`);
        }
        return true;
      }
      default:
        if (head.startsWith('/')) this.out(`unknown console command ${head}; type /help`);
        else this.out(`[#${this.channel}] ${this.user}: ${line}`);
        return true;
    }
  }

  /** Reads lines until /quit or the end of input; commands run one at a time, in order. */
  async run(input: Readable, output: Writable, interactive: boolean): Promise<void> {
    const lines = createInterface({ input, ...(interactive ? { output, terminal: true } : {}) });
    this.out(`AI incident bot, console chat. You are @${this.user} in #${this.channel}. Type /help.`);
    if (interactive) {
      lines.setPrompt(this.prompt());
      lines.prompt();
    }
    for await (const line of lines) {
      const goOn = await this.handleLine(line);
      if (!goOn) break;
      if (interactive) {
        lines.setPrompt(this.prompt());
        lines.prompt();
      }
    }
    lines.close();
  }
}
