/**
 * The smallest job file the loader takes (every other key defaulted), for tests that build a job
 * from text: a source, its key, a template, a schema, a model, max_tokens and a cost ceiling.
 * The files it names must exist beside the job file.
 */
export const MINIMAL_JOB_YAML = `
source: reviews.csv
key: id
template: "Classify: {{text}}"
schema: {type: object}
models: {primary: claude-haiku-4-5}
max_tokens: 200
cost_ceiling_usd: 5
`;
