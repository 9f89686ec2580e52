/** Where the copy of the audit log stands: its last event, its first, and its last checkpoint. */
export interface SinkState {
  /** The last event copied: its seq, hash and stream id. */
  seq: number;
  hash: string;
  id: string;
  /** The first event the copy holds. */
  first: number;
  /** The last checkpoint written to it. */
  checkpoint?: { seq: number; time: string };
}

/**
 * A copy of the audit log outside Redis (a file, standard output for log
 * shipping), filled by one drainer at a time, in order, from where it stands.
 */
export interface AuditSink {
  readonly name: string;
  /**
   * Where a copy that holds nothing yet starts: the stream's beginning (a
   * file), or its current end (a log stream, which does not replay history).
   */
  readonly startAt: 'beginning' | 'end';
  /** Where the copy stands; undefined when it holds nothing yet. */
  state(): Promise<SinkState | undefined>;
  /** Appends JSON lines (events, checkpoints) and records the new state, in that order. */
  write(lines: string[], state: SinkState): Promise<void>;
}
