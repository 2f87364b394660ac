// The condition language of an analysis metric: a small, closed grammar over the query's `result`, parsed
// once when the spec is read and evaluated by walking the tree. Nothing is ever handed to eval or Function,
// so a condition can compute and compare, and nothing else.
//
//   condition  := or
//   or         := and (("or" | "||") and)*
//   and        := not (("and" | "&&") not)*
//   not        := ("not" | "!") not | comparison
//   comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//   sum        := product (("+" | "-") product)*
//   product    := unary (("*" | "/") unary)*
//   unary      := "-" unary | primary
//   primary    := number | "true" | "false" | "result" | "result" "[" integer "]" | "len" "(" "result" ")"
//               | "(" condition ")"
//
// `result` is the first value of the query's answer, `result[i]` the i-th (0-based), `len(result)` how many
// series answered. A value the answer does not have (no data, an index past the end) makes the measurement
// inconclusive rather than true or false.

export type Condition =
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'value'; index: number }
  | { kind: 'length' }
  | { kind: 'negate'; operand: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'arithmetic'; op: '+' | '-' | '*' | '/'; left: Condition; right: Condition }
  | { kind: 'compare'; op: '<' | '<=' | '>' | '>=' | '==' | '!='; left: Condition; right: Condition }
  | { kind: 'logical'; op: 'and' | 'or'; left: Condition; right: Condition };

/** The longest condition accepted: conditions are one comparison or a few, never programs. */
export const MAX_CONDITION_LENGTH = 500;
const MAX_DEPTH = 32;
const MAX_INDEX = 999;

/** A condition that cannot be parsed; `position` is the 0-based offset of the problem. */
export class ConditionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at character ${position + 1}`);
    this.name = 'ConditionSyntaxError';
  }
}

/** A measurement the condition cannot decide: the answer lacks a value it reads. */
export class MissingValue extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MissingValue';
  }
}

type Token =
  | { type: 'number'; value: number; at: number }
  | { type: 'word'; value: string; at: number }
  | { type: 'op'; value: string; at: number }
  | { type: 'end'; at: number };

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '(', ')', '[', ']'];
const WORDS = new Set(['result', 'len', 'and', 'or', 'not', 'true', 'false']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      if (!WORDS.has(word[0]))
        throw new ConditionSyntaxError(
          `unknown name "${word[0]}" (a condition knows result, result[i], len(result), numbers, true, false, and, or, not)`,
          i,
        );
      tokens.push({ type: 'word', value: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (!op) throw new ConditionSyntaxError(`unexpected character ${JSON.stringify(text[i])}`, i);
    tokens.push({ type: 'op', value: op, at: i });
    i += op.length;
  }
  tokens.push({ type: 'end', at: text.length });
  return tokens;
}

type ValueType = 'number' | 'boolean';

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  private isOp(...values: string[]): boolean {
    const token = this.peek();
    return (token.type === 'op' || token.type === 'word') && values.includes(token.value);
  }

  private expect(value: string): void {
    const token = this.next();
    if ((token.type !== 'op' && token.type !== 'word') || token.value !== value)
      throw new ConditionSyntaxError(`expected "${value}", found ${describe(token)}`, token.at);
  }

  parseAll(): { node: Condition; type: ValueType } {
    const parsed = this.or();
    const rest = this.peek();
    if (rest.type !== 'end') throw new ConditionSyntaxError(`unexpected ${describe(rest)}`, rest.at);
    return parsed;
  }

  private nested<T>(at: number, parse: () => T): T {
    if (++this.depth > MAX_DEPTH)
      throw new ConditionSyntaxError(`nested deeper than ${MAX_DEPTH} levels`, at);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private or(): { node: Condition; type: ValueType } {
    return this.logical('or', '||', () => this.and());
  }

  private and(): { node: Condition; type: ValueType } {
    return this.logical('and', '&&', () => this.not());
  }

  /** A left-associative run of one logical operator (`or`/`||`, `and`/`&&`) over boolean operands. */
  private logical(
    op: 'and' | 'or',
    symbol: string,
    operand: () => { node: Condition; type: ValueType },
  ): { node: Condition; type: ValueType } {
    let left = operand();
    while (this.isOp(op, symbol)) {
      const at = this.next().at;
      const right = operand();
      left = {
        node: { kind: 'logical', op, left: want(left, 'boolean', at), right: want(right, 'boolean', at) },
        type: 'boolean',
      };
    }
    return left;
  }

  private not(): { node: Condition; type: ValueType } {
    if (this.isOp('not', '!')) {
      const at = this.next().at;
      return this.nested(at, () => ({
        node: { kind: 'not', operand: want(this.not(), 'boolean', at) },
        type: 'boolean',
      }));
    }
    return this.comparison();
  }

  private comparison(): { node: Condition; type: ValueType } {
    const left = this.sum();
    if (!this.isOp('<', '<=', '>', '>=', '==', '!=')) return left;
    const token = this.next();
    const op = (token as { value: string }).value as '<' | '<=' | '>' | '>=' | '==' | '!=';
    const right = this.sum();
    if (this.isOp('<', '<=', '>', '>=', '==', '!='))
      throw new ConditionSyntaxError('comparisons do not chain: join them with "and"', this.peek().at);
    if ((op === '==' || op === '!=') && left.type === 'boolean' && right.type === 'boolean')
      return { node: { kind: 'compare', op, left: left.node, right: right.node }, type: 'boolean' };
    return {
      node: {
        kind: 'compare',
        op,
        left: want(left, 'number', token.at),
        right: want(right, 'number', token.at),
      },
      type: 'boolean',
    };
  }

  private sum(): { node: Condition; type: ValueType } {
    let left = this.product();
    while (this.isOp('+', '-')) {
      const token = this.next() as { value: '+' | '-'; at: number };
      const right = this.product();
      left = {
        node: {
          kind: 'arithmetic',
          op: token.value,
          left: want(left, 'number', token.at),
          right: want(right, 'number', token.at),
        },
        type: 'number',
      };
    }
    return left;
  }

  private product(): { node: Condition; type: ValueType } {
    let left = this.unary();
    while (this.isOp('*', '/')) {
      const token = this.next() as { value: '*' | '/'; at: number };
      const right = this.unary();
      left = {
        node: {
          kind: 'arithmetic',
          op: token.value,
          left: want(left, 'number', token.at),
          right: want(right, 'number', token.at),
        },
        type: 'number',
      };
    }
    return left;
  }

  private unary(): { node: Condition; type: ValueType } {
    if (this.isOp('-')) {
      const at = this.next().at;
      return this.nested(at, () => ({
        node: { kind: 'negate', operand: want(this.unary(), 'number', at) },
        type: 'number',
      }));
    }
    return this.primary();
  }

  private primary(): { node: Condition; type: ValueType } {
    const token = this.next();
    if (token.type === 'number') return { node: { kind: 'number', value: token.value }, type: 'number' };
    if (token.type === 'word') {
      switch (token.value) {
        case 'true':
        case 'false':
          return { node: { kind: 'boolean', value: token.value === 'true' }, type: 'boolean' };
        case 'result': {
          if (!this.isOp('[')) return { node: { kind: 'value', index: 0 }, type: 'number' };
          this.next();
          const index = this.next();
          if (index.type !== 'number' || !Number.isInteger(index.value) || index.value > MAX_INDEX)
            throw new ConditionSyntaxError(`result[…] takes a whole number from 0 to ${MAX_INDEX}`, index.at);
          this.expect(']');
          return { node: { kind: 'value', index: index.value }, type: 'number' };
        }
        case 'len':
          this.expect('(');
          this.expect('result');
          this.expect(')');
          return { node: { kind: 'length' }, type: 'number' };
        default:
          throw new ConditionSyntaxError(`unexpected "${token.value}"`, token.at);
      }
    }
    if (token.type === 'op' && token.value === '(') {
      return this.nested(token.at, () => {
        const inner = this.or();
        this.expect(')');
        return inner;
      });
    }
    throw new ConditionSyntaxError(
      token.type === 'end' ? 'the condition ends too early' : `unexpected ${describe(token)}`,
      token.at,
    );
  }
}

function describe(token: Token): string {
  if (token.type === 'end') return 'the end';
  return `"${token.value}"`;
}

function want(parsed: { node: Condition; type: ValueType }, type: ValueType, at: number): Condition {
  if (parsed.type !== type)
    throw new ConditionSyntaxError(
      type === 'number'
        ? 'a true/false value where a number belongs'
        : 'a number where a true/false value belongs (compare it: result < 0.01)',
      at,
    );
  return parsed.node;
}

/** Parses a condition; it must be true or false as a whole (`result < 0.01`, not `result`). */
export function parseCondition(text: string): Condition {
  if (text.length > MAX_CONDITION_LENGTH)
    throw new ConditionSyntaxError(`longer than ${MAX_CONDITION_LENGTH} characters`, MAX_CONDITION_LENGTH);
  const parsed = new Parser(tokenize(text)).parseAll();
  if (parsed.type !== 'boolean')
    throw new ConditionSyntaxError(
      'the condition is a number, not true or false: compare it (result < 0.01)',
      0,
    );
  return parsed.node;
}

/**
 * Evaluates a parsed condition against the query's values. Comparisons with NaN are false, as in PromQL;
 * a value the answer lacks throws MissingValue (the measurement is inconclusive).
 */
export function evaluateCondition(condition: Condition, values: readonly number[]): boolean {
  const value = evaluate(condition, values);
  return value === true;
}

function evaluate(node: Condition, values: readonly number[]): number | boolean {
  switch (node.kind) {
    case 'number':
    case 'boolean':
      return node.value;
    case 'value': {
      const value = values[node.index];
      if (value === undefined)
        throw new MissingValue(
          values.length === 0
            ? 'the query returned no data'
            : `result[${node.index}] does not exist: the query returned ${values.length} value${values.length === 1 ? '' : 's'}`,
        );
      return value;
    }
    case 'length':
      return values.length;
    case 'negate':
      return -(evaluate(node.operand, values) as number);
    case 'not':
      return !(evaluate(node.operand, values) as boolean);
    case 'arithmetic': {
      const left = evaluate(node.left, values) as number;
      const right = evaluate(node.right, values) as number;
      switch (node.op) {
        case '+':
          return left + right;
        case '-':
          return left - right;
        case '*':
          return left * right;
        case '/':
          return left / right;
      }
      break;
    }
    case 'compare': {
      const left = evaluate(node.left, values);
      const right = evaluate(node.right, values);
      switch (node.op) {
        case '<':
          return left < right;
        case '<=':
          return left <= right;
        case '>':
          return left > right;
        case '>=':
          return left >= right;
        case '==':
          return left === right;
        case '!=':
          return left !== right;
      }
      break;
    }
    case 'logical': {
      // short-circuit, so a guard works: `len(result) > 0 and result < 0.01` never reads a missing value
      const left = evaluate(node.left, values) as boolean;
      if (node.op === 'and' ? !left : left) return left;
      return evaluate(node.right, values) as boolean;
    }
  }
  throw new Error('unreachable');
}
