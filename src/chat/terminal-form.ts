import { parseParams } from '../runbook/params.js';
import type { ParamInfo } from '../runbook/params.js';
import { valueText } from './blocks/format.js';
import { paramFacts } from './blocks/param-facts.js';
import type { ChatActor, ChatCommands, ChatOutcome } from './chat-commands.js';
import type { ParamProblem } from './types.js';

type FormOutcome = Extract<ChatOutcome, { kind: 'form' }>;

export interface TerminalFormDeps {
  commands: ChatCommands;
  /** Prints a question and reads the answer; undefined when the input ended. */
  ask: (question: string) => Promise<string | undefined>;
  print: (text: string) => void;
  listClusters: () => Promise<{ names: string[]; defaultName?: string }>;
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

/**
 * Slack's run form as questions: every param in order (required ones that are
 * missing, those with a problem, and the optional ones, whose default Enter
 * keeps); answers are checked as the modal's are and wrong ones asked again.
 * A real run is confirmed first, with its params as they will run and its
 * cluster (`d` makes it a dry run instead); a dry run starts at once.
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
    const answer = ((await ask(`Run it for real? y = run, d = dry run instead (shows the plan, changes nothing), N = cancel [y/d/N]: `)) ?? '').toLowerCase();
    if (answer === 'y' || answer === 'yes') return commands.submitRun(request, actor);
    if (answer === 'd' || answer === 'dry' || answer === 'dry run') return commands.submitRun({ ...request, dryRun: true }, actor);
    print('Cancelled: nothing was run.');
    return undefined;
  }
  print('Cancelled after five attempts: nothing was run.');
  return undefined;
}
