/**
 * RFC 3339 timestamps in the API's form (`2024-09-24T18:37:24.100435Z`: microseconds, `Z`),
 * computed arithmetically so that no Date object, and so no ambient time zone or clock, is
 * involved. Days-from-civil is Howard Hinnant's algorithm.
 */
export function formatRfc3339(epochMs: number): string {
  // Whole milliseconds and the sub-millisecond part apart: epochMs × 1000 is inexact past 4253.
  let wholeMs = Math.floor(epochMs);
  let subMicros = Math.round((epochMs - wholeMs) * 1000);
  if (subMicros === 1000) {
    wholeMs += 1;
    subMicros = 0;
  }
  const totalSeconds = Math.floor(wholeMs / 1000);
  const fraction = (wholeMs - totalSeconds * 1000) * 1000 + subMicros;
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

const RFC3339 =
  /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d\d):(\d\d))$/;

/**
 * Parse an RFC 3339 date-time (a `Z` or a numeric offset is required) into epoch milliseconds,
 * keeping microseconds as a fraction. Strict: anything else, or an impossible date such as
 * February 30, throws, and no ambient time zone is ever consulted.
 */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  const fail = () => new Error(`Failed to parse timestamp: "${text}" is not RFC 3339.`);
  if (!m) throw fail();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) throw fail();
  const days = daysFromCivil(year, month, day);
  if (civilFromDays(days).day !== day) throw fail();
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const fractionMs = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return (days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60) * 1000 + fractionMs;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
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
