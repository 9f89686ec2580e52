import type { Tracer } from '@opentelemetry/api';
import type { Requester } from '../runbook/types.js';
import { ATTR_DROVER_CHAT_VERB, ATTR_DROVER_REQUESTER_KIND } from './attributes.js';
import { inSpan } from './spans.js';

/**
 * `chat <verb>` around one chat command (Slack or the terminal): the parent
 * of the run it queues. Who asked is told by kind only; the command's words
 * stay out (params can carry secrets).
 */
export function chatSpan<T>(tracer: Tracer | undefined, verb: string, requester: Requester, handle: () => Promise<T>): Promise<T> {
  if (!tracer) return handle();
  return inSpan(tracer, `chat ${verb}`, { attributes: { [ATTR_DROVER_CHAT_VERB]: verb, [ATTR_DROVER_REQUESTER_KIND]: requester.kind } }, () => handle());
}

/** `cli <command>` around what a CLI command does that others continue (the run it queues). */
export function cliSpan<T>(tracer: Tracer | undefined, command: string, work: () => Promise<T>): Promise<T> {
  if (!tracer) return work();
  return inSpan(tracer, `cli ${command}`, { attributes: { [ATTR_DROVER_REQUESTER_KIND]: 'cli' } }, () => work());
}
