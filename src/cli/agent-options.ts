/** What `drover agent` is started with (its flags; the environment supplies the rest). */
export interface AgentOptions {
  cluster?: string;
  context?: string;
}
