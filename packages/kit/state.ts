import { runner } from './runner';
import { containsSecret } from './secrets';

const POST_FLAG = 'swiss-deploy-post';

/**
 * A typed value saved by `main` for the `post` step. The post step reads this, not its inputs: inputs
 * may have been computed from outputs that no longer exist when it runs. Fields listed as secret are
 * stripped, and saving fails if any other field still holds a registered secret.
 */
export class SavedState<T extends object, S extends keyof T = never> {
  constructor(
    private readonly key: string,
    private readonly secretFields: readonly S[] = [],
  ) {}

  save(value: T): void {
    const copy = { ...value } as Record<string, unknown>;
    for (const field of this.secretFields) delete copy[field as string];
    const text = JSON.stringify(copy);
    if (containsSecret(text)) throw new Error(`state "${this.key}" would store a secret value`);
    runner.saveState(this.key, text);
  }

  /** The saved value without its secret fields, or undefined when main never saved it. */
  load(): Omit<T, S> | undefined {
    const text = runner.getState(this.key);
    if (text === '') return undefined;
    return JSON.parse(text) as Omit<T, S>;
  }
}

/** Marks this run as having a post step to come; see runAction. */
export function markPostPending(): void {
  runner.saveState(POST_FLAG, 'true');
}

/** True inside the post step: the runner hands back the flag main saved as STATE_<name>. */
export function isPostStep(): boolean {
  return runner.getState(POST_FLAG) === 'true';
}
