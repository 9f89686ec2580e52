import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Redactor } from './redactor.js';

/**
 * Drover's only way to make a logger (the lint forbids calling pino
 * elsewhere in src): every argument of every log call, and every child's
 * bindings, go through the redactor before pino sees them, so the message
 * pino takes from an error's message is redacted too.
 */
export function redactingLogger(redactor: Redactor, options: Omit<LoggerOptions, 'hooks' | 'formatters'>, destination?: DestinationStream | NodeJS.WritableStream): Logger {
  return pino(
    {
      ...options,
      formatters: { bindings: (bindings) => redactor.value(bindings) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? redactor.text(a) : redactor.value(a))) as Parameters<typeof method>);
        },
      },
    },
    destination ?? process.stdout,
  );
}
