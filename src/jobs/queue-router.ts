import { Queue, type ConnectionOptions } from 'bullmq';
import { fleetQueueName } from '../fleet/names.js';
import type { TracedJobData as JobData } from '../tracing/queue-spans.js';

/**
 * The queue a run's job goes to: the shared one that central workers take
 * from, or, for an agent cluster, that cluster's own (which only its agents'
 * ACL user can read). Agent clusters' queues share one connection and are
 * kept for the most recently used clusters only, so a fleet of thousands
 * costs a bounded number of objects.
 */
export class QueueRouter {
  private readonly clusterQueues = new Map<string, Queue<JobData>>();

  constructor(
    readonly shared: Queue<JobData>,
    private readonly connection: ConnectionOptions,
    private readonly bullPrefix: string,
    private readonly onError: (err: Error) => void,
    private readonly keep = 256,
  ) {}

  /** The queue of `cluster` when it is an agent cluster, else the shared one. */
  queueFor(cluster: string, agent: boolean): Queue<JobData> {
    if (!agent) return this.shared;
    let queue = this.clusterQueues.get(cluster);
    if (queue) {
      // Most recently used last: the first entry is the one to let go.
      this.clusterQueues.delete(cluster);
      this.clusterQueues.set(cluster, queue);
      return queue;
    }
    queue = new Queue<JobData>(fleetQueueName(cluster), { connection: this.connection, prefix: this.bullPrefix });
    queue.on('error', this.onError);
    this.clusterQueues.set(cluster, queue);
    if (this.clusterQueues.size > this.keep) {
      const [oldest, old] = this.clusterQueues.entries().next().value as [string, Queue<JobData>];
      this.clusterQueues.delete(oldest);
      // Later, so an add in flight on it finishes; the connection is shared, and stays open.
      setTimeout(() => void old.close().catch(() => undefined), 30_000).unref();
    }
    return queue;
  }

  async close(): Promise<void> {
    const all = [...this.clusterQueues.values()];
    this.clusterQueues.clear();
    await Promise.all([this.shared.close(), ...all.map((q) => q.close().catch(() => undefined))]);
  }
}
