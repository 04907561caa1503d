import { describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/handle-command.js';
import { publishIncident } from '../../src/core/incident/publish-incident.js';
import { resumeUnfinishedIncidents, retryUnfinishedSideEffects } from '../../src/core/incident/resume-incidents.js';
import { HOUR, MINUTE } from '../support/clock.js';
import { general, useCoreHarness } from '../support/harness.js';

const harness = useCoreHarness();

/** The similar-cases messages posted in a channel so far. */
function similarPosts(channelId: string): string[] {
  return harness.core.printed.filter((line) => line.startsWith(`[#${channelId}] bot: Similar cases for`));
}

describe('similar cases', () => {
  it('are posted once after declare, past incidents ranked by playbook, tags and words, private titles hidden', async () => {
    const { clock } = harness.core;
    // Past incidents of this install.
    const invoices = await harness.declare('sev2 prompt-injection Hidden instructions in a PDF invoice made the assistant email bank details private=no');
    clock.advance(3 * HOUR);
    await invoices.run('resolve');
    const discount = await harness.declare('sev3 prompt-injection Chatbot gave away discount codes after a user typed ignore previous instructions private=no');
    const drift = await harness.declare('sev3 model-drift Recall on the fraud model slid 9% since the September retrain');
    clock.advance(30 * MINUTE);
    await drift.run('resolve');
    await drift.run('close');
    const secret = await harness.declare('sev2 prompt-injection Project Falcon assistant emailed invoice bank details from a poisoned PDF private=yes');
    clock.advance(50 * MINUTE);
    await secret.run('resolve');
    const noise = await harness.declare('sev4 model-drift Dashboard for churn predictions shows stale numbers');
    await noise.run('false-positive wrong dashboard');
    const exercise = await handleCommand(harness.core.context, general, '/incident exercise start AML.CS0020');
    expect(exercise.incidentId, exercise.text).toBeDefined();
    clock.advance(HOUR);

    const current = await harness.declare('sev2 prompt-injection Assistant emailed bank details after reading a PDF invoice with hidden instructions private=no');
    const posts = similarPosts(current.incident.channelId!);
    expect(posts).toHaveLength(1);
    const lines = posts[0]!.split('\n');
    expect(lines[0]).toBe(`[#${current.incident.channelId}] bot: Similar cases for INC-${current.incident.id} (\`/incident similar\` shows them again):`);
    const past = lines.slice(lines.indexOf('Past incidents:') + 1, lines.indexOf('Public cases (MITRE ATLAS):'));
    expect(past).toHaveLength(3);
    // The same story ranks first, with its outcome, time to resolve and why.
    expect(past[0]).toMatch(new RegExp(`^• INC-${invoices.incident.id} Hidden instructions in a PDF invoice made the assistant email bank details: resolved in 3 h\\. Why: same playbook \\(Prompt injection[^)]*\\); shared tags .+; shared words .*"(invoice|bank|pdf|emailed|details|instructions)"`));
    // The private one is shown without its title or words, here where its channel is not.
    const hidden = past.find((l) => l.includes(`INC-${secret.incident.id}`))!;
    expect(hidden).toMatch(new RegExp(`^• INC-${secret.incident.id} \\(a private incident\\): resolved in 50 min\\. Why: same playbook`));
    expect(posts[0]).not.toContain('Falcon');
    expect(hidden).not.toContain('shared words');
    expect(past.find((l) => l.includes(`INC-${discount.incident.id}`))).toMatch(/: still open\. Why: same playbook/);
    // A drift incident shares neither playbook, tags nor words; exercises are not past incidents.
    expect(posts[0]).not.toContain(`INC-${drift.incident.id} `);
    expect(posts[0]).not.toContain(`INC-${exercise.incidentId} `);
    const cases = lines.slice(lines.indexOf('Public cases (MITRE ATLAS):') + 1);
    expect(cases.length).toBeGreaterThanOrEqual(1);
    expect(cases.length).toBeLessThanOrEqual(3);
    for (const line of cases) expect(line).toMatch(/^• AML\.CS\d{4} .+ \(https:\/\/atlas\.mitre\.org\/studies\/AML\.CS\d{4}\)\. Why: (techniques AML\.T\d{4}|shared words)/);
    expect(cases.join('\n')).toContain('AML.T0051');

    // Recorded once: publishing again, a retry round and a restart post nothing more.
    const events = (await harness.core.context.store.events.forIncident(current.incident.id)).filter((e) => e.kind === 'similar_cases_posted');
    expect(events).toHaveLength(1);
    expect(events[0]!.payload.incidents).toEqual(expect.arrayContaining([invoices.incident.id, secret.incident.id]));
    await publishIncident(harness.core.context, current.incident.id);
    await retryUnfinishedSideEffects(harness.core.context);
    await resumeUnfinishedIncidents(harness.core.context);
    expect(similarPosts(current.incident.channelId!)).toHaveLength(1);

    // `similar` shows them again, as a reply; in the private incident's own channel its title shows.
    const again = await current.run('similar');
    expect(again.public).toBeFalsy();
    expect(again.text).toContain(`INC-${invoices.incident.id} Hidden instructions in a PDF invoice`);
    expect(again.text).toContain('(a private incident)');
    const fromSecret = await secret.run('similar');
    expect(fromSecret.text).toContain(`INC-${current.incident.id} Assistant emailed bank details`);
    expect(similarPosts(current.incident.channelId!)).toHaveLength(1);
  });

  it('are posted by the side-effect retry when the post failed, still once', async () => {
    const { chat, context } = harness.core;
    const original = chat.postText.bind(chat);
    let refused = 0;
    chat.postText = async (channelId, text) => {
      if (text.startsWith('Similar cases for')) {
        refused++;
        throw new Error('HTTP 503 from the platform');
      }
      return original(channelId, text);
    };
    let declared;
    try {
      declared = await harness.declare('sev3 prompt-injection Support bot followed instructions hidden in an uploaded PDF invoice');
    } finally {
      chat.postText = original;
    }
    expect(refused).toBe(1);
    const channelId = declared.incident.channelId!;
    expect(similarPosts(channelId)).toHaveLength(0);
    const failures = (await context.store.events.forIncident(declared.incident.id)).filter((e) => e.kind === 'side_effect_failed');
    expect(failures.map((e) => e.payload.effect)).toEqual(['post similar cases']);

    // As after a restart: the retry round finds it undone and posts it, once even beside another publish; later rounds do not.
    await Promise.all([resumeUnfinishedIncidents(context), publishIncident(context, declared.incident.id)]);
    expect(similarPosts(channelId)).toHaveLength(1);
    await retryUnfinishedSideEffects(context);
    await publishIncident(context, declared.incident.id);
    expect(similarPosts(channelId)).toHaveLength(1);
  });

  it('say so when nothing is similar', async () => {
    const reply = await handleCommand(harness.core.context, general, '/incident declare sev4 Coffee machine on floor three is broken');
    const incident = (await harness.core.context.store.incidents.get(reply.incidentId!))!;
    if (incident.playbookId) await handleCommand(harness.core.context, { ...general, channelId: incident.channelId! }, '/incident playbook none');
    const answer = await handleCommand(harness.core.context, { ...general, channelId: incident.channelId! }, '/incident similar');
    expect(answer.text).toBe(`Similar cases for INC-${incident.id}: nothing similar found, neither among this bot's past incidents nor in the public MITRE ATLAS case studies.`);
    expect((await handleCommand(harness.core.context, general, '/incident similar')).text).toContain('works in an incident\'s channel');
  });
});
