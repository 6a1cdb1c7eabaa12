/*
 * Number formatting lives in src/core/numbers.ts, where every area (the UI and the pipeline's
 * reports included) may import it. This path stays for the callers that import it here.
 */
export { countOf, formatCount, formatShare, formatUsd } from '../core/numbers.js';
