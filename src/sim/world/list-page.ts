import { ApiError } from './api-error.js';

export interface ListQuery {
  limit?: string | null;
  after_id?: string | null;
  before_id?: string | null;
}

/** `limit` defaults to 20 and ranges from 1 to 1000 (the newer SDK's documented range). */
export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 1000;

/**
 * One page of a newest-first list, cursor-paged like the API: `after_id` pages toward older
 * items, `before_id` toward newer ones; `has_more` says whether more lie in that direction.
 */
export function listPage<T extends { id: string }>(
  newestFirst: readonly T[],
  query: ListQuery,
): { data: T[]; has_more: boolean; first_id: string | null; last_id: string | null } {
  const limit = parseLimit(query.limit);
  if (query.after_id && query.before_id) {
    throw new ApiError('invalid_request_error', 'Only one of before_id or after_id may be given.');
  }
  let data: T[];
  let hasMore: boolean;
  if (query.after_id) {
    const start = newestFirst.findIndex((item) => item.id === query.after_id) + 1;
    data = start === 0 ? [] : newestFirst.slice(start, start + limit);
    hasMore = start !== 0 && start + limit < newestFirst.length;
  } else if (query.before_id) {
    const end = newestFirst.findIndex((item) => item.id === query.before_id);
    data = end <= 0 ? [] : newestFirst.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    data = newestFirst.slice(0, limit);
    hasMore = limit < newestFirst.length;
  }
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

function parseLimit(raw: string | null | undefined): number {
  if (raw === undefined || raw === null || raw === '') return LIST_LIMIT_DEFAULT;
  if (!/^-?\d+$/.test(raw)) {
    throw new ApiError(
      'invalid_request_error',
      'limit: Input should be a valid integer, unable to parse string as an integer',
    );
  }
  const limit = Number(raw);
  if (limit < 1)
    throw new ApiError('invalid_request_error', 'limit: Input should be greater than or equal to 1');
  if (limit > LIST_LIMIT_MAX) {
    throw new ApiError(
      'invalid_request_error',
      `limit: Input should be less than or equal to ${LIST_LIMIT_MAX}`,
    );
  }
  return limit;
}
