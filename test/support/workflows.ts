import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

/** Errors GitHub's own workflow parser reports for a workflow file (empty when it is valid). */
export function workflowSchemaErrors(file: string): string[] {
  const result = parseWorkflow(
    { name: file, content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  return result.context.errors.getErrors().map((error) => error.message);
}

/** Errors GitHub's own action parser reports for an action.yml (empty when it is valid). */
export function actionSchemaErrors(file: string): string[] {
  const result = parseAction(
    { name: file, content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  return result.context.errors.getErrors().map((error) => error.message);
}

interface WorkflowDoc {
  jobs?: Record<string, { steps?: { name?: string; run?: string }[] }>;
  runs?: { steps?: { name?: string; run?: string }[] };
}

/**
 * `${{ }}` expressions inside `run:` scripts. Every value reaches a script through `env:` instead, so
 * no event text (a PR title, a branch name) or input can ever be read as shell code.
 */
export function expressionsInRunScripts(file: string): string[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as WorkflowDoc;
  const found: string[] = [];
  const steps = [
    ...Object.entries(doc.jobs ?? {}).flatMap(([job, spec]) =>
      (spec.steps ?? []).map((step) => ({ where: job, step })),
    ),
    ...(doc.runs?.steps ?? []).map((step) => ({ where: 'runs', step })),
  ];
  for (const { where, step } of steps) {
    for (const match of (step.run ?? '').matchAll(/\$\{\{[^}]*\}\}/g)) {
      found.push(`${where}/${step.name ?? 'step'}: ${match[0]}`);
    }
  }
  return found;
}
