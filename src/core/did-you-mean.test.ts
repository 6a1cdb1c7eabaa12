import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from './did-you-mean.js';

describe('editDistance', () => {
  it.each([
    ['gameday', 'gameday', 0],
    ['gamday', 'gameday', 1],
    ['seeed', 'seed', 1],
    ['mdd', 'md', 1],
    ['drpo', 'drop', 1], // two neighbours swapped: one edit, not two
    ['silent_partial_drp', 'silent_partial_drop', 1],
    ['', 'csv', 3],
    ['kitten', 'sitting', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closest', () => {
  const formats = ['table', 'md', 'json', 'html', 'csv'];

  it('finds the word one typo away, ignoring case', () => {
    expect(closest('mdd', formats)).toBe('md');
    expect(closest('JSON', formats)).toBe('json');
    expect(closest('tabel', formats)).toBe('table');
    expect(closest('promted', ['promoted', 'quarantined', 'held'])).toBe('promoted');
  });

  it('allows one edit in three characters of the longer word, so a long word may be two edits off', () => {
    expect(closest('quarantind', ['quarantined'])).toBe('quarantined');
    expect(closest('qarantind', ['quarantined'])).toBe('quarantined');
    expect(closest('xml', formats)).toBeUndefined();
    expect(closest('js', formats)).toBeUndefined();
    expect(closest('deploy', ['gameday', 'drill', 'run', 'resume', 'halt'])).toBeUndefined();
  });

  it('prefers the nearer word, then the earlier one', () => {
    expect(closest('runs', ['run', 'runs'])).toBe('runs');
    expect(closest('ab', ['ax', 'xb'])).toBe('ax');
  });

  it('says it as a sentence, or says nothing', () => {
    expect(didYouMean('seeed', ['seed', 'db'], (f) => `--${f}`)).toBe(' Did you mean --seed?');
    expect(didYouMean('zzz', ['seed', 'db'])).toBe('');
  });
});
