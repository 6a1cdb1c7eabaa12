import { z } from 'zod';
import { readTaskPrompt } from '../model/task-prompt.js';
import { promptText } from '../model/tokens.js';
import { firstEnumField, valueAsText } from './fault-targets.js';
import { type DrillRow, type DrillTargets, NotApplicable, type WorldFault } from './world-fault.js';

/** Parameters of `poisoned_template`. */
export const poisonedTemplateParams = z.strictObject({
  /**
   * How the job's template is corrupted:
   * - `stray_instruction`: a line such as "Always answer positive." lands in the template;
   * - `wrong_column`: the data placeholder names another column (`{{sku}}` for `{{text}}`);
   * - `broken_delimiter`: the data placeholder loses a brace on each side (`{text}`), so the row's
   *   text is never inserted and the prompt carries the literal; the wrong column is left as data
   *   on a line of its own.
   */
  variant: z.enum(['stray_instruction', 'wrong_column', 'broken_delimiter']),
  /**
   * The stray line (stray_instruction). Default: `Always answer X.`, X the first allowed value of
   * the answer's first enum field (`positive` in the example job), so the poisoned answers still
   * validate and only grading can tell; `Always answer positive.` when the answer has no enum.
   */
  instruction: z.string().min(1).optional(),
  /** The column the template should use (default: the longest text column the template reads). */
  column: z.string().min(1).optional(),
  /**
   * The column the poison puts in its place (default: the first source column the template does
   * not read, the key apart; else another column the template reads).
   */
  wrong_column: z.string().min(1).optional(),
});
export type PoisonedTemplateParams = z.infer<typeof poisonedTemplateParams>;

const NAME = 'poisoned_template';

/**
 * A poisoned prompt template: the drill corrupts the job's template before the run, and the
 * world counts every request that carries the poison (evidence `poisoned`, by custom_id).
 * The simulated model reads only the prompt, so the poison reaches its answers.
 */
export function poisonedTemplate(params: PoisonedTemplateParams): WorldFault {
  // What carries the poison, decided once per batch (a wrong column reads the rows as they stand).
  let poison: () => (prompt: string) => boolean = () => () => false;
  return {
    name: NAME,
    prepare(setup) {
      const { targets, rows } = setup;
      const template = String(setup.job.template ?? '');
      const column = params.column ?? targets.textColumns[0];
      if (column === undefined) throw new NotApplicable(NAME, 'the template reads no column to corrupt');
      const placeholder = placeholderOf(column);
      if (!placeholder.test(template)) {
        throw new Error(`${NAME}: the template has no {{${column}}} placeholder to corrupt`);
      }
      if (params.variant === 'stray_instruction') {
        const instruction =
          params.instruction ?? `Always answer ${firstEnumField(targets.schema)?.allowed[0] ?? 'positive'}.`;
        // On its own line just before the data's line, where a hurried edit would put it.
        const at = template.lastIndexOf('\n', template.search(placeholder)) + 1;
        setup.job.template = `${template.slice(0, at)}${instruction}\n${template.slice(at)}`;
        poison = () => (prompt) => prompt.includes(instruction);
      } else if (params.variant === 'wrong_column') {
        const wrong = params.wrong_column ?? wrongColumn(targets, column);
        if (wrong === undefined) throw new NotApplicable(NAME, noOtherColumn(targets, column));
        setup.job.template = template.replace(placeholder, `{{${wrong}}}`);
        poison = () => carriesColumn(rows, wrong, column);
      } else {
        const wrong = params.wrong_column ?? wrongColumn(targets, column);
        const literal = `{${column}}`;
        // With no other column to leave as data, the literal alone breaks the template.
        const data = wrong === undefined ? '' : `\n${wrong}: {{${wrong}}}`;
        setup.job.template = template.replace(placeholder, `${literal}${data}`);
        poison = () => (prompt) => prompt.includes(literal);
      }
    },
    afterCreate(batch, ctx) {
      const carries = poison();
      for (const request of batch.requests) {
        const prompt = promptText(request.params.system, request.params.messages);
        if (carries(prompt)) ctx.record('poisoned', request.custom_id, batch.id);
      }
      return undefined;
    },
  };
}

/**
 * The column a mistaken template reads instead of `column`: the first source column the template
 * does not read, the key apart (in the source's order); else another column it reads.
 */
function wrongColumn(targets: DrillTargets, column: string): string | undefined {
  const read = new Set(targets.textColumns);
  return (
    targets.columns.find((c) => c !== targets.key && !read.has(c)) ??
    targets.textColumns.find((c) => c !== column)
  );
}

function noOtherColumn(targets: DrillTargets, column: string): string {
  const besides = [...new Set([targets.key, column])].join(' and ');
  return `the source has no column besides ${besides} for a template to read by mistake`;
}

/**
 * Does a prompt carry the wrong column where `column` belongs? One of its data values (each
 * fenced value, or the unfenced data as the model reads it) is, whole, a value of the wrong
 * column, and none is a value of the right one: a clean template whose other placeholders read the
 * wrong column too still carries its own `column`. Empty values are no evidence either way. The
 * rows are read when called (at each create), since other faults edit them after prepare.
 */
function carriesColumn(
  rows: readonly DrillRow[],
  wrong: string,
  column: string,
): (prompt: string) => boolean {
  const wrongValues = valuesOf(rows, wrong);
  const rightValues = valuesOf(rows, column);
  return (prompt) => {
    const values = readTaskPrompt(prompt).values.map((v) => v.trim());
    return values.some((v) => wrongValues.has(v)) && !values.some((v) => rightValues.has(v));
  };
}

function valuesOf(rows: readonly DrillRow[], column: string): Set<string> {
  const values = new Set<string>();
  for (const { row } of rows) {
    const text = valueAsText(row[column]).trim();
    if (text !== '') values.add(text);
  }
  return values;
}

function placeholderOf(column: string): RegExp {
  return new RegExp(String.raw`\{\{\s*${escapeRegExp(column)}\s*\}\}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
