import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { verifyChain } from '../../../src/audit/chain.js';
import { auditMirror } from '../../../src/audit/mirror.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

describe('audit mirror to a JSON-lines file', () => {
  let redis: Redis;
  let prefix: string;
  let dir: string;

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('mirror');
    dir = mkdtempSync(join(tmpdir(), 'drover-audit-'));
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every event, chain included, so the copy verifies on its own', async () => {
    const file = join(dir, 'audit.jsonl');
    const mirror = auditMirror({ file })!;
    const log = new AuditLog({ redis, prefix, mirror: mirror.write });
    for (let i = 0; i < 5; i++) {
      await log.append({ type: 'run.cancel.requested', runId: `r${i}`, actor: { kind: 'cli', id: 'x', name: 'password=hunter2' } });
    }
    await mirror.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ audit: true, type: 'run.cancel.requested', seq: 1 });
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2');
    expect(verifyChain(lines.map(({ audit: _a, ...e }) => e))).toMatchObject({ ok: true, checked: 5 });
  });
});
