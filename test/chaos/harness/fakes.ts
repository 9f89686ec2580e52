/** The fakes process (../fakes/fakes-process.ts) and a client of its control endpoint. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../support/test-drover.js';
import type { WireMutation } from '../fakes/control.js';
import type { Held, HoldRule } from '../fakes/holding-proxy.js';
import type { FaultRule, KubeObject } from '../../../src/testing/index.js';
import { stopChild } from './processes.js';

export interface SlackCall {
  method: string;
  status: number;
  at: number;
  args: Record<string, unknown>;
}

export interface SlackThread {
  ts: string;
  text: string;
  blocks: unknown[];
  replies: string[];
}

export class Fakes {
  private constructor(
    private readonly child: ChildProcess,
    readonly control: string,
    readonly k8sUrl: string,
    readonly slackUrl: string,
  ) {}

  static async start(dir: string, deployments: number): Promise<Fakes> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'chaos', 'fakes', 'fakes-process.ts'), dir, String(deployments)], {
      cwd: ROOT,
      env: { HOME: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('fakes process: no ready line within 60 s')), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(out.slice(0, nl));
        }
      });
      child.once('exit', (code) => reject(new Error(`fakes process exited (${code}) before it was ready`)));
    });
    const ready = JSON.parse(line) as { control: string; k8s: string; slack: string };
    return new Fakes(child, ready.control, ready.k8s, ready.slack);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.control}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`fakes control ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  mutations(): Promise<WireMutation[]> {
    return this.call('GET', '/mutations');
  }
  async requestCount(): Promise<number> {
    return (await this.call<{ requests: number }>('GET', '/stats')).requests;
  }
  /** A fault of the fake itself; `pathPattern` is a regular expression's source. */
  async fail(rule: Omit<FaultRule, 'pathRegex'> & { pathPattern?: string }): Promise<void> {
    await this.call('POST', '/fail', rule);
  }
  async hold(rule: HoldRule): Promise<void> {
    await this.call('POST', '/hold', rule);
  }
  held(): Promise<Held[]> {
    return this.call('GET', '/held');
  }
  async release(): Promise<void> {
    await this.call('POST', '/release');
  }
  async clear(): Promise<void> {
    await this.call('POST', '/clear');
  }
  objects(kind: string, namespace?: string): Promise<KubeObject[]> {
    return this.call('GET', `/objects?kind=${kind}${namespace ? `&namespace=${namespace}` : ''}`);
  }
  slackCalls(): Promise<SlackCall[]> {
    return this.call('GET', '/slack/calls');
  }
  async slackRateLimit(method: string, retryAfterSeconds: number, times = 1): Promise<void> {
    await this.call('POST', '/slack/rate-limit', { method, retryAfterSeconds, times });
  }

  /** A channel's top-level messages with the text of their replies, in thread order. */
  slackThreads(channel: string): Promise<SlackThread[]> {
    return this.call('GET', `/slack/threads?channel=${channel}`);
  }
  /** Slack's Web API answers 503 to everything until `slackUp()`. */
  async slackDown(): Promise<void> {
    await this.call('POST', '/slack/down');
  }
  async slackUp(): Promise<void> {
    await this.call('POST', '/slack/up');
  }

  stop(): Promise<void> {
    return stopChild(this.child, 'SIGTERM', 5000);
  }
}
