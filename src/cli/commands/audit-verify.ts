import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { auditKeyFrom, type AuditKey } from '../../audit/audit-key.js';
import type { Checkpoint } from '../../audit/checkpoint.js';
import { checkpointFromArgument, latestCheckpointIn } from '../../audit/checkpoint-source.js';
import { verifyAuditFile } from '../../audit/verify-file.js';
import type { LogVerification } from '../../audit/verify-log.js';
import { DroverError } from '../../errors.js';
import { EXIT } from '../output.js';
import { configFrom, type RuntimeEnv } from '../config-from.js';
import { withClient } from '../lazy-runtime.js';

interface VerifyDeps extends RuntimeEnv {
  output: { out(line: string): void; err(line: string): void };
}

interface VerifyOptions {
  file?: string;
  checkpoint?: string;
  acceptUnkeyed?: string;
}

function keyLine(result: LogVerification, key: AuditKey | undefined): string {
  if (!key) {
    return 'UNKEYED: no audit key is configured, so the chain is plain SHA-256. It shows edits, deletions, insertions, reordering and truncation, but whoever can write the log can also rewrite it consistently. Set DROVER_AUDIT_KEY (or DROVER_AUDIT_KEY_FILE).';
  }
  const unkeyed = result.unkeyed ? ` Events #${result.anchor.seq + 1}–#${result.lastUnkeyed ?? '?'} predate the key (unkeyed, accepted through audit.acceptUnkeyedThrough / --accept-unkeyed).` : '';
  return `Keyed: HMAC-SHA256 with key ${key.id}.${unkeyed}`;
}

function checkpointLine(cp: Checkpoint | undefined, where: string): string {
  if (!cp) return `No checkpoint kept outside Redis to compare with (${where}): removing the newest events and resetting the head together would not be seen. Set audit.file or pass --checkpoint.`;
  return `Matches the checkpoint of ${cp.time} (#${cp.first}–#${cp.seq}, ${cp.kid ? `signed with key ${cp.kid}` : 'unsigned'}) from ${where}.`;
}

function report(deps: VerifyDeps, result: LogVerification, what: string, setExit: (code: number) => void): boolean {
  if (result.ok) return true;
  const at = result.broken?.seq !== undefined ? `event #${result.broken.seq}` : 'a line';
  deps.output.err(`${what} broken at ${at}${result.broken?.id ? ` (stream id ${result.broken.id})` : ''}: ${result.broken?.reason ?? ''}`);
  deps.output.err(`The ${result.checked} events before it verify.`);
  setExit(EXIT.failed);
  return false;
}

async function verifyFile(deps: VerifyDeps, path: string, opts: VerifyOptions, key: AuditKey | undefined, accept: number | undefined, setExit: (code: number) => void) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DroverError('params_invalid', `--file: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const external = opts.checkpoint ? await checkpointFromArgument(opts.checkpoint) : undefined;
  const result = verifyAuditFile(text, { key, acceptUnkeyedThrough: accept, checkpoint: external });
  if (!report(deps, result, `Audit file ${path}`, setExit)) return;
  if (!result.checked) {
    deps.output.out(`Audit file ${path} holds no events.`);
    return;
  }
  deps.output.out(`Audit file intact: ${result.checked} events, #${result.anchor.seq + 1} to #${result.head.seq}${result.anchor.seq ? ' (it starts after #1: earlier events were never copied to it, or were cut from it)' : ''}.`);
  deps.output.out(keyLine(result, key));
  const last = result.lastCheckpoint;
  deps.output.out(
    last
      ? `${result.checkpoints} checkpoint(s) verified; the last, of ${last.time}, covers #${last.first}–#${last.seq}${result.unanchored ? `; the ${result.unanchored} event(s) after it are vouched for by the chain alone` : ''}.`
      : 'No checkpoint in the file: cutting events off its end would not be seen.',
  );
  if (external) deps.output.out(checkpointLine(external, '--checkpoint'));
}

/** `drover audit verify [--file F] [--checkpoint C] [--accept-unkeyed N]`. */
export function registerAuditVerify(audit: Command, deps: VerifyDeps, setExit: (code: number) => void): void {
  audit
    .command('verify')
    .description(
      'Check the audit log: its chain (HMAC when keyed), that it reaches the head Drover keeps, and the latest checkpoint kept outside Redis; names the first event altered, removed, inserted or reordered (exit 1)',
    )
    .option('--file <path>', 'verify an audit file on its own (no Redis): its chain, keys and checkpoints')
    .option('--checkpoint <line-or-file>', 'compare with this checkpoint (a JSON line from your log system, or a file of them); default: the latest in audit.file')
    .option('--accept-unkeyed <seq>', 'accept unkeyed events up to this seq: written before the key was set')
    .action(async (opts: VerifyOptions) => {
      const config = configFrom(deps);
      const key = auditKeyFrom(config.audit, (path) => readFileSync(path, 'utf8'));
      const accept = opts.acceptUnkeyed !== undefined ? Number(opts.acceptUnkeyed) : config.audit.acceptUnkeyedThrough;
      if (accept !== undefined && !Number.isInteger(accept)) throw new DroverError('params_invalid', '--accept-unkeyed: a sequence number is expected.');
      if (opts.file) return verifyFile(deps, opts.file, opts, key, accept, setExit);

      let checkpoint: Checkpoint | undefined;
      let where = 'no audit.file is configured';
      if (opts.checkpoint) {
        checkpoint = await checkpointFromArgument(opts.checkpoint);
        where = '--checkpoint';
      } else if (config.audit.file) {
        checkpoint = await latestCheckpointIn(config.audit.file).catch(() => undefined);
        where = checkpoint ? config.audit.file : `${config.audit.file} holds none yet`;
      }
      await withClient(deps, async (rt) => {
        const result = await rt.drover.audit.verify({ checkpoint, acceptUnkeyedThrough: accept });
        if (!report(deps, result, 'Audit log', setExit)) return;
        const { anchor } = result;
        if (!result.checked) deps.output.out('Audit log is empty.');
        else {
          deps.output.out(
            `Audit log intact: ${result.checked} events, #${anchor.seq + 1} to #${result.head.seq}, up to the head Drover keeps${anchor.seq ? ` (earlier events removed by retention; the chain is anchored at #${anchor.seq})` : ''}.`,
          );
        }
        deps.output.out(keyLine(result, key));
        deps.output.out(checkpointLine(checkpoint, where));
      });
    });
}
