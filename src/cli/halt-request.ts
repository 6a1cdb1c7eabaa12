import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * How `batchguard halt` reaches a run that another process holds: DuckDB lets one process at a
 * time open the run database, so the halt leaves a request file beside it (`<db>.halt`, the run
 * id inside) and the running process reads it at each poll (Env.haltRequested), halts itself,
 * cancels its batches in flight, and exits; then the halt command opens the database and reports.
 */
export function haltRequestPath(dbPath: string): string {
  return `${resolve(dbPath)}.halt`;
}

/** Ask whichever process holds `dbPath` to halt `runId` (written whole, or not at all). */
export function requestHalt(dbPath: string, runId: string): void {
  const path = haltRequestPath(dbPath);
  writeFileSync(`${path}.partial`, `${runId}\n`);
  renameSync(`${path}.partial`, path);
}

/** Env.haltRequested for a run kept in `dbPath`: true once a halt names that run. */
export function haltRequestedIn(dbPath: string): (runId: string) => boolean {
  const path = haltRequestPath(dbPath);
  return (runId) => {
    if (!existsSync(path)) return false;
    try {
      return readFileSync(path, 'utf8').trim() === runId;
    } catch {
      return false;
    }
  };
}

/** Remove a halt request once it has been carried out. */
export function clearHaltRequest(dbPath: string): void {
  rmSync(haltRequestPath(dbPath), { force: true });
}
