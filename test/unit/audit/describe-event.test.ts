import { describeEvent } from '../../../src/audit/filter.js';
import type { AuditEvent } from '../../../src/audit/events.js';

const received = (alertname: string): AuditEvent => ({
  type: 'alert.received',
  fingerprint: 'a1b2c3d4e5f60718',
  alertname,
  status: 'firing',
  startsAt: '2026-11-24T10:00:00Z',
  outcome: 'unmatched',
  runIds: [],
  v: 1,
  seq: 7,
  prev: '0'.repeat(64),
  hash: '1'.repeat(64),
  time: '2026-11-24T10:00:01.000Z',
});

describe('one line per audit event', () => {
  it('names an alert by its alertname', () => {
    expect(describeEvent(received('KubePodCrashLooping'))).toContain('KubePodCrashLooping firing → unmatched');
  });

  it('names an alert without alertname (Alertmanager only requires labels) by its fingerprint', () => {
    expect(describeEvent(received(''))).toContain('alert a1b2c3d4e5f60718 firing → unmatched');
  });

  it('shows a Prometheus query and an HTTP request as people read them, a dry run\'s write as not sent', () => {
    const envelope = { v: 1 as const, seq: 8, prev: '0'.repeat(64), hash: '1'.repeat(64), time: '2026-11-24T10:00:02.000Z' };
    expect(
      describeEvent({ ...envelope, type: 'prometheus.query', runId: 'r1', cluster: 'prod', server: 'http://prom:9090', query: 'sum(up)', kind: 'instant', outcome: 'succeeded', resultType: 'vector', series: 1, durationMs: 4 }),
    ).toBe('2026-11-24T10:00:02.000Z #8 prometheus.query run=r1 http://prom:9090 `sum(up)` succeeded (1 series)');
    expect(
      describeEvent({ ...envelope, type: 'http.request', runId: 'r1', method: 'POST', host: 'tickets.example.com', path: '/api/notes', dryRun: true, sent: false, outcome: 'planned', durationMs: 0 }),
    ).toBe('2026-11-24T10:00:02.000Z #8 http.request run=r1 POST tickets.example.com/api/notes planned (dry run: not sent)');
  });
});
