/**
 * Slack's Block Kit limits that Drover's messages can reach, from the Block Kit
 * reference (and @slack/types' docs). Builders truncate to these with an
 * explicit marker; the unit tests check every message against them.
 */
export const LIMITS = {
  messageBlocks: 50,
  modalBlocks: 100,
  /** Message `text` (the notification fallback); Slack truncates longer ones. */
  fallbackText: 4000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  /** Text objects in general (context elements included). */
  textObject: 3000,
  modalTitle: 24,
  modalButton: 24,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  initialValue: 3000,
  optionText: 75,
  optionValue: 75,
  selectOptions: 100,
  checkboxOptions: 10,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  blockId: 255,
  actionId: 255,
  privateMetadata: 3000,
  /**
   * Total text of a message's blocks. Slack documents no such limit, but rejects
   * messages well under 50 × 3000 characters with `msg_blocks_too_long`
   * (slackapi/bolt-js#2509 measured about 13,000), so we stay under 12,000.
   */
  messageChars: 12_000,
  /**
   * One `response_action: 'errors'` message. Slack documents no maximum; the
   * text sits under an input, so we keep it to what reads on one or two lines.
   */
  modalError: 150,
} as const;
