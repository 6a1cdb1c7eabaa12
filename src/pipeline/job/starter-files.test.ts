import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { starterCost } from './starter-cost.js';
import { starterJobYaml, yamlString } from './starter-files.js';

describe('the starter job file', () => {
  it('writes each string as a YAML scalar that reads back as itself', () => {
    const odd = [
      'id',
      'yes',
      'No',
      'null',
      '~',
      '1.csv',
      '../data/x.jsonl',
      'a: b',
      '#x',
      'say "hi"',
      ' pad ',
      'x\ny',
      '- item',
      '',
    ];
    for (const value of odd) expect(YAML.parse(`k: ${yamlString(value)}`)).toEqual({ k: value });
    expect(yamlString('reviews.csv')).toBe('reviews.csv');
    expect(yamlString('../data/x.jsonl')).toBe('../data/x.jsonl');
  });

  it('reads back as the key, template columns and ceiling it was given', () => {
    const template = 'x {{a}} {{b}}';
    const cost = starterCost({
      rows: 10,
      chars: 1000,
      template,
      maxTokens: 200,
      models: ['claude-haiku-4-5'],
    });
    const text = starterJobYaml(
      { name: 'true', source: 'in/x.csv', key: 'null', text: ['Note A', 'b'] },
      cost,
    );
    const raw = YAML.parse(text);
    expect(raw).toMatchObject({
      name: 'true',
      source: 'in/x.csv',
      key: 'null',
      cost_ceiling_usd: cost.ceilingUsd,
    });
    expect(raw.template).toMatch(/\nNote A: \{\{Note A\}\}\nb: \{\{b\}\}\n$/);
  });
});
