import { createHash } from 'node:crypto';
import type { AnswerTool } from './answer-tool.js';

/**
 * Turning one source row into one Messages request. Row content is untrusted: with fencing on,
 * every value is wrapped in a tag named for the run, which a row cannot close early because it
 * cannot know the tag (a row that happens to contain it is refused rather than sent unfenced).
 */
export interface RenderedRequest {
  params: {
    model: string;
    max_tokens: number;
    messages: [{ role: 'user'; content: string }];
  } & Partial<AnswerTool>;
}

export interface RenderOptions {
  model: string;
  /** max_tokens of the request, in output tokens. */
  maxTokens: number;
  /** The run's fence tag (fenceTag(runId)), or null to send values unfenced. */
  fence: string | null;
  /** The forced answer tool (answerTool(job)) in tool mode; absent or null for text answers. */
  tool?: AnswerTool | null;
}

/**
 * `{{column}}`: spaces around the name are allowed (`{{ text }}`), and inside it, since a CSV
 * header may have them (`{{Review Text}}`). The one definition of a placeholder: rendering, the
 * plan's column check and the preflight's estimate all read templates through it.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?[^{}\s])\s*\}\}/g;

/** The fence tag for a run: `data-` + 12 hex chars of sha256(runId). */
export function fenceTag(runId: string): string {
  return `data-${sha256(runId).slice(0, 12)}`;
}

/** The columns a template's placeholders name, each once, in order of first use. */
export function templateColumns(template: string): string[] {
  return [...new Set(templateParts(template).placeholders)];
}

/** A template's fixed text (placeholders removed) and the column of every placeholder, repeats included. */
export function templateParts(template: string): { fixed: string; placeholders: string[] } {
  return {
    fixed: template.replace(PLACEHOLDER, ''),
    placeholders: Array.from(template.matchAll(PLACEHOLDER), (match) => match[1]!),
  };
}

/**
 * Render one row. With a fence tag, each placeholder's value is wrapped in <TAG>…</TAG>; a value
 * that contains the tag itself cannot be fenced safely → returns { unfenceable: true }.
 */
export function renderRequest(
  template: string,
  row: Record<string, unknown>,
  options: RenderOptions,
): RenderedRequest | { unfenceable: true } {
  const { fence } = options;
  let unfenceable = false;
  // One pass with a replacer function: a value holding `{{other}}` or `$&` is inserted literally.
  const content = template.replace(PLACEHOLDER, (_, column: string) => {
    const value = valueText(row[column]);
    if (fence === null) return value;
    if (value.includes(fence)) unfenceable = true;
    return `<${fence}>${value}</${fence}>`;
  });
  if (unfenceable) return { unfenceable: true };
  const params: RenderedRequest['params'] = {
    model: options.model,
    max_tokens: options.maxTokens,
    messages: [{ role: 'user', content }],
  };
  // Added only in tool mode, so a text job's requests stay exactly what they were.
  if (options.tool) Object.assign(params, options.tool);
  return { params };
}

/** A row value as the model sees it in the prompt (the gate checks quoted evidence against this). */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  // DuckDB's own value classes (dates, decimals…) print themselves; plain objects and lists do not.
  const print = (value as { toString?: unknown }).toString;
  const printsItself =
    !Array.isArray(value) && typeof print === 'function' && print !== Object.prototype.toString;
  return printsItself
    ? String(value)
    : JSON.stringify(value, (_, inner) => (typeof inner === 'bigint' ? String(inner) : inner));
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
