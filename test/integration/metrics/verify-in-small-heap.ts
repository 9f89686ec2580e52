// Child process of audit-verifier-memory.test.ts: one whole periodic verification
// of the audit log under a prefix, in the heap the parent allows; prints the result.
import { Redis } from 'ioredis';
import { auditKey } from '../../../src/audit/audit-key.js';
import { AuditVerifier } from '../../../src/metrics/audit-verifier.js';

const [prefix = '', secret = ''] = process.argv.slice(2);
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const stream = `${prefix}:audit`;
let outcome = 'none';
const verifier = new AuditVerifier({
  redis,
  keys: { stream, head: `${stream}:head`, anchor: `${stream}:anchor` },
  key: auditKey(secret),
  onResult: (result, detail) => (outcome = `${result} ${(detail as { checked?: number }).checked ?? ''}`.trim()),
});
await verifier.verify();
process.stdout.write(`${outcome}\n`);
redis.disconnect();
