/**
 * A read made while /metrics is scraped, bounded in time: a scrape while Redis
 * is away must answer at once (drover_redis_up 0), not wait for the reconnect.
 * Undefined on timeout or error.
 */
export async function within<T>(work: () => Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
