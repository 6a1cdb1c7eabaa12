import type { FaultContext, WorldFault } from './world-fault.js';

/** A fault with the context its hooks get in one world: the world's seed, evidence and source. */
export interface BoundFault {
  fault: WorldFault;
  ctx: FaultContext;
}
