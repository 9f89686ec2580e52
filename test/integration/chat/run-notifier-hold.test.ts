import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { RunNotifier } from '../../../src/chat/run-notifier.js';
import type { ChatSink } from '../../../src/chat/chat-sink.js';
import type { RunRecord } from '../../../src/jobs/run-record.js';
import { RunStore } from '../../../src/jobs/run-store.js';
import { Redactor } from '../../../src/redact/redactor.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait-for.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records what the notifier writes, as a chat transport would receive it. */
function recordingSink(): ChatSink & { writes: string[] } {
  const writes: string[] = [];
  return {
    name: 'test',
    writes,
    post: (_channel, message, threadTs) => Promise.resolve(void writes.push(`post ${threadTs ?? ''} ${message.text}`)).then(() => '1.000001'),
    update: (_channel, ts, message) => Promise.resolve(void writes.push(`update ${ts} ${message.text}`)),
  };
}

const record = (id: string): RunRecord => ({
  id,
  runbook: 'scale-web',
  cluster: 'test',
  params: {},
  dryRun: false,
  requester: { kind: 'slack', id: 'U0ALICE' },
  state: 'running',
  concurrencyKey: `deployment/demo/${id}`,
  timeoutMs: 60_000,
  createdAt: new Date().toISOString(),
  attempts: 1,
});

describe('RunNotifier: run threads wait while chat requests are being answered', () => {
  let redis: Redis;
  let prefix: string;
  let store: RunStore;

  beforeEach(() => {
    redis = redisClient();
    prefix = uniquePrefix('notifier-hold');
    store = new RunStore({ redis, prefix });
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  function notifier(sink: ChatSink, holdWhile: () => boolean, maxHoldMs: number): RunNotifier {
    return new RunNotifier({ redis, prefix, store, sink, redactor: new Redactor([]), logger: pino({ level: 'silent' }), minIntervalMs: 0, blockMs: 50, holdWhile, maxHoldMs });
  }

  it('writes nothing while held, and everything once the requests are answered', async () => {
    const sink = recordingSink();
    let busy = true;
    const n = notifier(sink, () => busy, 60_000);
    await store.createMany([{ record: record('r-hold'), secrets: {} }], 60_000);
    n.start();
    try {
      await n.follow('r-hold', 'C0OPS', '1.000001', 'queued');
      await store.emit('r-hold', { type: 'report', text: 'halfway there' });
      await sleep(600);
      expect(sink.writes).toEqual([]);
      busy = false;
      await waitFor(() => sink.writes.some((w) => w.includes('halfway there')), 'the report in the thread', 5000);
      expect(sink.writes.some((w) => w.startsWith('update 1.000001'))).toBe(true);
    } finally {
      await n.stop();
    }
  });

  it('is held at most maxHoldMs in a row: requests that never stop do not stop the threads', async () => {
    const sink = recordingSink();
    const n = notifier(sink, () => true, 200);
    await store.createMany([{ record: record('r-busy'), secrets: {} }], 60_000);
    n.start();
    try {
      await n.follow('r-busy', 'C0OPS', '1.000001', 'queued');
      await store.emit('r-busy', { type: 'report', text: 'still going' });
      await waitFor(() => sink.writes.some((w) => w.includes('still going')), 'the report despite the traffic', 5000);
    } finally {
      await n.stop();
    }
  });
});
