/**
 * The wire shapes of the Message Batches API, as ../shared/reference/batches-api.md gives them.
 * Written out here rather than imported from the SDK: the world must not depend on the client
 * it is a fake for, and these types are its specification.
 */
export type ProcessingStatus = 'in_progress' | 'canceling' | 'ended';

export interface RequestCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

export interface MessageBatchJson {
  id: string;
  type: 'message_batch';
  processing_status: ProcessingStatus;
  request_counts: RequestCounts;
  ended_at: string | null;
  created_at: string;
  expires_at: string;
  archived_at: string | null;
  cancel_initiated_at: string | null;
  results_url: string | null;
}

export interface BatchListJson {
  data: MessageBatchJson[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** A request as the world keeps it after create-time validation. */
export interface BatchRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

/** The final state of one request in the results file. */
export type ResultType = 'succeeded' | 'errored' | 'canceled' | 'expired';
