/**
 * Runs something is waiting on, scored by when to look at them next (ms).
 * A component that cares how a run ends (the remediation watch) adds the run
 * with its own deadline; the run store moves an entry to "now" in the same
 * atomic step that ends the run (ZADD XX: only runs already listed), so the
 * watcher needs to read only what is due, never every run.
 */
export const runWakeKey = (prefix: string): string => `${prefix}:runs:wake`;
