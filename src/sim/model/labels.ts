import type { SentimentLabel } from './sentiment.js';

/**
 * The label set a prompt allows, read from the prompt the way a model would: from a line such as
 * `labels: positive, negative, neutral` or `one of: "pos" | "neg"`. A template that drops or
 * mangles that line changes what the model answers, which is what a poisoned-template drill needs.
 */
export const DEFAULT_LABELS: readonly string[] = ['positive', 'negative', 'neutral'];

const LABEL_LINE = /\b(?:labels?|one of|categories|classes)[ \t]*:[ \t]*([^\n]+)/i;
const SENTENCE_END = /[.;!?](?:\s|$)/;
const SEPARATOR = /[,|/]|\s+(?:or|and)\s+/i;
const LEADING_JOINER = /^(?:or|and)\s+/i;
const PARENTHETICAL = /\s*\(.*$/;
const WRAPPING = /^[\s"'`\u201c\u201d\u2018\u2019[{]+|[\s"'`\u201c\u201d\u2018\u2019\]}.;:!?]+$/g;
const LABEL_LENGTH_MAX = 40;

/** The allowed labels named in the text, in order, or DEFAULT_LABELS when it names none. */
export function readLabels(text: string): readonly string[] {
  const line = LABEL_LINE.exec(text);
  if (line === null) return DEFAULT_LABELS;
  const tail = line[1]!.split(SENTENCE_END)[0]!;
  const labels: string[] = [];
  const seen = new Set<string>();
  for (const piece of tail.split(SEPARATOR)) {
    const label = cleanLabel(piece);
    const key = label.toLowerCase();
    if (label === '' || label.length > LABEL_LENGTH_MAX || seen.has(key)) continue;
    seen.add(key);
    labels.push(label);
  }
  return labels.length > 0 ? labels : DEFAULT_LABELS;
}

function cleanLabel(piece: string): string {
  return piece
    .replace(WRAPPING, '')
    .replace(LEADING_JOINER, '')
    .replace(PARENTHETICAL, '')
    .replace(WRAPPING, '');
}

const SYNONYMS: Record<SentimentLabel, readonly string[]> = {
  positive: [
    'pos',
    'good',
    'happy',
    'satisfied',
    'favorable',
    'favourable',
    'praise',
    'like',
    'yes',
    'promoter',
  ],
  negative: [
    'neg',
    'bad',
    'unhappy',
    'dissatisfied',
    'unfavorable',
    'unfavourable',
    'complaint',
    'dislike',
    'no',
  ],
  neutral: ['neu', 'mixed', 'neither', 'none', 'other', 'unknown', 'unsure', 'meh', 'passive', 'n/a', 'na'],
};

/**
 * The allowed label closest in meaning to a sentiment: the label itself, one containing its name
 * (`very positive`), a synonym (`good`, `mixed`), or else the first allowed label.
 */
export function closestLabel(sentiment: SentimentLabel, labels: readonly string[]): string {
  let containing: string | undefined;
  let synonym: string | undefined;
  for (const label of labels) {
    const key = label.toLowerCase();
    if (key === sentiment) return label;
    if (containing === undefined && key.includes(sentiment)) containing = label;
    if (synonym === undefined && SYNONYMS[sentiment].includes(key)) synonym = label;
  }
  return containing ?? synonym ?? labels[0] ?? sentiment;
}

/** The allowed label spelled as the prompt spells it, if `text` names one (case-insensitively). */
export function allowedSpelling(text: string, labels: readonly string[]): string | undefined {
  const key = text.toLowerCase();
  return labels.find((label) => label.toLowerCase() === key);
}
