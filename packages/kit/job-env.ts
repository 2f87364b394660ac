import { runner } from './runner';

/** Sets a variable for this process and the job's later steps: how a trace context reaches the next step. */
export function exportVariable(name: string, value: string): void {
  runner.exportVariable(name, value);
}
