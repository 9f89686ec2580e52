import { createHmac } from 'node:crypto';
import { DroverError } from '../errors.js';

/**
 * The secret the audit chain, its head, its anchor and its checkpoints are
 * keyed with. It comes from the configuration (a Kubernetes Secret in the
 * chart), never from Redis: whoever can write Redis cannot recompute a keyed chain.
 */
export interface AuditKey {
  /** Names the key in each event (`kid`) without revealing it. */
  readonly id: string;
  /** HMAC-SHA256 of `text`, hex. */
  mac(text: string): string;
}

const MIN_KEY_BYTES = 32;

export function auditKey(secret: string): AuditKey {
  const material = secret.trim();
  if (Buffer.byteLength(material) < MIN_KEY_BYTES) {
    throw new DroverError('config_invalid', `The audit key must be at least ${MIN_KEY_BYTES} characters (for example: openssl rand -hex 32).`);
  }
  const mac = (text: string) => createHmac('sha256', material).update(text).digest('hex');
  return { id: mac('drover audit key id').slice(0, 16), mac };
}

/** The key named by `audit.key` or read from `audit.keyFile`; undefined when neither is set (an unkeyed chain). */
export function auditKeyFrom(settings: { key?: string | undefined; keyFile?: string | undefined }, readFile: (path: string) => string): AuditKey | undefined {
  if (settings.key) return auditKey(settings.key);
  if (!settings.keyFile) return undefined;
  let text: string;
  try {
    text = readFile(settings.keyFile);
  } catch (err) {
    throw new DroverError('config_invalid', `DROVER_AUDIT_KEY_FILE (${settings.keyFile}): cannot read it: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return auditKey(text);
}
