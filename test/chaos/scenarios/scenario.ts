import type { Rng } from '../harness/rng.js';
import type { Row } from '../harness/table.js';

export interface ScenarioOptions {
  /** A few rounds each, for CI. */
  short: boolean;
  /** The full sizes (10,000 alerts, 10,000 bodies). */
  long: boolean;
  rng: Rng;
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  run(options: ScenarioOptions): Promise<Row[]>;
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
