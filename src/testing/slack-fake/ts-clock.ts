/**
 * Slack message timestamps: `<epoch seconds>.<6-digit microseconds>`, unique
 * and increasing, which is what makes a `ts` a message id.
 */
export function createTsClock(now: () => number): () => string {
  let last = 0n;
  return () => {
    let micros = BigInt(Math.floor(now())) * 1000n;
    if (micros <= last) micros = last + 100n;
    last = micros;
    return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
  };
}
