import type { AlertKind } from '../job/job.js';
import type { LogEntry } from '../run/run-log.js';

/** The run an alert is about, as its payload names it. */
export interface AlertRun {
  runId: string;
  job: string;
  mode: 'simulation' | 'live';
}

/** The JSON body POSTed to a job's webhook: `text` for a chat, the rest for a machine. */
export interface AlertPayload {
  text: string;
  run_id: string;
  job: string;
  mode: 'simulation' | 'live';
  step: string;
  kind: string;
  alert_kind: AlertKind;
  at: string;
  detail: Record<string, unknown>;
}

/** Longest string kept in an alert's detail, characters. */
export const STRING_MAX = 200;
/** Most items of a list kept in an alert's detail. */
const LIST_MAX = 10;
/** Most fields kept at one level of an alert's detail. */
const FIELDS_MAX = 30;
/** Levels of nested objects kept (the detail itself is level 1). */
const DEPTH_MAX = 2;
/** Longest `text` line, characters. */
const TEXT_MAX = 400;

/**
 * Name parts (snake_case or camelCase words) of a field that may carry a row, an answer, a
 * prompt or a secret: such a field is dropped whatever its value, numbers included (a numeric
 * row key or answer value is still one).
 */
const NEVER = new Set([
  'text',
  'texts',
  'key',
  'keys',
  'apikey',
  'value',
  'values',
  'prompt',
  'prompts',
  'secret',
  'secrets',
  'password',
  'authorization',
  'auth',
  'header',
  'headers',
  'content',
  'contents',
  'body',
  'expected',
  'answer',
  'answers',
  'evidence',
  'distribution',
  'sample',
  'samples',
  'json',
  'raw',
  'request',
  'requests',
  'response',
]);
/**
 * Name parts of a field that counts things or may hold them: kept only as a number (`rows: 12`,
 * `output_tokens_max: 200`), never as a string, a list or an object (the rows themselves).
 */
const NUMBER_ONLY = new Set([
  'row',
  'rows',
  'output',
  'outputs',
  'input',
  'inputs',
  'token',
  'tokens',
  'line',
  'lines',
  'record',
  'records',
  'result',
  'results',
  'message',
  'messages',
  'item',
  'items',
  'data',
]);

const words = (name: string): string[] =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/**
 * A string as an alert may carry it: the API key and anything shaped like an Anthropic key
 * redacted, every double-quoted part (a label, a row's words inside a reason or an error body)
 * replaced by `"…"`, and at most STRING_MAX characters.
 */
export function scrubString(value: string, secrets: readonly string[] = []): string {
  let s = value;
  for (const secret of secrets) if (secret.length >= 4) s = s.split(secret).join('[redacted]');
  s = s.replace(/sk-ant-[A-Za-z0-9_-]+/g, '[redacted]').replace(/"(?:[^"\\\n]|\\.)*"/g, '"…"');
  return s.length > STRING_MAX ? `${s.slice(0, STRING_MAX - 1)}…` : s;
}

/**
 * An alarm's detail as it may leave the machine: a whitelist of finite numbers, booleans, nulls
 * and short strings (scrubString), lists of those (at most LIST_MAX), and objects of those
 * DEPTH_MAX levels deep; a field named like a row, an answer, a prompt or a key is dropped
 * (NEVER, NUMBER_ONLY). What is dropped is still in the run log, where it belongs.
 */
export function scrubDetail(
  detail: Record<string, unknown>,
  secrets: readonly string[] = [],
  depth = 1,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let fields = 0;
  for (const [name, value] of Object.entries(detail)) {
    if (fields >= FIELDS_MAX) break;
    const parts = words(name);
    if (parts.some((w) => NEVER.has(w))) continue;
    const numeric = typeof value === 'number' || typeof value === 'boolean' || value === null;
    if (!numeric && parts.some((w) => NUMBER_ONLY.has(w))) continue;
    const kept = scrubValue(value, secrets, depth);
    if (kept === undefined) continue;
    out[name] = kept;
    fields++;
  }
  return out;
}

function scrubValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return scrubString(value, secrets);
  if (Array.isArray(value)) {
    const items = value
      .filter((v) => v === null || ['number', 'boolean', 'string'].includes(typeof v))
      .slice(0, LIST_MAX)
      .map((v) => scrubValue(v, secrets, depth));
    return items.length > 0 || value.length === 0 ? items : undefined;
  }
  if (typeof value === 'object' && depth < DEPTH_MAX)
    return scrubDetail(value as Record<string, unknown>, secrets, depth + 1);
  return undefined;
}

/**
 * One line a chat shows: `batchguard: run <id> of job <name>: <kind> (<alert kind>) — <why>`,
 * the why from the scrubbed detail (its reasons, reason or error, else its first numbers).
 */
export function alertText(
  run: AlertRun,
  entry: Pick<LogEntry, 'kind'>,
  alertKind: AlertKind,
  detail: Record<string, unknown>,
): string {
  const why = whyOf(detail);
  const mode = run.mode === 'simulation' ? ' (simulation)' : '';
  const line = `batchguard: run ${run.runId} of job ${run.job}${mode}: ${entry.kind} (${alertKind})${why ? ` — ${why}` : ''}`;
  return line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX - 1)}…` : line;
}

function whyOf(detail: Record<string, unknown>): string {
  const { reasons, reason, error } = detail;
  if (Array.isArray(reasons) && reasons.length > 0) return reasons.join('; ');
  if (typeof reason === 'string' && reason) return reason;
  if (typeof error === 'string' && error) return error;
  return Object.entries(detail)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .slice(0, 4)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toPrecision(3)) : v}`)
    .join(', ');
}

/** The body POSTed for one alarm entry of the run log. */
export function alertPayload(
  run: AlertRun,
  entry: LogEntry,
  alertKind: AlertKind,
  secrets: readonly string[] = [],
): AlertPayload {
  const detail = scrubDetail(entry.detail, secrets);
  return {
    text: alertText(run, entry, alertKind, detail),
    run_id: run.runId,
    job: run.job,
    mode: run.mode,
    step: entry.step,
    kind: entry.kind,
    alert_kind: alertKind,
    at: entry.at,
    detail,
  };
}
