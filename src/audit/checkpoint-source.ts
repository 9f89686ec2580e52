import { open, stat } from 'node:fs/promises';
import { DroverError } from '../errors.js';
import { checkpointIn, lastCheckpoint, type Checkpoint } from './checkpoint.js';

async function tail(path: string, bytes: number): Promise<{ text: string; whole: boolean }> {
  const size = (await stat(path)).size;
  const from = Math.max(0, size - bytes);
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size - from);
    await file.read(buffer, 0, buffer.length, from);
    return { text: buffer.toString('utf8'), whole: from === 0 };
  } finally {
    await file.close();
  }
}

/** The latest checkpoint in a file of JSON lines (the audit file, or lines exported from a SIEM); reads its end first. */
export async function latestCheckpointIn(path: string): Promise<Checkpoint | undefined> {
  let found: Checkpoint | undefined;
  for (const bytes of [4 * 1024 * 1024, Number.MAX_SAFE_INTEGER]) {
    const { text, whole } = await tail(path, bytes);
    found = lastCheckpoint(text);
    if (found || whole) return found;
  }
  return found;
}

/** `--checkpoint`: a checkpoint's JSON line itself, or a file whose latest checkpoint is taken. */
export async function checkpointFromArgument(value: string): Promise<Checkpoint> {
  if (value.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    const found = checkpointIn(parsed);
    if (!found) throw new DroverError('params_invalid', '--checkpoint: not a checkpoint line ({"audit":"checkpoint","seq":…,"hash":…,…}).');
    return found;
  }
  let found: Checkpoint | undefined;
  try {
    found = await latestCheckpointIn(value);
  } catch (err) {
    throw new DroverError('params_invalid', `--checkpoint: cannot read ${value}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!found) throw new DroverError('params_invalid', `--checkpoint: ${value} holds no checkpoint line.`);
  return found;
}
