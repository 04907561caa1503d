import { authoredScenarioSchema, type AuthoredScenario } from '../../src/core/exercise/authored-scenario.js';

export const CONTROLLER_NOTE = 'If nobody flags GDPR, have the DPO call the commander directly.';
export const EVALUATOR_NOTE = 'Watch whether legal is looped in before comms drafts anything.';
export const SECRET_ACTION = 'Commander raises the severity to reflect a confirmed personal data exposure';

/** A small scenario with a branch, a contingency, a decision and a pause-sensitive limit. */
export const TEST_SCENARIO: AuthoredScenario = authoredScenarioSchema.parse({
  id: 'test-invoice-leak',
  version: 2,
  title: 'Assistant shows customers each other’s invoices',
  playbook: 'data-leakage',
  duration_minutes: 60,
  basis: { incident: 'ChatGPT conversation-history bug, March 2023', reference: 'https://openai.com/index/march-20-chatgpt-outage/', summary: 'A caching bug showed some users the titles of other users’ conversations and payment details.' },
  objectives: [
    { id: 'contain', capability: 'Containment', target: 'containment decision within 15 minutes of inject 1' },
    { id: 'notify', capability: 'Regulatory notification', target: 'GDPR clock started within 20 minutes of confirmation' },
  ],
  roles: [
    { role: 'commander', required: true },
    { role: 'legal', required: true },
    { role: 'comms', required: false },
  ],
  opening: 'Monday 09:00. The billing assistant answers questions about invoices for 40,000 business customers.',
  injects: [
    {
      id: 'first-reports',
      trigger: { at_minutes: 0 },
      from: 'Priya, support lead',
      to: ['commander'],
      text: 'Three customers say the assistant showed them invoices of other companies.',
      expected_actions: [{ id: 'raise-severity', description: SECRET_ACTION, objective: 'contain', within_minutes: 10, observe: { event: 'severity_changed' }, role: 'commander' }],
      decision: { prompt: 'Turn the assistant off now?', options: [{ id: 'disable', label: 'Disable the assistant' }, { id: 'monitor', label: 'Keep it on and monitor' }], decided_by: 'commander', within_minutes: 15 },
      controller_notes: CONTROLLER_NOTE,
    },
    {
      id: 'logs-confirm',
      trigger: { after: 'first-reports', delay_minutes: 5, if: { decision: 'first-reports', option: 'disable' } },
      from: 'Sam, ML engineer',
      to: ['commander', 'legal'],
      text: 'With the assistant off, the logs show 40 invoices served to the wrong tenant over two days.',
      expected_actions: [{ id: 'flag-gdpr', description: 'Legal starts the GDPR breach clock', objective: 'notify', within_minutes: 20, observe: { event: 'clock_flagged' }, role: 'legal' }],
      contingency: { from: 'Dana, DPO', text: 'The DPO asks why the breach register has no entry yet.' },
      evaluator_notes: EVALUATOR_NOTE,
    },
    {
      id: 'more-leaks',
      trigger: { after: 'first-reports', delay_minutes: 5, if: { decision: 'first-reports', option: 'monitor' } },
      from: 'Priya, support lead',
      to: ['commander'],
      text: 'Twelve more customers report the same thing.',
    },
    {
      id: 'journalist',
      trigger: { at_minutes: 30 },
      from: 'A reporter',
      to: ['comms', 'legal'],
      text: 'A trade journalist asks whether customer invoices leaked.',
      expected_actions: [{ id: 'holding-note', description: 'Someone records the holding line agreed with legal', objective: 'notify', within_minutes: 10, observe: { event: 'note_added' } }],
    },
  ],
  hot_wash_minutes: 15,
});

