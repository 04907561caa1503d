import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

describe('the logger', () => {
  it('redacts secret fields wherever they sit in a record', () => {
    const { lines, logger } = capture();
    logger.info({ token: 'xoxb-111-secret', config: { SLACK_SIGNING_SECRET: 'shh-signing', DATABASE_URL: 'postgres://u:pw@db/x' }, headers: { authorization: 'Bearer abc.def' } }, 'starting');
    const text = lines.join('');
    for (const secret of ['xoxb-111-secret', 'shh-signing', 'pw@db', 'abc.def']) expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
    expect(JSON.parse(lines[0]!).msg).toBe('starting');
  });

  it('scrubs token-shaped strings from messages and errors', () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error('POST https://slack.com/api/chat.postMessage failed with token xoxb-222-abc') }, 'call failed for xapp-1-XYZ');
    logger.warn({ err: 'connect postgres://bot:hunter2@db:5432/incidents refused' }, 'db down');
    const text = lines.join('');
    for (const secret of ['xoxb-222-abc', 'xapp-1-XYZ', 'hunter2']) expect(text).not.toContain(secret);
    expect(text).toContain('chat.postMessage failed with token [REDACTED]');
  });
});
