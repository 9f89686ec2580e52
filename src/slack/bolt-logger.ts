import type { LogLevel, Logger as BoltLogger } from '@slack/bolt';
import { bolt } from './bolt.js';
import type { Logger } from 'pino';

/** Bolt's logger interface over Drover's pino logger, so everything lands in one structured log. */
export function boltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = bolt().LogLevel.INFO;
  const child = logger.child({ component: 'slack' });
  const line = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    // Bolt logs at debug several times per request: formatted only when someone reads it.
    debug: (...args) => {
      if (child.isLevelEnabled('debug')) child.debug(line(args));
    },
    info: (...args) => child.info(line(args)),
    warn: (...args) => child.warn(line(args)),
    error: (...args) => child.error(line(args)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
