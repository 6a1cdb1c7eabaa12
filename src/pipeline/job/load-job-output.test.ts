import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MINIMAL_JOB_YAML as MINIMAL } from '../../../test/support/job-yaml.js';
import { UsageError } from '../../core/errors.js';
import { parseJob } from './load-job.js';

const dir = mkdtempSync(join(tmpdir(), 'batchguard-job-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'reviews.csv'), 'id,text\nr1,great\n');
const jobPath = join(dir, 'job.yaml');

function problemsOf(text: string): string[] {
  try {
    parseJob(text, jobPath);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^ {2}- /, ''));
  }
  throw new Error('the job loaded');
}

describe('the output key: answers as text or as a forced tool call', () => {
  it('defaults to text answers, with the tool name record_answer kept for a later switch', () => {
    expect(parseJob(MINIMAL, jobPath).output).toEqual({ mode: 'text', toolName: 'record_answer' });
  });

  it('reads mode tool and a tool name', () => {
    expect(parseJob(`${MINIMAL}output: {mode: tool}\n`, jobPath).output).toEqual({
      mode: 'tool',
      toolName: 'record_answer',
    });
    expect(parseJob(`${MINIMAL}output: {mode: tool, tool_name: classify-1}\n`, jobPath).output).toEqual({
      mode: 'tool',
      toolName: 'classify-1',
    });
  });

  it('refuses an unknown mode, a tool name the API would refuse, and unknown keys', () => {
    expect(problemsOf(`${MINIMAL}output: {mode: json, tool_name: "record answer", name: x}\n`)).toEqual([
      'output.mode: must be one of text, tool, not "json"',
      "output.tool_name: must be 1 to 64 letters, digits, _ or - (the API's rule for tool names)",
      'output.name: unknown key',
    ]);
    expect(problemsOf(`${MINIMAL}output: {mode: tool, tool_name: ${'a'.repeat(65)}}\n`)).toHaveLength(1);
  });

  it('refuses mode tool with an output schema that is not of type object (the input_schema must be)', () => {
    const text = MINIMAL.replace(/^schema: .*$/m, 'schema: {type: array}');
    expect(problemsOf(`${text}output: {mode: tool}\n`)).toEqual([
      'schema: must have "type": "object" with output mode tool: it is sent as the tool\'s input_schema',
    ]);
    expect(parseJob(text, jobPath).output?.mode).toBe('text');
  });
});
