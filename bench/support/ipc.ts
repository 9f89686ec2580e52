import type { ChildProcess } from 'node:child_process';

/** Sends `message` (if any) and resolves with the first answer holding `key`, within `timeoutMs`. */
export function ask<T>(child: ChildProcess, message: unknown, key: string, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no "${key}" answer from the child process within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && key in m) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve((m as Record<string, T>)[key] as T);
      }
    };
    child.on('message', onMessage);
    if (message !== undefined) child.send(message as object);
  });
}
