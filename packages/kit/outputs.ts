import { runner } from './runner';
import { containsSecret } from './secrets';

export type OutputValue = string | number | boolean | object;

export interface Outputs<N extends string> {
  readonly names: readonly N[];
  /** Objects and arrays are written as JSON; everything else as text. */
  set(name: N, value: OutputValue): void;
  /** What was written so far, for the job summary and for tests. */
  written(): Readonly<Partial<Record<N, string>>>;
}

/**
 * The outputs an action declares in its action.yml. Writing an undeclared name is a type error, and a
 * test checks that these names and action.yml agree.
 */
export function defineOutputs<const N extends string>(names: readonly N[]): Outputs<N> {
  const values: Partial<Record<N, string>> = {};
  return {
    names,
    set(name, value) {
      if (!names.includes(name)) throw new Error(`output "${name}" is not declared`);
      const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
      // An output lands in logs and in later steps' inputs: a secret in it is a bug, never a feature.
      if (containsSecret(text)) throw new Error(`output "${name}" would expose a secret value`);
      values[name] = text;
      runner.setOutput(name, text);
    },
    written: () => ({ ...values }),
  };
}
