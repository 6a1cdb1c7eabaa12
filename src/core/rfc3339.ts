/**
 * RFC 3339 timestamps in the API's form (`2024-09-24T18:37:24.100435Z`: microseconds, `Z`),
 * computed arithmetically so that no Date object, and so no ambient time zone or clock, is
 * involved. Days-from-civil is Howard Hinnant's algorithm.
 */
export function formatRfc3339(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const totalSeconds = Math.floor(micros / 1_000_000);
  const fraction = micros - totalSeconds * 1_000_000;
  const days = Math.floor(totalSeconds / 86_400);
  const secondsOfDay = totalSeconds - days * 86_400;
  const { year, month, day } = civilFromDays(days);
  const hh = Math.floor(secondsOfDay / 3600);
  const mm = Math.floor((secondsOfDay % 3600) / 60);
  const ss = secondsOfDay % 60;
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}` +
    `.${pad(fraction, 6)}Z`
  );
}

/** Parse an RFC 3339 timestamp with a `Z` or numeric offset into epoch milliseconds. */
export function parseRfc3339(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`Failed to parse timestamp: "${text}" is not RFC 3339.`);
  const micros = /\.\d{3}(\d{1,3})/.exec(text)?.[1];
  return micros ? ms + Number(micros.padEnd(3, '0')) / 1000 : ms;
}

function civilFromDays(z0: number): { year: number; month: number; day: number } {
  const z = z0 + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
