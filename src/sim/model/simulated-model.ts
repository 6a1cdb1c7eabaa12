import type { ModelInfo } from '../../core/price-table.js';
import { keyedRng, keyedUnit } from '../seed.js';
import { classifyReply } from './classify.js';
import { promptDigest } from './digest.js';
import { genericReply } from './generic-reply.js';
import { isClassificationTask } from './prompt.js';
import { answerTask, type ModelTask, type TaskAnswer } from './task-answer.js';
import { estimateTokens, inputTokensOf, promptText } from './tokens.js';

export { INJECTION_OBEY_RATES, LABEL_ERROR_RATES, SCHEMA_BREAK_SHARE } from './rates.js';
export type { GoldenAnswer, ModelTask, TaskAnswer } from './task-answer.js';

/*
 * THE PROMPT PROTOCOL: what the simulated model does with a prompt.
 *
 * It is a pure function of (seed, model, prompt, max_tokens) and reads only the prompt text (the
 * `system` text and every message's text blocks, joined by newlines), never the world's ground
 * truth, so a broken template produces broken answers the way it would with a real model.
 *
 * 1. Task. A prompt mentioning "classif…" or "label…" (any case) is a classification task.
 *    Anything else gets `Simulated reply: …`, 8–40 words of plain text, never JSON.
 * 2. Labels. Read from the prompt outside the data, from `labels: a, b, c` or `one of: a | b | c`
 *    (also `label:`, `categories:`, `classes:`; labels may be quoted or backticked; separators
 *    `,` `|` `/` ` or ` ` and `). Default: positive, negative, neutral.
 * 3. Data. The inside of the last complete `<name …>…</name>` block (the data is FENCED); else
 *    the text after the last line starting `Text:` or `Review:`; else the whole prompt.
 * 4. Sentiment. Lexicon terms in the data (POSITIVE_TERMS, NEGATIVE_TERMS in sentiment.ts) count
 *    ±1, flipped by a NEGATOR up to two words before them in the same clause; the sum's sign gives
 *    positive / negative / neutral, mapped to the closest allowed label (else the first one).
 * 5. Mistakes. With probability LABEL_ERROR_RATES[tier][clear|hard] the model answers a different
 *    allowed label, chosen at random. Hard texts hold both polarities or a negated term.
 * 6. Answer. Compact JSON `{"label":…,"score":…,"evidence":…}`: score is a confidence in [0, 1]
 *    (2 decimals; below 0.6 when no lexicon term was found), evidence a verbatim quote of at most
 *    ten words of the data around the deciding term (or its first words).
 * 7. Template instructions. `always answer X`, `always respond with "X"`, `only output X` (X a
 *    quoted string or a single word) are obeyed every time: the label becomes X. They are looked
 *    for outside the data, or anywhere when the data is not fenced.
 * 8. Injections. `ignore (all|the) previous instructions and reply with X`, `respond with X`,
 *    `label this as X` inside the data are obeyed with probability INJECTION_OBEY_RATES
 *    [fenced|unfenced][tier]. If X is an allowed label the answer is JSON with that label, score
 *    0.99 and the injected sentence as evidence; otherwise the whole output is just X.
 *    In 7 and 8 an X starting with a format word (JSON, a, the, one, only…) is not an instruction,
 *    so `Respond with JSON` or `Answer with one of: …` in a template is read as the task itself.
 * 9. Usage. input_tokens = ceil(chars/4) of the prompt + 4 per message + 3; output_tokens =
 *    ceil(chars/4) of the answer. An answer over max_tokens is cut to max_tokens × 4 characters
 *    with stop_reason `max_tokens` and output_tokens = max_tokens.
 *
 * Every draw is keyed by (seed, purpose, model id, prompt digest): the same request always gets
 * the same reply, other seeds vary the mistakes, and each model id draws independently.
 *
 * TASK MODE: a world configured with a task (WorldOptions.task, a ModelTask: the job's output
 * schema, its golden rows and its quote fields, as the team wrote them, never what a fault did to
 * them) answers every prompt for that task instead, by rules T1–T7 (task-answer.ts); rule 9
 * (usage, max_tokens) still holds, and without a task rules 1–8 hold byte for byte.
 * T1. Data. Fenced: the inside of every complete block of the tag used most (a run fences every
 *     value with one tag). Unfenced: as rule 3 when a `Text:`/`Review:` line exists, else the
 *     prompt's last non-empty line less a leading `Label:`.
 * T2. Template instructions (rule 7's wording, outside the data, anywhere when unfenced) are
 *     obeyed every time: X an allowed value of a top-level enum field (any case) sets the first
 *     such field; any other X is the whole answer, as plain text.
 * T3. Injections (rule 8's wording, in the data; anywhere in an unfenced prompt, whose data
 *     nothing marks) are obeyed with probability INJECTION_OBEY_RATES;
 *     the quote fields (else the first free-text string field) then hold the injected sentence,
 *     and X is answered as in T2.
 * T4. Golden rows. The task lists each golden row's values (for each column the clean template's
 *     placeholders name, the value as the pipeline renders it: valueText) and its expected fields.
 *     A golden row is recognised when the prompt carries every one of those values: each the whole
 *     inside of a data block (fenced), or found in the prompt (unfenced). Its answer holds the
 *     expected fields; a wrong column, a broken delimiter or a stray instruction (T2) loses that
 *     knowledge, as it should.
 * T5. Any other row gets a plausible answer drawn from the schema (schema-answer.ts): it fits the
 *     schema; quote fields (top-level strings) are a verbatim span of up to ten words of the data.
 * T6. Mistakes, with probability LABEL_ERROR_RATES[tier].clear: a third of them (SCHEMA_BREAK_SHARE)
 *     break the schema (```json fence, a required field left out, an enum value off the list,
 *     equally likely where each applies); the rest give a recognised golden row a wrong value,
 *     still valid, in one graded field.
 * T7. Answer: compact JSON (JSON.stringify, the schema's key order). taskAnswerOf returns it as
 *     text and as an object, so a reply layer can send it in a text block or as a tool call.
 *     Draws are keyed by (seed, 'task', purpose, model id, prompt digest), apart from rules 1–8's.
 */

export interface ModelRequest {
  model: ModelInfo;
  system?: unknown;
  messages: unknown;
  /** The request's max_tokens, in output tokens. */
  maxTokens: number;
  /** The task the world was configured with (TASK MODE); without one, rules 1–8. */
  task?: ModelTask;
}

export interface ModelReply {
  text: string;
  stopReason: 'end_turn' | 'max_tokens';
  inputTokens: number;
  outputTokens: number;
  /** Did the model obey an instruction planted in the data (ground truth, never on the wire)? */
  obeyed: boolean;
}

/** The simulated model's reply to one Messages request (see THE PROMPT PROTOCOL above). */
export function simulateModel(seed: number, request: ModelRequest): ModelReply {
  const prompt = promptText(request.system, request.messages);
  const inputTokens = inputTokensOf(prompt, request.messages);
  // Built once: keyedUnit joins its key parts on every draw, and a number costs a conversion each time.
  const key = `${request.model.id}|${promptDigest(prompt)}`;
  const { text, obeyed } = request.task
    ? answerTask(prompt, request.task, request.model.tier, (purpose) => keyedRng(seed, 'task', purpose, key))
    : isClassificationTask(prompt)
      ? classifyReply(prompt, request.model.tier, (purpose) => keyedUnit(seed, 'model', purpose, key))
      : { text: genericReply(keyedRng(seed, 'model', 'generic', key)), obeyed: false };
  const outputTokens = estimateTokens(text);
  const tokensMax = Number.isFinite(request.maxTokens)
    ? Math.max(0, Math.floor(request.maxTokens))
    : Infinity;
  if (outputTokens <= tokensMax) return { text, stopReason: 'end_turn', inputTokens, outputTokens, obeyed };
  return {
    text: text.slice(0, tokensMax * 4),
    stopReason: 'max_tokens',
    inputTokens,
    outputTokens: tokensMax,
    obeyed,
  };
}

/**
 * The answer to a request for a configured task (TASK MODE) before any wrapping: its text, the
 * object it holds, whether it obeyed an injection. For a reply layer that sends the answer as a
 * tool call's input; its usage is estimateTokens of the text it sends.
 */
export function taskAnswerOf(seed: number, request: ModelRequest & { task: ModelTask }): TaskAnswer {
  const prompt = promptText(request.system, request.messages);
  const key = `${request.model.id}|${promptDigest(prompt)}`;
  return answerTask(prompt, request.task, request.model.tier, (purpose) =>
    keyedRng(seed, 'task', purpose, key),
  );
}
