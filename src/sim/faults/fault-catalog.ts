import type { z } from 'zod';
import { costRunaway, costRunawayParams } from './cost-runaway.js';
import { expiry, expiryParams } from './expiry.js';
import { poisonedTemplate, poisonedTemplateParams } from './poisoned-template.js';
import { promptInjection, promptInjectionParams } from './prompt-injection.js';
import { schemaDrift, schemaDriftParams } from './schema-drift.js';
import { silentPartialDrop, silentPartialDropParams } from './silent-partial-drop.js';
import { staleMapping, staleMappingParams } from './stale-mapping.js';
import type { WorldFault } from './world-fault.js';

interface FaultFamily<P> {
  params: z.ZodType<P>;
  build(params: P): WorldFault;
}

function family<P>(params: z.ZodType<P>, build: (params: P) => WorldFault): FaultFamily<unknown> {
  return { params, build: build as (params: unknown) => WorldFault };
}

/**
 * The seven fault families, by failure-mode identifier, each with the schema of its documented
 * parameters. Scenarios name a family and give its parameters; this is the only table of them.
 */
export const FAULT_FAMILIES = {
  silent_partial_drop: family(silentPartialDropParams, silentPartialDrop),
  poisoned_template: family(poisonedTemplateParams, poisonedTemplate),
  cost_runaway: family(costRunawayParams, costRunaway),
  schema_drift: family(schemaDriftParams, schemaDrift),
  stale_mapping: family(staleMappingParams, staleMapping),
  expiry: family(expiryParams, expiry),
  prompt_injection: family(promptInjectionParams, promptInjection),
} as const;

export type FaultFamilyName = keyof typeof FAULT_FAMILIES;
