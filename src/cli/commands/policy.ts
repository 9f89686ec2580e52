import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { formatDuration } from '../../config/duration.js';
import type { Decision, Policy, PolicyDocument } from '../../policy/index.js';
import { parseMember } from '../../policy/principal.js';
import type { Requester } from '../../runbook/types.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../output.js';
import { configFrom } from '../config-from.js';

type Kind = 'slack' | 'cli' | 'alert' | 'schedule';

const HELP = `
The user is a Slack user id (U…/W…), a CLI user (alice@laptop, or cli:alice@laptop),
alertmanager, or a runbook's schedule (schedule:<runbook>/<name>); --kind overrides the guess. Nothing runs and no cluster is contacted:
the cluster is the name given with --cluster, else DROVER_DEFAULT_CLUSTER (clusters.default);
without either the command stops (exit 2). Members of Slack user groups (S…) are asked
from Slack when SLACK_BOT_TOKEN is set; without it they count as not matching.

Exit codes: 0 allowed, 1 denied, 2 usage or configuration error.

Example:
  drover policy check U012ABCDEF expand-pvc namespace=shop pvc=data --cluster prod-eu`;

/** The requester the user argument names; `--kind` wins over the guess from its shape. */
function requesterFrom(user: string, kind: Kind | undefined): Requester {
  const guessed: Kind = kind ?? (/^[UW][A-Z0-9]{2,}$/.test(user) ? 'slack' : user === 'alertmanager' ? 'alert' : user.startsWith('schedule:') ? 'schedule' : 'cli');
  const id = guessed === 'cli' ? user.replace(/^cli:/, '') : guessed === 'schedule' ? user.replace(/^schedule:/, '') : user;
  return { kind: guessed, id };
}

function isSlackGroup(text: string): boolean {
  const member = parseMember(text);
  return !('error' in member) && member.kind === 'slack-group';
}

function slackGroupsIn(doc: PolicyDocument): string[] {
  return [...new Set(Object.values(doc.groups).flat().filter(isSlackGroup))];
}

function approvalLine(decision: Decision): string {
  if (!decision.allowed) return '-';
  const a = decision.approval;
  if (!a) return 'not needed';
  const from = a.group ? `from group ${a.group}` : 'from anyone the rules allow to run it for real';
  return `${a.approvals} approval${a.approvals > 1 ? 's' : ''} ${from}, within ${formatDuration(a.timeoutMs)} (${a.reason}); never from the requester`;
}

export function registerPolicyCommands(program: Command, deps: CommandDeps, setExit: (code: number) => void): void {
  const policy = program.command('policy').description('Check the policy file: who may run what, and which runs need approval');

  policy
    .command('check <user> <runbook> [params...]')
    .description('Explain whether a user may run a runbook, and whether the run needs approval')
    .option('-c, --cluster <name>', 'cluster name (as runs name it); default: DROVER_DEFAULT_CLUSTER')
    .option('--dry-run', 'decide for a dry run')
    .addOption(new Option('--kind <kind>', 'requester kind; default: slack for U…/W… ids, alert for "alertmanager", schedule for "schedule:<runbook>/<name>", else cli').choices(['slack', 'cli', 'alert', 'schedule']))
    .addHelpText('after', HELP)
    .action(async (user: string, runbookId: string, pairs: string[], opts: { cluster?: string; dryRun?: boolean; kind?: Kind }) => {
      const config = configFrom(deps);
      const cluster = opts.cluster ?? config.clusters.default;
      if (!cluster) {
        deps.output.err('error: name the cluster with --cluster (or set DROVER_DEFAULT_CLUSTER); the CLI does not connect to clusters to find their default.');
        setExit(EXIT.usage);
        return;
      }
      // Loaded here, not when the CLI starts: the policy engine, the runbooks, and Slack's client only with a token.
      const [{ NO_POLICY, createPolicy, denyAllPolicy, loadPolicyFile, principalOf }, { paramsFromPairs }, { runbooksFromPacks }] = await Promise.all([
        import('../../policy/index.js'),
        import('../../runbook/params.js'),
        import('../packs-from-config.js'),
      ]);
      // Every configured pack, as the serving process loads them: a pack's runbook (and its schedules) is checked too.
      const { registry, problems } = await runbooksFromPacks(config, deps, (m) => deps.output.err(`warning: ${m}`));
      for (const p of problems) deps.output.err(`warning: invalid runbook: ${p}`);
      const runbook = registry.get(runbookId);
      const params = paramsFromPairs(runbook, pairs);
      const requester = requesterFrom(user, opts.kind);

      let current: Policy;
      if (config.policy.file) {
        const file = resolve(deps.cwd, config.policy.file);
        const doc = loadPolicyFile(file, (p) => readFileSync(p, 'utf8'));
        // With the bot token, Slack user groups are resolved as the server resolves them.
        const token = config.slack.botToken;
        let groupMembers;
        if (token) {
          const [{ WebClient }, { usergroupMembers }] = await Promise.all([import('@slack/web-api'), import('../../slack/usergroup-members.js')]);
          groupMembers = usergroupMembers(new WebClient(token, config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}));
        }
        current = createPolicy(doc, { defaultTimeoutMs: config.approvals.timeout, ...(groupMembers ? { groupMembers } : {}) });
        deps.output.out(`Policy:     ${file}`);
        const slackGroups = slackGroupsIn(doc);
        if (slackGroups.length && requester.kind === 'slack') {
          deps.output.out(
            groupMembers
              ? `Note:       members of Slack user groups (${slackGroups.join(', ')}) are asked from Slack (SLACK_BOT_TOKEN).`
              : `Note:       members of Slack user groups (${slackGroups.join(', ')}) are not resolved without SLACK_BOT_TOKEN; they count as not matching here.`,
          );
        }
      } else {
        current = denyAllPolicy(NO_POLICY);
        deps.output.out('Policy:     none configured (DROVER_POLICY is unset): every run is denied. A server whose only cluster is the built-in sandbox allows everything instead.');
      }

      const subject = { requester, runbook, cluster, params, dryRun: opts.dryRun ?? false };
      const groups = await current.groupsOf(requester);
      const decision = await current.decide(subject);
      const shownParams = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      deps.output.out(`Requester:  ${principalOf(requester)} (${requester.kind})`);
      deps.output.out(`Groups:     ${groups.join(', ') || 'none'}`);
      deps.output.out(`Run:        ${runbook.id} (risk ${runbook.risk ?? 'medium'}) on ${cluster}${subject.dryRun ? ', dry run' : ''}; params: ${shownParams || 'none'}`);
      deps.output.out(`Decision:   ${decision.allowed ? `ALLOWED by ${decision.rule}` : 'DENIED'}`);
      deps.output.out(`Reason:     ${decision.reason}`);
      deps.output.out(`Approval:   ${approvalLine(decision)}`);
      if (!decision.allowed) setExit(EXIT.failed);
    });
}
