/**
 * A run that waits on something outside Drover (a pull request's review, a
 * reconciler's sync) for longer than a worker should hold a slot: the code
 * that waits throws RunParked, the worker puts the job back in the queue
 * until `untilMs` (the run stays `running`, its lock and slot are freed), and
 * the next attempt replays the completed steps and asks again. A park is not
 * an attempt: the attempt count does not grow, and no retry is spent.
 */
export class RunParked extends Error {
  constructor(
    /** When to look again (epoch ms). */
    readonly untilMs: number,
    /** What the run waits for, one line for people: `pull request #12 to be merged`. */
    readonly reason: string,
  ) {
    super(`Waiting for ${reason}.`);
    this.name = 'RunParked';
  }
}

export function isRunParked(err: unknown): err is RunParked {
  return err instanceof RunParked;
}
