import type { Rng } from '../seed.js';
import { findInjection } from './instructions.js';

/** A quote is at most this many words, as the reviews model quotes its evidence. */
const QUOTE_WORDS_MAX = 10;
const SENTENCES = /[^.!?\n]+[.!?]?/g;

/**
 * A verbatim span of the data for a field that must quote the row: a run of up to ten words
 * from one sentence of one value, cut to the field's maxLength. Sentences carrying an
 * instruction are passed over (a model quoting "ignore previous instructions" would be off task
 * though it obeyed nothing); a field with a minLength past the span gets the longest value. With
 * no data to quote, the quote is empty. A cut quote keeps a trailing space that minLength needs.
 */
export function quoteFrom(values: readonly string[], rng: Rng, spec: Record<string, unknown>): string {
  const sentences = values
    .flatMap((value) => value.match(SENTENCES) ?? [])
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '' && findInjection(sentence) === undefined);
  const sentence = sentences[rng.int(sentences.length)] ?? '';
  const words = sentence.split(/\s+/).filter((word) => word !== '');
  const count = Math.min(words.length, 3 + rng.int(QUOTE_WORDS_MAX - 2));
  const start = rng.int(words.length - count + 1);
  // Joined by the sentence's own spacing: the span is cut from it, not rebuilt with single spaces.
  let quote = words.length === 0 ? '' : spanOf(sentence, words, start, count);
  // A field that asks for a longer quote than the span gets the longest value, from its start.
  const min = typeof spec.minLength === 'number' ? spec.minLength : 0;
  if ([...quote].length < min) quote = values.reduce((a, b) => (b.length > a.length ? b : a), '').trim();
  const max = typeof spec.maxLength === 'number' ? spec.maxLength : Infinity;
  if ([...quote].length > max) {
    // Cut at the limit, and trimmed of a space it ends on unless that takes it under minLength
    // (a field of exactly 23 characters cut after a space would be 22).
    const cut = [...quote].slice(0, max).join('');
    const trimmed = cut.trimEnd();
    quote = [...trimmed].length >= min ? trimmed : cut;
  }
  return quote;
}

function spanOf(sentence: string, words: readonly string[], start: number, count: number): string {
  let from = 0;
  for (let i = 0; i < start; i++) from = sentence.indexOf(words[i]!, from) + words[i]!.length;
  from = sentence.indexOf(words[start]!, from);
  let to = from;
  for (let i = start; i < start + count; i++) to = sentence.indexOf(words[i]!, to) + words[i]!.length;
  return sentence.slice(from, to);
}
