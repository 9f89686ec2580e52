/**
 * An `{ ok: false, error }` answer, thrown by method handlers so validation
 * reads top to bottom. Extra fields go next to `error` (`needed`, `errors`,
 * `response_metadata`), as Slack puts them.
 */
export class SlackFailure extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
    this.name = 'SlackFailure';
  }

  toBody(): Record<string, unknown> {
    return { ok: false, error: this.error, ...this.extra };
  }
}

/** `invalid_arguments` with the `[ERROR] …` lines Slack puts in `response_metadata.messages`. */
export function invalidArguments(...messages: string[]): SlackFailure {
  return new SlackFailure('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}
