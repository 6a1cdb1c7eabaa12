import { readPrompt } from './prompt.js';

/**
 * How the simulated model reads a prompt for a configured task (task-answer.ts): the data it was
 * sent and the instructions around it. A task's template may have several placeholders, so
 * every complete block of the prompt's data tag is data, not only the last one.
 */
export interface TaskPrompt {
  /** The data: each fenced value, or one guess at the data of an unfenced prompt. */
  values: string[];
  fenced: boolean;
  /** Everything outside the fenced values (the whole prompt when unfenced). */
  outside: string;
  /** The prompt itself, where an unfenced golden value is looked for. */
  prompt: string;
}

const BLOCK = /<([A-Za-z][\w-]*)(?:\s[^<>]*)?>([\s\S]*?)<\/\1\s*>/g;
/** A leading `Ticket body:` on the last line of an unfenced prompt is the template's, not data. */
const LINE_LABEL = /^[ \t]*[A-Za-z][\w ()/-]{0,40}:[ \t]*/;

/**
 * Splits a prompt into data and instructions. Fenced: the insides of every complete block whose
 * tag is the one used most (a run fences every value with one tag; ties go to the tag of the
 * last block), so an example in the template's own tags is not taken for data. Unfenced: the
 * data after a `Text:`/`Review:` line as the reviews model reads it, else the prompt's last
 * non-empty line without a leading `Label:`, where a template usually puts its row.
 */
export function readTaskPrompt(prompt: string): TaskPrompt {
  const blocks = [...prompt.matchAll(BLOCK)];
  if (blocks.length > 0) {
    const tag = dataTag(blocks.map((b) => b[1]!));
    const data = blocks.filter((b) => b[1] === tag);
    let outside = '';
    let at = 0;
    for (const block of data) {
      outside += prompt.slice(at, block.index) + '\n';
      at = block.index + block[0].length;
    }
    outside += prompt.slice(at);
    return { values: data.map((b) => b[2]!), fenced: true, outside, prompt };
  }
  const parts = readPrompt(prompt);
  if (parts.before !== prompt) return { values: [parts.data], fenced: false, outside: prompt, prompt };
  const lines = prompt.split('\n').filter((line) => line.trim() !== '');
  const last = (lines.at(-1) ?? '').replace(LINE_LABEL, '').trim();
  return { values: last === '' ? [] : [last], fenced: false, outside: prompt, prompt };
}

function dataTag(tags: readonly string[]): string {
  const counts = new Map<string, number>();
  let best = tags.at(-1)!;
  for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  for (const [tag, count] of counts) if (count > counts.get(best)!) best = tag;
  return best;
}

/**
 * Does the prompt carry every one of `values` as the clean template renders it? Fenced, each must
 * be the whole inside of a data block; unfenced, it must appear in the prompt. Empty values are
 * not evidence either way, and a golden row with no non-empty value is never recognised.
 */
export function carriesValues(prompt: TaskPrompt, values: readonly string[]): boolean {
  const given = values.filter((value) => value.trim() !== '');
  if (given.length === 0) return false;
  return prompt.fenced
    ? given.every((value) => prompt.values.includes(value))
    : given.every((value) => prompt.prompt.includes(value));
}
