/**
 * How a rollout goes through its clusters: what its plan, its approval hash,
 * each of its runs (for the agent's own check) and its audit event all carry.
 */
export interface RolloutBatching {
  /** Sorted; frozen at plan time (a cluster registered later is not added). */
  clusters: string[];
  /** Clusters per batch after the first. */
  batchSize: number;
  /** The first batch is one cluster (a canary), when the batch size is above 1. */
  canary: boolean;
  pauseOnFailure: boolean;
  /** Stop (skip every batch not started) once this many clusters have failed. */
  maxFailures: number;
}
