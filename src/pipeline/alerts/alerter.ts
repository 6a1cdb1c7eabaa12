import type { AlertKind, Job } from '../job/job.js';
import type { LogEntry } from '../run/run-log.js';
import { alertKindOf } from './alert-kind.js';
import type { AlertOutbox, FlushResult } from './alert-outbox.js';
import { type AlertRun, alertPayload } from './alert-payload.js';

/**
 * Pages of one alarm kind (`canary_halted`, `missing_ids`…; a `trend_alarm` per metric) a run
 * sends; later ones are only logged.
 */
export const PAGES_PER_KIND = 1;

/**
 * One run's pager: every alarm of the run log is handed to `notify`; one of a kind the job's
 * `alerts.page` names is POSTed to `alerts.webhook` through the outbox (fire-and-forget), scrubbed
 * of rows, answers and the API key. Nothing pages without a webhook, or without an outbox (tests
 * and drills run without one, so a drill of a team's job never pages the team).
 */
export class Alerter {
  private readonly sent = new Map<string, number>();
  private readonly page: ReadonlySet<AlertKind>;

  constructor(
    private readonly alerts: Job['alerts'],
    private readonly run: AlertRun,
    private readonly outbox: AlertOutbox | undefined,
    /** Strings never to send (the API key), redacted wherever they occur. */
    private readonly secrets: readonly string[] = [],
  ) {
    this.page = new Set(alerts?.page ?? []);
  }

  /** Does this alarm page? Its alert kind when it does, else null. */
  pages(entry: LogEntry): AlertKind | null {
    if (!this.alerts?.webhook || !this.outbox) return null;
    const kind = alertKindOf(entry);
    return kind !== null && this.page.has(kind) ? kind : null;
  }

  /** Page this entry if it is an alarm that pages. Returns at once; never throws. */
  notify(entry: LogEntry): void {
    try {
      const kind = this.pages(entry);
      if (kind === null) return;
      // One page says the run needs a person; ten more of the same (a missing id per batch) say no more.
      const key =
        typeof entry.detail.metric === 'string' ? `${entry.kind}:${entry.detail.metric}` : entry.kind;
      const count = this.sent.get(key) ?? 0;
      if (count >= PAGES_PER_KIND) return;
      this.sent.set(key, count + 1);
      this.outbox!.send(this.alerts!.webhook!, alertPayload(this.run, entry, kind, this.secrets));
    } catch {
      // Paging is best effort: an alarm is in the run log whatever happens here.
    }
  }

  /** Wait for this process's deliveries under way, at most `timeoutMs` (see AlertOutbox.flush). */
  flush(timeoutMs: number): Promise<FlushResult> {
    return this.outbox?.flush(timeoutMs) ?? Promise.resolve({ abandoned: 0 });
  }
}
