import { REDACTED } from './redacted.js';
import { regexDetector, type Detector } from './rule.js';

/**
 * Secret shapes Drover knows on its own, on top of secretlint's preset: values
 * under secret-looking key names in text, JWTs, bearer and basic credentials,
 * URL credentials, PEM private keys (cut ones too), and token formats the
 * preset does not cover or covers only in part (Slack app tokens, fine-grained
 * GitHub tokens, AWS ids in examples, GCP API keys, Azure keys).
 */

/**
 * Key names whose value is a secret. A key may carry any prefix (`DB_PASSWORD`,
 * `client_secret`, `GITHUB_TOKEN`, `x-api-key`): the name is matched by how it
 * ends, not by a word boundary, which `_` would defeat. A Helm chart's
 * `existingSecret` and `caSecret` name a Kubernetes Secret, as `secretName`
 * does: not a secret.
 */
const SECRET_NAME =
  '[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|pwd|(?<!existing|ca)secret|token|api[_-]?key|apikey|[_.-]key|private[_-]?key|credentials?|cookie|session[_-]?id|signature)';

/**
 * `key=value`, `key: value`, `"key": "value"`, and the same inside escaped
 * JSON (`\"key\": \"value\"`): the key stays, the value goes. A value
 * already redacted is left as it is, so redacting twice changes nothing.
 */
const KEY_VALUE = new RegExp(
  `([\\\\"']*)(${SECRET_NAME})([\\\\"']*\\s*(?:=|:)\\s*[\\\\"']*?)(?!\\[redacted\\])("[^"]*"|'[^']*'|[^\\s,;&"'<>)\\]}\\\\]+)`,
  'gi',
);

function keepKey([before = '', key = '', sep = '', value = '']: string[]): string {
  const q = value.startsWith('"') ? '"' : value.startsWith("'") ? "'" : '';
  return `${before}${key}${sep}${q}${REDACTED}${q}`;
}

const PATTERNS: Detector[] = [
  regexDetector(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, ([scheme = '']) => `${scheme} ${REDACTED}`),
  regexDetector(/\bxox[abposre]-[A-Za-z0-9-]{10,}/g), // Slack bot, user and legacy tokens
  regexDetector(/\bxapp-\d-[A-Za-z0-9-]{10,}/g), // Slack app-level tokens, whole (the preset stops after the second part)
  regexDetector(/https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g), // Slack webhooks
  regexDetector(/\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}\b/g), // AWS key ids, the documentation's examples too
  regexDetector(/\bgh[pousr]_[A-Za-z0-9_]{30,}/g), // GitHub classic tokens
  regexDetector(/\bgithub_pat_[A-Za-z0-9_]{40,}/g), // GitHub fine-grained tokens
  regexDetector(/\bgl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat)-[A-Za-z0-9_-]{20,}/g), // GitLab tokens (personal, project and group access, deploy, runner…)
  regexDetector(/\bAIza[0-9A-Za-z_-]{35}/g), // GCP API keys
  regexDetector(/\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}/g), // Azure storage account keys (connection strings)
  regexDetector(/([?&]sig=)[A-Za-z0-9%+/=]{20,}/g, ([param = '']) => `${param}${REDACTED}`), // Azure SAS signatures
  regexDetector(/\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}/g), // Azure AD client secrets
  regexDetector(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g), // JWTs (service account tokens)
  // A PEM private key, or what is left of one after a cut: up to its END line, or to the last base64 character.
  regexDetector(/-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|[A-Za-z0-9+/=\s\\:-]*)/g),
  regexDetector(/([a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s/]+@/gi, ([userinfo = '']) => `${userinfo}${REDACTED}@`), // URL credentials
  regexDetector(KEY_VALUE, keepKey),
];

/**
 * Text any pattern above could match contains one of these (ignoring case);
 * most strings (names, labels, times) contain none and skip the patterns.
 * A new pattern must add the literal its matches always contain.
 */
const HINT = /pass|pwd|secret|token|key|credential|cookie|session|signature|bearer|basic|xox|xapp-|hooks\.slack|a3t|akia|agpa|aida|aroa|aipa|anpa|anva|asia|gh[pousr]_|github_pat|gl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat)-|aiza|sig=|q~|eyj|-----begin|:\/\//i;

/** Drover's own patterns as one detector. */
export const droverPatterns: Detector = (text) => (HINT.test(text) ? PATTERNS.flatMap((d) => d(text)) : []);
