import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
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

/** Every workflow file and workflow template of this repository, as absolute paths. */
export function repositoryWorkflowFiles(root: string): string[] {
  return ['.github/workflows', 'workflows-templates']
    .map((dir) => path.join(root, dir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir)
        .filter((file) => /\.ya?ml$/.test(file))
        .sort()
        .map((file) => path.join(dir, file)),
    );
}

export interface UsesReference {
  line: number;
  /** What follows `uses:`, e.g. actions/checkout@<sha>. */
  uses: string;
  /** The trailing comment, without `#`, or '' when there is none. */
  comment: string;
}

/** Every `uses:` of a workflow or action file, with the comment on its line. */
export function usesReferences(file: string): UsesReference[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((text, index) => {
      const match = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1\s*(?:#\s*(.*))?$/.exec(text);
      return match ? [{ line: index + 1, uses: match[2] as string, comment: (match[3] ?? '').trim() }] : [];
    });
}

interface PermissionsDoc {
  permissions?: unknown;
  jobs?: Record<
    string,
    { permissions?: unknown; steps?: { uses?: string; with?: Record<string, unknown> }[] }
  >;
}

/** actions/checkout steps that leave the token in .git/config (no `persist-credentials: false`). */
export function checkoutsPersistingCredentials(file: string): string[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as PermissionsDoc;
  return Object.entries(doc.jobs ?? {}).flatMap(([job, spec]) =>
    (spec.steps ?? [])
      .map((step, index) => ({ step, index }))
      .filter(({ step }) => (step.uses ?? '').startsWith('actions/checkout@'))
      .filter(({ step }) => step.with?.['persist-credentials'] !== false)
      .map(({ index }) => `${job}/step ${index + 1}`),
  );
}

/**
 * Where permissions are wider than least privilege: the workflow must declare its own (read-only or
 * none), and every job that asks for a write scope asks for it itself, never inherited from the top.
 */
export function permissionProblems(file: string): string[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as PermissionsDoc;
  const problems: string[] = [];
  const top = doc.permissions;
  if (top === undefined) problems.push('no workflow-level permissions');
  else if (typeof top === 'string') problems.push(`workflow-level permissions: ${top}`);
  else {
    for (const [scope, level] of Object.entries(top as Record<string, string>)) {
      if (level !== 'read' && level !== 'none') problems.push(`workflow-level ${scope}: ${level}`);
    }
  }
  for (const [job, spec] of Object.entries(doc.jobs ?? {})) {
    if (spec.permissions === undefined) problems.push(`job ${job}: no permissions of its own`);
    else if (typeof spec.permissions === 'string') problems.push(`job ${job}: ${spec.permissions}`);
  }
  return problems;
}
