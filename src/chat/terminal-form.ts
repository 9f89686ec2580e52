import { parseParams } from '../runbook/params.js';
import type { ParamInfo } from '../runbook/params.js';
import { valueText } from './blocks/format.js';
import { paramFacts } from './blocks/param-facts.js';
import type { ChatActor, ChatCommands, ChatOutcome, RunFormInput } from './chat-commands.js';
import type { ParamProblem } from './types.js';

type FormOutcome = Extract<ChatOutcome, { kind: 'form' }>;

export interface TerminalFormDeps {
  commands: ChatCommands;
  /** Prints a question and reads the answer; undefined when the input ended. */
  ask: (question: string) => Promise<string | undefined>;
  print: (text: string) => void;
  listClusters: () => Promise<{ names: string[]; defaultName?: string }>;
  /** Runs the request as a dry run and answers its plan as text (bounded in time), for the confirmation. */
  dryRunPlan: (request: RunFormInput, actor: ChatActor) => Promise<string>;
}

/** `  replicas (integer, required, 1–50): `, `  reason (string, optional; Enter skips): `. */
function question(info: ParamInfo): string {
  const facts = paramFacts(info).join(', ');
  const keep = info.default !== undefined ? '; Enter keeps the default' : info.required ? '' : '; Enter skips';
  return `  ${info.name} (${facts}${keep}): `;
}

/** `namespace=demo pvc=data growPercent=50`: the params as they will run, defaults included. */
function paramsLine(params: Record<string, unknown>): string {
  const words = Object.entries(params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.map(valueText).join(',') : valueText(v)}`);
  return words.join(' ') || '(no params)';
}

const indent = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => `    ${l}`)
    .join('\n');

/**
 * Slack's run form as questions: every param in order (required ones that are
 * missing, those with a problem, and the optional ones, whose default Enter
 * keeps); answers are checked as the modal's are and wrong ones asked again.
 * A real run is confirmed first, with its params as they will run, its
 * cluster and the plan of a dry run (for a runbook that needs approval, the
 * approvers see that plan before anything changes); a dry run starts at once.
 */
export async function fillForm(form: FormOutcome, actor: ChatActor, deps: TerminalFormDeps): Promise<ChatOutcome | undefined> {
  const { commands, ask, print } = deps;
  const runbook = form.runbook;
  const given = { ...form.initial };
  let problems: ParamProblem[] = form.problems;
  // Asked once each; then only what is still wrong.
  let toAsk = new Set(runbook.params.filter((p) => given[p.name] === undefined || problems.some((x) => x.param === p.name)).map((p) => p.name));
  for (let round = 0; round < 5; round++) {
    // The form printed the first problems under their fields; later ones are new.
    if (round > 0) for (const problem of problems) print(`  ⚠ ${problem.message}`);
    for (const info of runbook.params) {
      if (!toAsk.has(info.name)) continue;
      const answer = await ask(question(info));
      if (answer === undefined) return undefined;
      if (answer === '') delete given[info.name];
      else given[info.name] = answer;
    }
    const params = commands.coerceParams(runbook.id, given);
    const request = { runbook: runbook.id, params, ...(form.cluster ? { cluster: form.cluster } : {}), dryRun: form.dryRun };
    problems = await commands.validateRun(request, actor);
    if (problems.length) {
      const wrong = new Set(problems.map((p) => p.param).filter((p): p is string => p !== undefined && p !== 'cluster'));
      // A problem no question can fix (the channel, the cluster) goes back as the form it is.
      if (!wrong.size) return { ...form, initial: params, problems };
      toAsk = wrong;
      continue;
    }
    if (form.dryRun) return commands.submitRun(request, actor);
    const clusters = await deps.listClusters();
    const cluster = form.cluster ?? clusters.defaultName ?? '(the default cluster)';
    print(`Ready: ${runbook.chatName} on cluster ${cluster}, for real, with ${paramsLine(parseParams(commands.runbook(runbook.id), params))}.`);
    if (runbook.approval.required === 'never') {
      print('Its plan, from a dry run (changes nothing):');
      print(indent(await deps.dryRunPlan(request, actor)));
    } else {
      // A dry run would wait for approval too; the proposal shows approvers this plan before anything changes.
      print('It needs approval: its plan (a dry run) is shown to approvers before anything changes.');
    }
    const answer = ((await ask('Run it for real? [y/N]: ')) ?? '').toLowerCase();
    if (answer === 'y' || answer === 'yes') return commands.submitRun(request, actor);
    print('Cancelled: nothing was run.');
    return undefined;
  }
  print('Cancelled after five attempts: nothing was run.');
  return undefined;
}
