import { LIMITS } from './limits.js';

/**
 * Option values for a param's choices. A choice is its own value when it is
 * short and unambiguous, which keeps state.values readable; otherwise (longer
 * than Slack's 75 characters, a duplicate string, or starting with `#`) it is
 * `#<index>`.
 */
export function choiceValue(choices: readonly unknown[], index: number): string {
  const text = String(choices[index]);
  const firstIndex = choices.findIndex((c) => String(c) === text);
  return text.length <= LIMITS.optionValue && !text.startsWith('#') && text !== '' && firstIndex === index ? text : `#${index}`;
}

/** The choice an option value stands for (typed as declared: a number stays a number), or undefined. */
export function choiceOf(choices: readonly unknown[], value: string): { choice: unknown } | undefined {
  const byIndex = /^#(\d+)$/.exec(value);
  if (byIndex) {
    const index = Number(byIndex[1]);
    return index < choices.length ? { choice: choices[index] } : undefined;
  }
  const index = choices.findIndex((c, i) => choiceValue(choices, i) === value);
  return index < 0 ? undefined : { choice: choices[index] };
}
