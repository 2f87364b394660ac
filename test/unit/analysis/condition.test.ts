import {
  ConditionSyntaxError,
  MissingValue,
  evaluateCondition,
  parseCondition,
} from '../../../packages/analysis/condition';

const holds = (text: string, values: number[]) => evaluateCondition(parseCondition(text), values);

function syntaxError(text: string): string {
  try {
    parseCondition(text);
  } catch (error) {
    if (error instanceof ConditionSyntaxError) return error.message;
    throw error;
  }
  throw new Error(`"${text}" parsed`);
}

describe('the condition language', () => {
  it.each([
    ['result < 0.01', [0.005], true],
    ['result < 0.01', [0.02], false],
    ['result <= 1 and result >= 1', [1], true],
    ['result[1] > result[0]', [1, 2], true],
    ['len(result) == 0 or result < 5', [], true],
    ['len(result) > 0 && result[0] < 5', [], false],
    ['not (result > 3)', [2], true],
    ['!(result > 3) || false', [4], false],
    ['result * 100 - 1 < 4', [0.04], true],
    ['-result > -1', [0.5], true],
    ['result / 2 == 0.25', [0.5], true],
    ['1e-3 < result', [0.01], true],
    ['true', [], true],
    ['(result < 1) == true', [0], true],
  ])('%s with %j is %s', (text, values, expected) => {
    expect(holds(text, values)).toBe(expected);
  });

  it('compares NaN as PromQL does: never less, greater or equal', () => {
    expect(holds('result < 1', [Number.NaN])).toBe(false);
    expect(holds('result >= 1', [Number.NaN])).toBe(false);
    expect(holds('result == result', [Number.NaN])).toBe(false);
  });

  it('makes a value the answer lacks a MissingValue, never true or false', () => {
    expect(() => holds('result < 0.01', [])).toThrow(MissingValue);
    expect(() => holds('result < 0.01', [])).toThrow('the query returned no data');
    expect(() => holds('result[2] < 1', [1, 2])).toThrow(
      'result[2] does not exist: the query returned 2 values',
    );
  });

  it.each([
    ['result', 'the condition is a number, not true or false'],
    ['result < ', 'the condition ends too early'],
    ['result < 1 < 2', 'comparisons do not chain'],
    ['process.exit(1)', 'unknown name "process"'],
    ['constructor', 'unknown name "constructor"'],
    ["result < 1; require('fs')", 'unexpected character ";"'],
    ['result[-1] < 1', 'result[…] takes a whole number'],
    ['result[1.5] < 1', 'result[…] takes a whole number'],
    ['len(x) > 1', 'unknown name "x"'],
    ['(result < 1', 'expected ")"'],
    ['result < 1 and 2', 'a number where a true/false value belongs'],
    ['(result < 1) + 1 > 0', 'a true/false value where a number belongs'],
    ['`result`', 'unexpected character "`"'],
  ])('refuses %j: %s', (text, reason) => {
    expect(syntaxError(text)).toContain(reason);
  });

  it('refuses a condition nested or long enough to be a program', () => {
    expect(syntaxError(`${'('.repeat(40)}result < 1${')'.repeat(40)}`)).toContain(
      'nested deeper than 32 levels',
    );
    expect(syntaxError(`result < ${'1'.repeat(600)}`)).toContain('longer than 500 characters');
    expect(syntaxError(`${'not '.repeat(40)}true`)).toContain('nested deeper');
  });

  it('says where the problem is', () => {
    expect(syntaxError('result < < 1')).toBe('unexpected "<" at character 10');
  });
});
