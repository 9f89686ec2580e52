/**
 * The differences between the fake and kube-apiserver 1.20 that stay, each
 * with why it cannot matter for Drover. README.md in src/testing/k8s-fake
 * lists the same entries under "Known differences" (a test checks that every
 * `readme` phrase below is there), so the documentation and the suite agree.
 */
export interface KnownDifference {
  id: string;
  /** Which cases, steps and answer paths it covers. */
  case: RegExp;
  step?: RegExp;
  path: RegExp;
  /** Why it cannot matter for Drover. */
  reason: string;
  /** A phrase of the README's Known differences section that documents it. */
  readme: string;
}

const MESSAGE = /^body\.(message|details\.causes\[\d+\]\.message)$/;

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'patch-decode-message',
    case: /./,
    step: /wrong type|malformed size/,
    path: MESSAGE,
    reason:
      'A patch that leaves a field of the wrong type: both answer 422 Invalid with one FieldValueInvalid cause on `patch`, but the server quotes its own ' +
      'encoding of the patched object (managedFields, its resourceVersion) or the Go map of the patch, which the fake cannot reproduce. ' +
      'Drover decides on the code (422: k8s_invalid, not retried) and shows the message as the server wrote it.',
    readme: 'a patch that leaves a field of the wrong type',
  },
  {
    id: 'pvc-immutable-diff',
    case: /^pvc\//,
    step: /unbound claim|access modes/,
    path: MESSAGE,
    reason:
      "The claim's spec-immutability message: the server appends a Go diff of the old and new specs after the sentence; the fake stops after the sentence. " +
      'Same code, reason, field and cause type; Drover decides on the code and shows the message.',
    readme: 'spec-immutability message of a claim',
  },
];

export function documentedBy(known: readonly KnownDifference[], caseName: string, step: string, path: string): KnownDifference | undefined {
  return known.find((k) => k.case.test(caseName) && (k.step === undefined || k.step.test(step)) && k.path.test(path));
}
