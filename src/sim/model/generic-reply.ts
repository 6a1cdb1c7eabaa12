import type { Rng } from '../seed.js';

/**
 * The answer to a prompt that is not a classification task: a plain sentence, never JSON, so a
 * template that lost its task wording yields output a schema check rejects.
 */
// biome-ignore format: a word list reads best packed
const VOCABULARY = [
  'the', 'request', 'was', 'received', 'and', 'reviewed', 'carefully', 'here', 'is', 'a', 'short',
  'answer', 'about', 'your', 'text', 'with', 'some', 'notes', 'on', 'it', 'overall', 'this', 'seems',
  'fine', 'further', 'detail', 'may', 'help', 'thanks', 'for', 'asking',
];

const WORDS_MIN = 8;
const WORDS_MAX = 40;

/** `Simulated reply: …` with 8–40 words drawn from a fixed vocabulary. */
export function genericReply(rng: Rng): string {
  const count = WORDS_MIN + rng.int(WORDS_MAX - WORDS_MIN + 1);
  let reply = 'Simulated reply:';
  for (let i = 0; i < count; i++) reply += ' ' + VOCABULARY[rng.int(VOCABULARY.length)];
  return reply + '.';
}
