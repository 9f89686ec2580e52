import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPolicy, loadPolicyFile, principalOf } from '../../../src/policy/index.js';
import { memberMatches, parseMember } from '../../../src/policy/principal.js';
import { parsePolicy } from '../../../src/policy/parse.js';
import { scheduleRequester } from '../../../src/schedules/schedule-spec.js';
import { defineRunbook, z } from '../../../src/sdk/index.js';

const nightly = scheduleRequester({ id: 'cleanup/nightly' });

describe('the schedule automation identity in the policy', () => {
  it('is named schedule:<runbook>/<name>, and members name one schedule, a runbook\'s, or all', () => {
    expect(principalOf(nightly)).toBe('schedule:cleanup/nightly');
    const matches = (text: string) => {
      const member = parseMember(text);
      if ('error' in member) throw new Error(member.error);
      return memberMatches(member, nightly);
    };
    expect(matches('schedule:cleanup/nightly')).toBe(true);
    expect(matches('schedule:cleanup/*')).toBe(true);
    expect(matches('schedule:*')).toBe(true);
    expect(matches('schedule:cleanup/hourly')).toBe(false);
    expect(matches('schedule:other/*')).toBe(false);
    // Automation is named explicitly: neither '*' nor alertmanager is a schedule.
    expect(matches('*')).toBe(false);
    expect(matches('alertmanager')).toBe(false);
    expect(parseMember('schedule:Cleanup/x')).toHaveProperty('error', expect.stringMatching(/schedule:<runbook>\/<name>/));
    expect(parseMember('schedule:cleanup')).toHaveProperty('error');
  });

  it('is denied unless a rule allows it, and the reason says who it is', async () => {
    const runbook = defineRunbook({ id: 'cleanup', summary: 's', params: z.object({}), run: () => Promise.resolve(undefined) });
    const subject = { requester: nightly, runbook, cluster: 'prod', params: {}, dryRun: false };
    const closed = createPolicy(parsePolicy('groups: { sre: ["*"] }\nrules: [{ groups: [sre], runbooks: ["*"], clusters: ["*"] }]\n', 'p.yaml'), { defaultTimeoutMs: 60_000 });
    expect(await closed.decide(subject)).toEqual({ allowed: false, reason: 'Denied: schedule:cleanup/nightly is in no group of the policy.' });
    const open = createPolicy(parsePolicy('groups: { nightly: ["schedule:cleanup/*"] }\nrules: [{ groups: [nightly], runbooks: [cleanup], clusters: ["*"] }]\n', 'p.yaml'), { defaultTimeoutMs: 60_000 });
    expect(await open.decide(subject)).toMatchObject({ allowed: true, rule: 'rules[0]' });
  });
});

describe('policy.example.yaml', () => {
  it('lets schedules run the chores it names, and nothing else', async () => {
    const doc = loadPolicyFile(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'policy.example.yaml'), (p) => readFileSync(p, 'utf8'));
    const policy = createPolicy(doc, { defaultTimeoutMs: 60_000, groupMembers: () => Promise.resolve([]) });
    const rb = (id: string) => defineRunbook({ id, summary: 's', params: z.object({ namespace: z.string() }), run: () => Promise.resolve(undefined) });
    const decide = (id: string, namespace: string) => policy.decide({ requester: scheduleRequester({ id: `${id}/nightly` }), runbook: rb(id), cluster: 'staging-eu', params: { namespace }, dryRun: false });
    await expect(decide('cleanup-jobs', 'ci')).resolves.toMatchObject({ allowed: true, rule: 'rules[3]' });
    await expect(decide('cleanup-jobs', 'kube-system')).resolves.toMatchObject({ allowed: false });
    await expect(decide('expand-pvc', 'ci')).resolves.toMatchObject({ allowed: false });
  });
});
