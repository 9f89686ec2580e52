import { generateKeyPairSync } from 'node:crypto';

/**
 * Secrets of every shape Drover must never show, for planting through every
 * entry point. Each is realistic enough for its rule (lengths, prefixes); the
 * values are made up for this test and grant nothing.
 */
export interface CorpusSecret {
  /** What kind of secret, for test names. */
  name: string;
  /** The text planted (it may carry a key name, which stays readable). */
  text: string;
  /** The part that must appear nowhere, raw or base64. */
  value: string;
}

const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
const pemBody = pem.split('\n')[1]!;

function kv(name: string, key: string, value: string, sep = '='): CorpusSecret {
  return { name, text: `${key}${sep}${value}`, value };
}

export const CORPUS: CorpusSecret[] = [
  kv('DB_PASSWORD=', 'DB_PASSWORD', 'Pg0-corpus-Db-Pass-7731'),
  kv('client_secret=', 'client_secret', 'cs0-corpus-client-secret-9912'),
  kv('GITHUB_TOKEN=', 'GITHUB_TOKEN', 'gt0-corpus-github-token-5521'),
  kv('access_token=', 'access_token', 'at0-corpus-access-token-6642'),
  kv('x-api-key:', 'x-api-key', 'xk0-corpus-api-key-header-3319', ': '),
  kv('password=', 'password', 'pw0-corpus-plain-password-8854'),
  { name: 'JSON "password"', text: '{"password": "js0-corpus-json-password-2287"}', value: 'js0-corpus-json-password-2287' },
  {
    name: 'JWT',
    text: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb3JwdXMtand0LXN1YmplY3QifQ.c29ycHVzLWp3dC1zaWduYXR1cmUtMDAx',
    value: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb3JwdXMtand0LXN1YmplY3QifQ.c29ycHVzLWp3dC1zaWduYXR1cmUtMDAx',
  },
  { name: 'URL credentials', text: 'https://deploy:url0CorpusPass4471@git.example.com/repo.git', value: 'url0CorpusPass4471' },
  { name: 'PEM private key', text: pem, value: pemBody },
  { name: 'AWS access key id', text: 'AKIAZ7CORPUS0AWS0ID7', value: 'AKIAZ7CORPUS0AWS0ID7' },
  kv('AWS secret access key', 'aws_secret_access_key', 'wJaCorpus0AwsSecretKey0000000000000Zz9Qx'),
  { name: 'GCP API key', text: 'AIzaSyCorpus0Gcp0Api0Key0000000000000Zz', value: 'AIzaSyCorpus0Gcp0Api0Key0000000000000Zz' },
  {
    name: 'Azure storage key',
    text: 'DefaultEndpointsProtocol=https;AccountName=corpus;AccountKey=QXp1cmVDb3JwdXNTdG9yYWdlS2V5MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=;EndpointSuffix=core.windows.net',
    value: 'QXp1cmVDb3JwdXNTdG9yYWdlS2V5MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=',
  },
  { name: 'Azure AD client secret', text: 'Az08Q~Corpus0AzureAdSecret0000000000000', value: 'Az08Q~Corpus0AzureAdSecret0000000000000' },
  { name: 'Slack bot token', text: 'xoxb-112233445566-778899001122-CorpusSlackBotToken00', value: 'xoxb-112233445566-778899001122-CorpusSlackBotToken00' },
  { name: 'Slack user token', text: 'xoxp-112233445566-778899001122-334455667788-c0rpu5c0rpu5c0rpu5c0rpu5c0rpu5c0', value: 'xoxp-112233445566-778899001122-334455667788-c0rpu5c0rpu5c0rpu5c0rpu5c0rpu5c0' },
  { name: 'Slack app token', text: 'xapp-1-A0CORPUS01-1234567890123-c0rpu5app0token0c0rpu5app0token0c0rpu5app0token00', value: 'xapp-1-A0CORPUS01-1234567890123-c0rpu5app0token0c0rpu5app0token0c0rpu5app0token00' },
  { name: 'Slack webhook', text: 'https://hooks.slack.com/services/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', value: 'hooks.slack.com/services/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' },
  { name: 'GitHub ghp_', text: 'ghp_Corpus0GitHub0Classic0Token000000000', value: 'ghp_Corpus0GitHub0Classic0Token000000000' },
  { name: 'GitLab glpat-', text: 'glpat-Corpus0GitLab0Token0000', value: 'glpat-Corpus0GitLab0Token0000' },
  { name: 'GitHub gho_', text: 'gho_Corpus0GitHub0OAuth00Token0000000000', value: 'gho_Corpus0GitHub0OAuth00Token0000000000' },
  {
    name: 'GitHub github_pat_',
    text: 'github_pat_11CORPUS0000000000000000_Corpus0Fine0Grained0Token000000000000000000000000000000000',
    value: 'github_pat_11CORPUS0000000000000000_Corpus0Fine0Grained0Token000000000000000000000000000000000',
  },
];

/** The same secrets, each planted as base64 of its text (a Secret's data, an encoded .env). */
export const BASE64_CORPUS: CorpusSecret[] = CORPUS.map((s) => ({ name: `base64 of ${s.name}`, text: Buffer.from(s.text).toString('base64'), value: s.value }));

/** Every way a planted value could show: itself, and its base64 at the three alignments it can take inside longer base64. */
export function forms(value: string): string[] {
  const out = [value];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from(`${'x'.repeat(shift)}${value}`).toString('base64');
    // Drop the characters that depend on what surrounds the value.
    const from = Math.ceil((shift * 4) / 3) + 1;
    out.push(b64.slice(from, b64.length - 4));
  }
  return out;
}

/** How many times any form of any corpus secret occurs in `text`, by secret name. */
export function leaks(text: string, secrets: CorpusSecret[] = CORPUS): Record<string, number> {
  const found: Record<string, number> = {};
  for (const s of secrets) {
    const n = forms(s.value).reduce((sum, f) => sum + (f.length >= 8 ? text.split(f).length - 1 : 0), 0);
    if (n) found[s.name] = (found[s.name] ?? 0) + n;
  }
  return found;
}
