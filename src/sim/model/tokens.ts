/**
 * Token accounting for the simulated model. The real tokenizer is not public, so the sim uses the
 * common four-characters-per-token rule; what matters is that usage, billing and the count_tokens
 * endpoint all agree, so every one of them goes through these functions.
 */

/** Local token estimate: ceil(text.length / 4), at least 1 for non-empty text, 0 for ''. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Concatenated text of a Messages-API `system` and `messages`, joined with '\n'. Only text counts
 * (images and tool blocks are ignored), and junk is skipped rather than thrown on, because the
 * model is called on whatever a buggy pipeline managed to submit.
 */
export function promptText(system: unknown, messages: unknown): string {
  const parts: string[] = [];
  pushText(parts, system);
  if (Array.isArray(messages)) {
    for (const message of messages) if (isRecord(message)) pushText(parts, message.content);
  }
  return parts.join('\n');
}

/** Input tokens of a request as usage.input_tokens and count_tokens report them. */
export function countInputTokens(system: unknown, messages: unknown): number {
  return inputTokensOf(promptText(system, messages), messages);
}

/**
 * countInputTokens for a prompt already flattened by promptText, so the model does not flatten it
 * twice: the text's estimate plus 4 tokens of framing per message and 3 for the request.
 */
export function inputTokensOf(text: string, messages: unknown): number {
  let framing = 3;
  if (Array.isArray(messages)) for (const message of messages) if (isRecord(message)) framing += 4;
  return estimateTokens(text) + framing;
}

function pushText(parts: string[], content: unknown): void {
  if (typeof content === 'string') {
    if (content !== '') parts.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (isRecord(block) && block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      parts.push(block.text);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
