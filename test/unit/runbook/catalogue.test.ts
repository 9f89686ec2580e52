import { renderCatalogue } from '../../../src/runbook/catalogue.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const scale = defineRunbook({
  id: 'scale-thing',
  summary: 'Scale a thing | carefully',
  description: 'Longer help.',
  params: z.object({
    namespace: z.string().min(1).describe('Namespace of the thing'),
    replicas: z.number().int().min(0).max(50).describe('How many'),
    mode: z.enum(['fast', 'safe']).default('safe'),
    note: z.string().optional(),
  }),
  triggers: {
    chat: 'scale',
    alerts: [
      { alertname: 'ThingDown', matchers: ['severity="critical"', 'namespace!="kube-system"'], params: { namespace: 'label:namespace', note: 'annotation:summary' }, silence: true },
      { alertname: 'ThingOdd', params: (alert) => ({ namespace: alert.labels.ns ?? 'default' }) },
    ],
  },
  risk: 'high',
  approval: { approvers: 2, timeout: '30m' },
  rateLimit: { maxRuns: 3, window: '1h', cooldown: '10m' },
  timeout: '90s',
  concurrencyKey: (p) => `thing/${p.namespace}`,
  run: () => Promise.resolve(),
});

const hidden = defineRunbook({
  id: 'a-hidden',
  summary: 'Hidden',
  params: z.object({}),
  triggers: { chat: false },
  run: () => Promise.resolve(),
});

const numericKey = defineRunbook({
  id: 'b-numeric',
  summary: 'Key that is not a plain format',
  params: z.object({ n: z.number() }),
  concurrencyKey: (p) => `n/${p.n.toFixed(0)}`,
  run: () => Promise.resolve(),
});

describe('renderCatalogue', () => {
  it("shows a runbook's pack and version (a git pack by its short commit), not its content hash", () => {
    const hash = 'f'.repeat(64);
    const local = renderCatalogue([{ ...scale, pack: { name: 'drover', version: 'local', hash } }]);
    expect(local).toContain('| Pack | `drover` (local) |\n| Risk | high |');
    const git = renderCatalogue([{ ...scale, pack: { name: 'payments', version: '0123456789abcdef0123456789abcdef01234567', hash } }]);
    expect(git).toContain('| Pack | `payments` (commit `0123456789ab`) |');
    expect(git).not.toContain(hash);
  });

  it('renders a runbook: settings, params with type, bounds, default and description, triggers with label mapping', () => {
    const md = renderCatalogue([scale]);
    expect(md).toBe(`# Runbook catalogue

<!-- Generated from the runbook definitions by \`npx drover runbooks docs --out docs/runbooks.md\`; do not edit by hand. -->

- [scale-thing](#scale-thing): Scale a thing \\| carefully

## scale-thing

Scale a thing \\| carefully

Longer help.

| | |
|---|---|
| Risk | high |
| Approval | unless dry run, 2 approvers, expires after 30m |
| Concurrency key | \`thing/<namespace>\` |
| Timeout | 1m30s |
| Rate limit (alert and scheduled runs) | 3 runs per 1h, 10m cooldown |

**Params**

| name | type | required / default | description |
|---|---|---|---|
| \`namespace\` | string | required | Namespace of the thing |
| \`replicas\` | integer, 0–50 | required | How many |
| \`mode\` | enum, one of \`fast\`, \`safe\` | default \`safe\` |  |
| \`note\` | string | optional |  |

**Triggers**

- chat: \`/drover run scale\`
- alert \`ThingDown\` where \`severity="critical"\`, \`namespace!="kube-system"\`: \`namespace\` ← label \`namespace\`, \`note\` ← annotation \`summary\`; the alert is silenced while the run fixes it
- alert \`ThingOdd\`: params computed from the alert by the runbook
`);
  });

  it('orders by id, spells out defaults, and falls back when a key cannot be shown with placeholders', () => {
    const md = renderCatalogue([scale, numericKey, hidden], { command: '/ops' });
    expect(md.indexOf('## a-hidden')).toBeLessThan(md.indexOf('## b-numeric'));
    expect(md.indexOf('## b-numeric')).toBeLessThan(md.indexOf('## scale-thing'));
    expect(md).toContain('- chat: hidden from chat (CLI and alerts only)');
    expect(md).toContain('- chat: `/ops run scale`');
    expect(md).toContain('| Concurrency key | `a-hidden` (the runbook id: runs on one cluster never overlap) |');
    expect(md).toContain('| Concurrency key | computed from the params |');
    expect(md).toContain('| Approval | not required |');
    expect(md).toContain('| Timeout | default (`jobs.defaultTimeout`, 10m unless configured) |');
    expect(md).toContain('| Rate limit (alert and scheduled runs) | none |');
    expect(md).toContain('**Params**\n\nNone.');
  });

  it('is deterministic: the same definitions in any order render the same text', () => {
    expect(renderCatalogue([hidden, scale, numericKey])).toBe(renderCatalogue([numericKey, scale, hidden]));
  });
});
