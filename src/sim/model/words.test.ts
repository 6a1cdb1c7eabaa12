import { describe, expect, it } from 'vitest';
import { CLAUSE_BREAK, NO_BREAK, SENTENCE_BREAK, splitWords, wordEquals, wordHash } from './words.js';

function spans(text: string): string[] {
  const words = splitWords(text);
  return Array.from({ length: words.count }, (_, i) => text.slice(words.start[i], words.end[i]));
}

describe('splitWords', () => {
  it('splits on spaces and punctuation, keeping apostrophes inside words', () => {
    expect(spans("It isn't great-looking; it DIDN\u2019T work.")).toEqual([
      'It',
      "isn't",
      'great',
      'looking',
      'it',
      'DIDN\u2019T',
      'work',
    ]);
  });

  it('does not keep an apostrophe that quotes a word', () => {
    expect(spans("'great' stuff")).toEqual(['great', 'stuff']);
  });

  it('records the strongest punctuation before each word', () => {
    const words = splitWords('one two, three. four,! five');
    expect(Array.from(words.gap.subarray(0, words.count))).toEqual([
      NO_BREAK,
      NO_BREAK,
      CLAUSE_BREAK,
      SENTENCE_BREAK,
      SENTENCE_BREAK,
    ]);
  });

  it('hashes words case-insensitively, as wordHash does, with curly apostrophes read as straight', () => {
    const text = 'Great DON\u2019T';
    const words = splitWords(text);
    expect(words.hash[0]).toBe(wordHash('great'));
    expect(words.hash[1]).toBe(wordHash("don't"));
    expect(wordEquals(text, words.start[1]!, words.end[1]!, "don't")).toBe(true);
    expect(wordEquals(text, words.start[0]!, words.end[0]!, 'grea')).toBe(false);
  });

  it('handles texts longer than its initial buffers', () => {
    expect(splitWords('word '.repeat(1000)).count).toBe(1000);
  });

  it('finds no words in an empty or punctuation-only text', () => {
    expect(splitWords('').count).toBe(0);
    expect(splitWords(' .,;!? ').count).toBe(0);
  });
});
