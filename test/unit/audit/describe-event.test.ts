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
});
