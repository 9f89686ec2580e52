import { createRequire } from 'node:module';
import type * as Bolt from '@slack/bolt';

const require = createRequire(import.meta.url);

/**
 * Bolt, loaded when a Slack app is created: with Express, undici and the Web
 * API client it adds about 17 MB to a process, which one without Slack
 * configured does not pay. (Bolt is CommonJS, so it loads synchronously.)
 */
export function bolt(): typeof Bolt {
  return require('@slack/bolt') as typeof Bolt;
}
