import type { ModelTier } from '../../core/price-table.js';
import type { Rng } from '../seed.js';
import { findInjection, findTemplateInstruction, type Injection } from './instructions.js';
import { allowedSpelling, closestLabel, readLabels } from './labels.js';
import { readPrompt } from './prompt.js';
import { INJECTION_OBEY_RATES, LABEL_ERROR_RATES } from './rates.js';
import { type Sentiment, scoreSentiment } from './sentiment.js';

/**
 * The simulated model's answer to a classification prompt (the protocol is documented in
 * simulated-model.ts). It reads only the prompt, so whatever a template gets wrong, the answer
 * gets wrong too.
 */
export function classifyReply(text: string, tier: ModelTier, rng: Rng): string {
  // Every path takes the same draws in the same order, so one decision never shifts another.
  const obeyDraw = rng.next();
  const errorDraw = rng.next();
  const pickDraw = rng.next();
  const jitter = rng.next();
  const parts = readPrompt(text);
  const labels = readLabels(parts.outside);
  // Unfenced, the model cannot tell the template from the data, so it searches all of it.
  const ordered = findTemplateInstruction(parts.fenced ? parts.outside : text);
  if (ordered === undefined) {
    const injection = findInjection(parts.data);
    const obeyRate = INJECTION_OBEY_RATES[parts.fenced ? 'fenced' : 'unfenced'][tier];
    if (injection !== undefined && obeyDraw < obeyRate) return obeyInjection(injection, labels);
  }
  const sentiment = scoreSentiment(parts.data);
  const right = closestLabel(sentiment.label, labels);
  const errorRate = LABEL_ERROR_RATES[tier][sentiment.hard ? 'hard' : 'clear'];
  const wrong = ordered === undefined && labels.length > 1 && errorDraw < errorRate;
  let label = wrong ? otherLabel(labels, right, pickDraw) : right;
  if (ordered !== undefined) label = allowedSpelling(ordered, labels) ?? ordered;
  return JSON.stringify({
    label,
    score: confidence(sentiment, tier, wrong, jitter),
    evidence: sentiment.evidence,
  });
}

/** An obeyed injection stays on task only if what it demands happens to be an allowed label. */
function obeyInjection(injection: Injection, labels: readonly string[]): string {
  const label = allowedSpelling(injection.target, labels);
  if (label === undefined) return injection.target;
  return JSON.stringify({ label, score: 0.99, evidence: injection.sentence });
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
