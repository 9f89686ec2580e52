/** Calls `fn` for each item, at most `concurrency` at a time. */
export async function eachBounded<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<unknown> | undefined): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(items.length, Math.max(1, concurrency)) }, worker));
}
