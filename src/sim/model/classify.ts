import type { ModelTier } from '../../core/price-table.js';
import { findInjection, findTemplateInstruction, type Injection } from './instructions.js';
import { allowedSpelling, closestLabel, readLabels } from './labels.js';
import { outsideText, type PromptParts, readPrompt } from './prompt.js';
import { INJECTION_OBEY_RATES, LABEL_ERROR_RATES } from './rates.js';
import { type Sentiment, scoreSentiment } from './sentiment.js';

/**
 * The simulated model's answer to a classification prompt (the protocol is documented in
 * simulated-model.ts). It reads only the prompt, so whatever a template gets wrong, the answer
 * gets wrong too.
 */
export function classifyReply(
  text: string,
  tier: ModelTier,
  draw: (purpose: ModelDraw) => number,
): { text: string; obeyed: boolean } {
  const parts = readPrompt(text);
  const template = templateRulesOf(parts);
  const labels = template.labels;
  // Unfenced, the model cannot tell the template from the data, so it searches all of it.
  const ordered = parts.fenced ? template.ordered : findTemplateInstruction(text);
  if (ordered === undefined) {
    const injection = findInjection(parts.data);
    const obeyRate = INJECTION_OBEY_RATES[parts.fenced ? 'fenced' : 'unfenced'][tier];
    if (injection !== undefined && draw('obey') < obeyRate)
      return { text: obeyInjection(injection, labels), obeyed: true };
  }
  const sentiment = scoreSentiment(parts.data);
  const right = closestLabel(sentiment.label, labels);
  const errorRate = LABEL_ERROR_RATES[tier][sentiment.hard ? 'hard' : 'clear'];
  // One keyed draw serves twice, saving a hash per row: whether to err depends on its leading
  // bits (the rates are far above 2^-16), the confidence jitter on its last 16 bits.
  const labelDraw = draw('label');
  const jitter = (labelDraw * 65536) % 1;
  const wrong = ordered === undefined && labels.length > 1 && labelDraw < errorRate;
  let label = wrong ? otherLabel(labels, right, draw('pick')) : right;
  if (ordered !== undefined) label = allowedSpelling(ordered, labels) ?? ordered;
  return {
    text: answerJson(label, confidence(sentiment, tier, wrong, jitter), sentiment.evidence),
    obeyed: false,
  };
}

/** The named uniform draws a reply may take; each is keyed separately, so none shifts another. */
export type ModelDraw = 'obey' | 'label' | 'pick';

/** What the text outside the data says: the allowed labels and any template instruction. */
interface TemplateRules {
  labels: readonly string[];
  ordered: string | undefined;
}

// Every row of a run shares its template, so the last rules read are nearly always the ones
// needed: reading them again for each of 100,000 rows would cost a quarter of the model's time.
let lastParts: PromptParts | undefined;
let lastRules: TemplateRules = { labels: [], ordered: undefined };

function templateRulesOf(parts: PromptParts): TemplateRules {
  if (parts.before !== lastParts?.before || parts.after !== lastParts.after) {
    const outside = outsideText(parts);
    lastRules = { labels: readLabels(outside), ordered: findTemplateInstruction(outside) };
    lastParts = parts;
  }
  return lastRules;
}

/**
 * Compact JSON with keys in the order label, score, evidence: exactly what JSON.stringify gives
 * for that object, assembled by hand because that is five times faster and runs for every row.
 */
function answerJson(label: string, score: number, evidence: string): string {
  return '{"label":' + jsonString(label) + ',"score":' + score + ',"evidence":' + jsonString(evidence) + '}';
}

/** Characters JSON.stringify escapes: quote, backslash, control characters, lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"';
}

/** An obeyed injection stays on task only if what it demands happens to be an allowed label. */
function obeyInjection(injection: Injection, labels: readonly string[]): string {
  const label = allowedSpelling(injection.target, labels);
  if (label === undefined) return injection.target;
  return answerJson(label, 0.99, injection.sentence);
}

function otherLabel(labels: readonly string[], right: string, draw: number): string {
  const others = labels.filter((label) => label !== right);
  return others[Math.floor(draw * others.length)] ?? right;
}

/**
 * Confidence in [0.05, 0.98] with 2 decimals: low when no lexicon term was found (the model is
 * guessing), higher with more agreeing terms and for the large tier, lower on hard texts and on
 * wrong answers, plus ±0.05 of seeded jitter.
 */
function confidence(sentiment: Sentiment, tier: ModelTier, wrong: boolean, jitter: number): number {
  const large = tier === 'large';
  let score: number;
  if (sentiment.terms === 0) {
    score = 0.3 + 0.2 * jitter + (large ? 0.05 : 0);
  } else {
    score = 0.6 + 0.07 * Math.min(Math.abs(sentiment.sum), 4) + (large ? 0.08 : 0) + 0.1 * (jitter - 0.5);
    if (sentiment.hard) score -= 0.12;
    if (wrong) score -= 0.15;
  }
  return Math.round(Math.min(0.98, Math.max(0.05, score)) * 100) / 100;
}
