import type { ActionsBlock, Button } from '@slack/types';
import { blocksToText, runMessage } from '../../../src/chat/blocks/index.js';
import { parseApprovalValue } from '../../../src/chat/blocks/approval.js';
import { IDS } from '../../../src/chat/types.js';
import type { ApprovalState } from '../../../src/jobs/run-record.js';
import { bigDiff, change, runRecord } from './support/fixtures.js';
import { slackProblems } from './support/slack-limits.js';

const HASH = 'ab'.repeat(32);

function approval(overrides: Partial<ApprovalState> = {}): ApprovalState {
  return { needed: 2, group: 'leads', reason: 'approvals[0]: risk high on prod-*', timeoutMs: 900_000, expiresAt: '2024-05-01T10:15:00.000Z', hash: HASH, approvers: [], ...overrides };
}

function buttons(msg: ReturnType<typeof runMessage>): Button[] {
  return (msg.blocks ?? []).filter((b): b is ActionsBlock => b.type === 'actions').flatMap((b) => b.elements.filter((e): e is Button => e.type === 'button'));
}

describe('the approval message', () => {
  it('shows who asked, why, until when, the plan with its diff, and Approve/Reject bound to the plan hash', () => {
    const run = runRecord({ state: 'awaiting_approval', approval: approval({ approvers: [{ kind: 'slack', id: 'U0BOB' }] }) });
    const msg = runMessage(run, { plan: [change()], cancellable: true });
    const text = blocksToText(msg);
    expect(text).toMatch(/Needs approval: 2 from `leads`, not the requester \(approvals\[0\]: risk high on prod-\*\)/);
    expect(text).toMatch(/Expires:/);
    expect(text).toMatch(/Approved by: .*U0BOB.* \(1\/2\)/);
    expect(text).toContain(HASH.slice(0, 12));
    expect(text).toContain('+  replicas: 5');
    const [approve, reject, ...rest] = buttons(msg);
    expect(rest).toEqual([]);
    expect(approve).toMatchObject({ action_id: IDS.approveAction, style: 'primary' });
    expect(reject).toMatchObject({ action_id: IDS.rejectAction, style: 'danger' });
    expect(parseApprovalValue(approve?.value)).toEqual({ run: run.id, hash: HASH });
    expect(parseApprovalValue(reject?.value)).toEqual({ run: run.id, hash: HASH });
    // No Cancel button on a proposal: Reject (or withdraw) ends it.
    expect(buttons(msg).some((b) => b.action_id === IDS.cancelAction)).toBe(false);
  });

  it('has no buttons while planning, nor once decided', () => {
    expect(buttons(runMessage(runRecord({ state: 'planning', approval: approval({ hash: undefined as unknown as string }) }), { cancellable: true }))).toEqual([]);
    const rejected = runRecord({ state: 'rejected', finishedAt: '2024-05-01T10:02:00.000Z', approval: approval({ rejectedBy: { kind: 'slack', id: 'U0CAROL' } }) });
    const msg = runMessage(rejected, { cancellable: false });
    expect(buttons(msg)).toEqual([]);
    expect(blocksToText(msg)).toMatch(/Rejected by: .*U0CAROL/);
  });

  it('says plainly when the dry run changes nothing', () => {
    const text = blocksToText(runMessage(runRecord({ state: 'awaiting_approval', approval: approval() }), { plan: [], cancellable: false }));
    expect(text).toContain('The dry run changes nothing.');
  });

  it('stays within Slack limits with a huge plan, and keeps its buttons', () => {
    const plan = [change({ diff: bigDiff(5000) }), ...Array.from({ length: 80 }, (_, i) => change({ summary: `patch ConfigMap shop/cm-${i}`, diff: bigDiff(200) }))];
    const msg = runMessage(runRecord({ state: 'awaiting_approval', approval: approval() }), { plan, cancellable: false });
    expect(slackProblems(msg)).toEqual([]);
    expect(buttons(msg).map((b) => b.action_id)).toEqual([IDS.approveAction, IDS.rejectAction]);
  });

  it('rejects malformed button values', () => {
    expect(parseApprovalValue('not json')).toBeUndefined();
    expect(parseApprovalValue(JSON.stringify({ run: 'r1' }))).toBeUndefined();
    expect(parseApprovalValue(undefined)).toBeUndefined();
  });
});
