import type { Requester } from '../runbook/types.js';

const NAME = /^[A-Za-z0-9._-]{1,32}$/;

/** What a line of the terminal chat asks for, once `as …` and `--as NAME` are read. */
export type IdentityLine =
  | { kind: 'command'; text: string; requester: Requester }
  | { kind: 'said'; text: string };

/**
 * Who types in the terminal chat. It is the CLI user (`user@host`); on the
 * sandbox only (no policy file, no cluster but the built-in one) they may act
 * as a second local identity, to approve a proposal they made themselves
 * (the requester never may): `as reviewer`, or `… --as reviewer` for one
 * command. Anywhere else a terminal name is typed, not authenticated, so the
 * switch is refused and approvals come from people the policy names.
 */
export class TerminalIdentity {
  private current: Requester;

  constructor(
    private readonly me: Requester,
    /** True only when the built-in sandbox and its policy are all there is. */
    readonly sandbox: boolean,
  ) {
    this.current = me;
  }

  get requester(): Requester {
    return this.current;
  }

  /** The line that introduces the feature, for the greeting; empty off the sandbox. */
  greeting(command: string): string {
    if (!this.sandbox) return '';
    return `On the sandbox you can act as a second local identity to approve your own proposals: \`as reviewer\` (or \`${command} approve … --as reviewer\`); \`as me\` switches back.`;
  }

  /** A local identity: same host as the user, another name (so the audit log tells them apart). */
  private local(name: string): Requester | string {
    if (!NAME.test(name)) return `"${name}" is not a name: use letters, digits, ".", "_" or "-" (at most 32).`;
    const at = this.me.id.indexOf('@');
    const host = at < 0 ? '' : this.me.id.slice(at);
    const id = `${name}${host}`;
    if (name === 'me' || id === this.me.id || name === this.me.id) return this.me;
    return { kind: 'cli', id, name: `${name} (local)` };
  }

  private refusal(): string {
    return 'Acting as another identity is only for the sandbox. Here a terminal name is typed, not authenticated: approvals come from Slack users, or from CLI users the policy names (cli:<user>) approving as themselves.';
  }

  /** Reads one line: an `as NAME` switch, or a command with an optional `--as NAME`. */
  read(line: string): IdentityLine {
    const words = line.trim().split(/\s+/);
    if (words[0] === 'as' && words.length <= 2) {
      const name = words[1];
      if (!name || name === 'me') {
        this.current = this.me;
        return { kind: 'said', text: `You are ${this.me.id} again.` };
      }
      if (!this.sandbox) return { kind: 'said', text: this.refusal() };
      const who = this.local(name);
      if (typeof who === 'string') return { kind: 'said', text: who };
      this.current = who;
      return {
        kind: 'said',
        text: who === this.me ? `You are ${this.me.id}.` : `You are now ${who.id}, a local identity on the sandbox. \`as me\` switches back to ${this.me.id}.`,
      };
    }
    const flag = /(?:^|\s)(?:--|[—–])as(?:=|\s+)(\S*)/.exec(line);
    if (!flag) return { kind: 'command', text: line, requester: this.current };
    if (!this.sandbox) return { kind: 'said', text: this.refusal() };
    const who = this.local(flag[1] ?? '');
    if (typeof who === 'string') return { kind: 'said', text: who };
    return { kind: 'command', text: `${line.slice(0, flag.index)} ${line.slice(flag.index + flag[0].length)}`.trim(), requester: who };
  }
}
