import { isObject } from './validate-create.js';

/*
 * A request's `tools` and `tool_choice`, checked as the Messages API checks them, for the custom
 * tools a job declares (a `type` other than `custom` is a server tool, which the world does not
 * model, and passes). The reference (batches-api.md) says nothing about tools: the name pattern
 * ^[a-zA-Z0-9_-]{1,64}$ is the one the API's 400s quote ("tools.0.custom.name: String should
 * match pattern …", seen in public issue threads), input_schema's `type: 'object'` is the SDK's
 * Tool.InputSchema, and the rest of the wording follows the API's other field errors.
 */

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const CHOICES = ['auto', 'any', 'tool', 'none'];

/** The first problem with the request's tools and tool_choice, in the API's words, or null. */
export function toolsProblem(params: Record<string, unknown>): string | null {
  const { tools, tool_choice: choice } = params;
  const names = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
    for (let i = 0; i < tools.length; i++) {
      const problem = customToolProblem(tools[i], `tools.${i}`);
      if (problem) return problem;
      const name = (tools[i] as { name: string }).name;
      if (names.has(name)) return 'tools: Tool names must be unique.';
      names.add(name);
    }
  }
  if (choice === undefined) return null;
  if (!isObject(choice)) return 'tool_choice: Input should be a valid dictionary or object';
  if (!CHOICES.includes(choice.type as string))
    return `tool_choice: Input tag '${String(choice.type)}' found using 'type' does not match any of the expected tags: ${CHOICES.map((c) => `'${c}'`).join(', ')}`;
  if (choice.type === 'none' || choice.type === 'auto') return null;
  if (names.size === 0) return 'tool_choice: tool_choice may only be specified while providing tools';
  if (choice.type !== 'tool') return null;
  if (typeof choice.name !== 'string') return 'tool_choice.tool.name: Field required';
  if (!names.has(choice.name)) return `tool_choice.tool.name: Tool '${choice.name}' not found in tools`;
  return null;
}

function customToolProblem(tool: unknown, path: string): string | null {
  if (!isObject(tool)) return `${path}: Input should be a valid dictionary or object`;
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    return typeof tool.name === 'string' ? null : `${path}.name: Field required`;
  }
  const at = `${path}.custom`;
  if (tool.name === undefined) return `${at}.name: Field required`;
  if (typeof tool.name !== 'string') return `${at}.name: Input should be a valid string`;
  if (!TOOL_NAME.test(tool.name)) return `${at}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
  if (tool.input_schema === undefined) return `${at}.input_schema: Field required`;
  if (!isObject(tool.input_schema)) return `${at}.input_schema: Input should be a valid dictionary or object`;
  if (tool.input_schema.type !== 'object') return `${at}.input_schema.type: Input should be 'object'`;
  if (tool.description !== undefined && typeof tool.description !== 'string')
    return `${at}.description: Input should be a valid string`;
  return null;
}
