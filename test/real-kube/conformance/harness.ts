/**
 * Runs a case on both servers, step by step in lockstep (fake, then real),
 * compares each answer field by field after normalising, and sorts every
 * difference into documented (matches the allow-list) or undocumented.
 */
import type { Case, Step, Vars } from './case.js';
import { differences, type Difference } from './diff.js';
import { documentedBy, type KnownDifference } from './known-differences.js';
import { normalise, VersionLabels } from './normalise.js';
import { send, type WireAnswer, type WireRequest, type WireTarget } from './wire.js';

export interface Servers {
  fake: WireTarget;
  real: WireTarget;
}

export interface StepOutcome {
  case: string;
  step: string;
  documented: { difference: Difference; known: KnownDifference }[];
  undocumented: Difference[];
}

/**
 * `{ns}` and `{$var}` filled in, everywhere in the request. A var an earlier
 * step failed to keep (that step already differs) becomes `missing-<var>`.
 */
function fill(req: WireRequest, ns: string, vars: Vars): WireRequest {
  const text = JSON.stringify(req)
    .replace(/\{ns\}/g, ns)
    .replace(/\{\$([A-Za-z0-9_]+)\}/g, (_m, key: string) => vars[key] ?? `missing-${key}`);
  return JSON.parse(text) as WireRequest;
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]?.trim() ?? '';
}

/** What is compared of an answer: the code, the media type, the body (or a view of it). */
function comparable(answer: WireAnswer, step: Step, versions: VersionLabels): unknown {
  const body = step.view && answer.status < 300 ? step.view(answer.body) : answer.body;
  return { status: answer.status, type: answer.text === '' ? '' : mediaType(answer.contentType), body: normalise(body, versions) };
}

export class Conformance {
  readonly outcomes: StepOutcome[] = [];

  constructor(
    private readonly servers: Servers,
    private readonly known: readonly KnownDifference[],
  ) {}

  async run(c: Case, ns: string): Promise<StepOutcome[]> {
    const vars: Record<'fake' | 'real', Vars> = { fake: {}, real: {} };
    const versions = { fake: new VersionLabels(), real: new VersionLabels() };
    const outcomes: StepOutcome[] = [];
    for (const step of c.steps) {
      const [fake, real] = [await this.send('fake', step, ns, vars.fake), await this.send('real', step, ns, vars.real)];
      const found = differences(comparable(fake, step, versions.fake), comparable(real, step, versions.real));
      const outcome: StepOutcome = { case: c.name, step: step.name, documented: [], undocumented: [] };
      for (const difference of found) {
        const known = documentedBy(this.known, c.name, step.name, difference.path);
        if (known) outcome.documented.push({ difference, known });
        else outcome.undocumented.push(difference);
      }
      outcomes.push(outcome);
    }
    this.outcomes.push(...outcomes);
    return outcomes;
  }

  private async send(server: 'fake' | 'real', step: Step, ns: string, vars: Vars): Promise<WireAnswer> {
    const answer = await send(this.servers[server], fill(step.req, ns, vars));
    if (step.keep && answer.status < 300) Object.assign(vars, step.keep(answer.body));
    return answer;
  }

  /** The figures: requests compared, identical, differing but documented, undocumented. */
  figures(): { compared: number; identical: number; documented: number; undocumented: number } {
    const compared = this.outcomes.length;
    const undocumented = this.outcomes.filter((o) => o.undocumented.length > 0).length;
    const documented = this.outcomes.filter((o) => o.undocumented.length === 0 && o.documented.length > 0).length;
    return { compared, identical: compared - undocumented - documented, documented, undocumented };
  }

  summary(): string {
    const f = this.figures();
    const used = new Set(this.outcomes.flatMap((o) => o.documented.map((d) => d.known.id)));
    return [
      'Fake vs real kube-apiserver conformance',
      `  requests compared:             ${f.compared}`,
      `  identical:                     ${f.identical}`,
      `  differing, documented:         ${f.documented} (${used.size} known differences: ${[...used].join(', ') || 'none'})`,
      `  differing, undocumented:       ${f.undocumented}`,
      '',
    ].join('\n');
  }
}

/** A readable account of one step's undocumented differences, for a failing test. */
export function explain(outcome: StepOutcome): string {
  return outcome.undocumented
    .map((d) => `${outcome.case} / ${outcome.step}: ${d.path || '(answer)'}\n    fake: ${JSON.stringify(d.fake)}\n    real: ${JSON.stringify(d.real)}`)
    .join('\n');
}
