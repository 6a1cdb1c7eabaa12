import { z } from 'zod';

/** A probability or share, 0..1. */
export const share = z.number().min(0).max(1);

/** Creation-order indexes of the batches a fault hits (0 is the first batch the world creates). */
export const batchIndexes = z.array(z.int().min(0)).min(1);
