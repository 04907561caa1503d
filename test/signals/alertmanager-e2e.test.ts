import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ALERTS_TOKEN, startTestApp, type TestApp } from '../support/paging.js';
import { waitFor } from '../support/wait-for.js';

// The real Prometheus Alertmanager (Debian package prometheus-alertmanager) firing at the bot.
const BINARY = '/usr/bin/prometheus-alertmanager';
const installed = existsSync(BINARY);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!installed)(`Alertmanager → POST /hooks/alerts (${installed ? BINARY : 'apt-get install prometheus-alertmanager to run'})`, () => {
  let database: TestDatabase;
  let bot: TestApp;
  let alertmanager: ChildProcess;
  let folder: string;
  let amUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    bot = await startTestApp({ database, clock: new TestClock(new Date(Date.now() + 60_000).toISOString()) });
    folder = await mkdtemp(join(tmpdir(), 'alertmanager-'));
    const config = `route:
  receiver: bot
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: bot
    webhook_configs:
      - url: ${bot.baseUrl}/hooks/alerts
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${ALERTS_TOKEN}
`;
    await writeFile(join(folder, 'alertmanager.yml'), config);
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawn(BINARY, [`--config.file=${join(folder, 'alertmanager.yml')}`, `--storage.path=${join(folder, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
    await waitFor('Alertmanager to be ready', async () => ((await fetch(`${amUrl}/-/ready`)).ok ? true : undefined));
  }, 60_000);

  afterAll(async () => {
    alertmanager?.kill('SIGTERM');
    await bot?.close();
    await database?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const postToAlertmanager = async (alerts: unknown[]) => {
    const response = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(response.status).toBe(200);
  };

  it('opens a triage incident from a firing alert and records its resolution', async () => {
    const startsAt = new Date(Date.now() - 3 * 60_000).toISOString();
    const labels = { alertname: 'GuardrailBlockRateHigh', severity: 'critical', playbook: 'prompt-injection', model: 'support-bot-v3' };
    const annotations = { summary: 'Guardrail block rate above 5% on support-bot', description: 'Blocked prompts rose to 7.9%.' };
    await postToAlertmanager([{ labels, annotations, startsAt }]);

    const alert = await waitFor('the bot to receive the alert', async () => {
      const [row] = await database.db.selectFrom('alerts').selectAll().execute();
      return row;
    });
    expect(alert.format).toBe('alertmanager');
    const incident = (await bot.app.context.store.incidents.get(alert.incident_id))!;
    expect(incident).toMatchObject({ title: annotations.summary, severity: 'sev1', playbookId: 'prompt-injection', source: 'alert', state: 'declared' });
    expect(incident.detectedAt.toISOString()).toBe(startsAt);
    expect(bot.printed.join('\n')).toContain(`Alert for triage: INC-${incident.id} · ${annotations.summary}`);

    // Ending the alert makes Alertmanager send a resolved notification for the same fingerprint.
    await postToAlertmanager([{ labels, annotations, startsAt, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    const resolved = await waitFor('the resolved notification', async () => {
      const events = await bot.app.context.store.events.forIncident(incident.id);
      return events.find((e) => e.kind === 'alert_resolved');
    });
    expect(resolved.payload.alert_id).toBe(alert.id);
    expect(await database.db.selectFrom('alerts').selectAll().execute()).toHaveLength(1);
  }, 60_000);
});
