import type { RouteName } from '../faults/http-fault.js';
import type { FaultEvidence } from '../faults/world-fault.js';

/** One batch's bill: succeeded rows only, at batch prices. */
export interface BillingEntry {
  batchId: string;
  succeededRows: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** One time an HTTP fault fired. */
export interface HttpFaultEvidence {
  name: string;
  /** The failure mode the fault belongs to, or 'http' for a background fault. */
  family: string;
  route: RouteName;
  key: string;
  attempt: number;
  atMs: number;
}

/**
 * What the world did, kept where checkers and tests can read it and the pipeline cannot.
 * Checkers only read it.
 */
export interface GroundTruth {
  billing: BillingEntry[];
  httpFaults: HttpFaultEvidence[];
  /** What the failure-mode faults did: ids dropped, poisoned, remapped, expired, injected… */
  evidence: FaultEvidence[];
  /** Ids of deleted batches, in order. */
  deleted: string[];
  /** Exceptions thrown inside the simulation (bugs), answered as 500s. Tests expect none. */
  internalErrors: { route: RouteName; message: string }[];
}
