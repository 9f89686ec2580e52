/**
 * The words of a proposed change: branch name, commit message, pull request
 * title and body. The body tells a reviewer what the run wanted, who asked,
 * for which alert, and what merging it means.
 */
import { createHash } from 'node:crypto';
import type { Requester } from '../runbook/types.js';
import type { GitOpsOwner } from './types.js';

export interface ProposalFacts {
  runId: string;
  runbook: string;
  cluster: string;
  requester: Requester;
  /** `Deployment shop/web` */
  object: string;
  /** `spec.replicas 3 → 5`, one per field. */
  fields: string[];
  /** `apps/web/deployment.yaml:9 spec.replicas 3 → 5`, one per field. */
  lines: string[];
  owner: GitOpsOwner;
  mode: 'propose' | 'suspend';
  /** Set for `suspend`: until when the reconciler is suspended. */
  suspendedUntil?: string;
}

/** `drover/<run id>-<8 hex of the change>`: one branch per change of a run, the same on every retry. */
export function branchFor(runId: string, changeKey: string): string {
  const id = runId.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'run';
  return `drover/${id}-${createHash('sha256').update(changeKey).digest('hex').slice(0, 8)}`;
}

/**
 * One line: control characters (a newline in a value held by the repository
 * or the live object, in a file name) and bidirectional controls written as
 * escapes, so a value cannot start a paragraph, a heading or a commit trailer
 * of its own, nor show a reviewer text in another order than it is.
 */
export function oneLine(text: string): string {
  // Bidirectional controls too: a file name holding U+202E would show a reviewer another path than the one edited.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) =>
    ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Markdown inline code that a backtick or a line break in the text cannot break out of. */
function code(text: string): string {
  return `\`${oneLine(text).replace(/`/g, "'")}\``;
}

function who(r: Requester): string {
  const kind = r.kind === 'alert' ? 'Alertmanager alert' : r.kind === 'schedule' ? 'schedule' : r.kind === 'cli' ? 'CLI user' : r.kind === 'slack' ? 'Slack user' : 'system';
  // As code: a name is typed by whoever owns it, and must not become a mention, a link or markup.
  return `${kind} ${code(r.name ? `${r.name} (${r.id})` : r.id)}`;
}

export function commitMessage(f: ProposalFacts): string {
  const subject = oneLine(`${f.object}: ${f.fields.join(', ')}`);
  return `${subject}\n\n${oneLine(`Proposed by Drover run ${f.runId} (runbook ${f.runbook} on cluster ${f.cluster}), asked by ${who(f.requester)}.`)}\n`;
}

export function prTitle(f: ProposalFacts): string {
  const title = oneLine(`drover: ${f.object} ${f.fields.join(', ')}`);
  return title.length > 200 ? `${title.slice(0, 199)}…` : title;
}

export function prBody(f: ProposalFacts): string {
  const lines = [
    `Drover run ${code(f.runId)} (runbook ${code(f.runbook)} on cluster ${code(f.cluster)}) asks for this change, requested by ${who(f.requester)}.`,
    '',
    `**Change:** ${f.fields.map(code).join(', ')} on ${code(f.object)}`,
    '',
    // The owner's words hold names, paths and branches from the cluster's objects: code, never links or mentions.
    `**Owner:** ${code(f.owner.text)}`,
    '',
    '**Files:**',
    ...f.lines.map((l) => `- ${code(l)}`),
    '',
  ];
  if (f.mode === 'suspend') {
    lines.push(
      `The change is already live: ${f.owner.tool === 'flux' ? 'Flux' : 'Argo CD'} ${f.owner.kind} ${code(`${f.owner.namespace}/${f.owner.name}`)} is suspended until ${f.suspendedUntil ?? 'the window ends'} so it does not undo it. Merging brings git up to date and resumes it; if the window ends first, it resumes and puts the old value back.`,
    );
  } else {
    lines.push(
      `Nothing changes in the cluster until this is merged. After the merge Drover waits for ${f.owner.tool === 'flux' ? 'Flux' : 'Argo CD'} to apply it, then checks the cluster, and reports each stage in the run (${code(`drover status ${f.runId}`)}). Closing it without merging rejects the change.`,
    );
  }
  return lines.join('\n');
}
