/**
 * A fake of Slack's Web API for tests, and builders of the signed requests
 * Slack sends to an app. See README.md in this folder.
 */
export { startSlackFake } from './fake.js';
export { DEFAULT_BOT_TOKEN, DEFAULT_IDENTITY, DEFAULT_VERIFICATION_TOKEN } from './identity.js';
export { FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, postSigned, signSlackRequest } from './sign.js';
export type { PostSignedOptions, SignedResponse, SlackSignatureHeaders } from './sign.js';
export { slashCommandBody } from './command-payload.js';
export type { SlashCommandInput } from './command-payload.js';
export { blockActionBody, viewSubmissionBody } from './interaction-payloads.js';
export type { BlockActionInput, ViewStateValue, ViewStateValues, ViewSubmissionInput } from './interaction-payloads.js';
export { appMentionEvent, eventCallbackBody, urlVerificationBody } from './event-payloads.js';
export type { AppMentionInput, EventCallbackInput } from './event-payloads.js';
export type {
  FakeChannel,
  FakeEphemeral,
  FakeMessage,
  FakeUser,
  FakeView,
  RateLimitOptions,
  RecordedCall,
  SlackFake,
  SlackFakeOptions,
  SlackIdentity,
} from './types.js';
