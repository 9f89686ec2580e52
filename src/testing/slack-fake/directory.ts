/**
 * The workspace as the fake sees it: channels (with the bot's membership),
 * users and user groups. Unless strict, any well-formed id that was not
 * configured exists with defaults, so most tests configure nothing.
 */
import type { FakeChannel, FakeUser } from './types.js';

export type Channel = Required<FakeChannel>;

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

function channelWithDefaults(c: FakeChannel): Channel {
  return { isMember: true, isPrivate: false, isArchived: false, ...c };
}

export interface DirectoryOptions {
  strict: boolean;
  channels: readonly FakeChannel[];
  users: readonly FakeUser[];
  userGroups: Readonly<Record<string, readonly string[]>>;
}

export class Directory {
  private readonly strict: boolean;
  private readonly channels = new Map<string, Channel>();
  private readonly users = new Map<string, FakeUser>();
  private readonly groups = new Map<string, string[]>();

  constructor(options: DirectoryOptions) {
    this.strict = options.strict;
    for (const c of options.channels) this.setChannel(c);
    for (const u of options.users) this.setUser(u);
    for (const [id, members] of Object.entries(options.userGroups)) this.setGroup(id, members);
  }

  setChannel(channel: FakeChannel): void {
    this.channels.set(channel.id, channelWithDefaults(channel));
  }

  setUser(user: FakeUser): void {
    this.users.set(user.id, { ...user });
  }

  setGroup(id: string, members: readonly string[]): void {
    this.groups.set(id, [...members]);
  }

  /** A channel by id, or by configured name (`ops` or `#ops`), as Slack accepts both for posting. */
  channel(idOrName: string): Channel | undefined {
    const known = this.channels.get(idOrName);
    if (known) return known;
    const name = idOrName.replace(/^#/, '');
    for (const c of this.channels.values()) if (c.name === name) return c;
    if (this.strict || !CHANNEL_ID.test(idOrName)) return undefined;
    return channelWithDefaults({ id: idOrName, name: idOrName.toLowerCase() });
  }

  user(id: string): FakeUser | undefined {
    const known = this.users.get(id);
    if (known || this.strict || !USER_ID.test(id)) return known;
    return { id, name: id.toLowerCase() };
  }

  group(id: string): string[] | undefined {
    const members = this.groups.get(id);
    return members ? [...members] : undefined;
  }
}
