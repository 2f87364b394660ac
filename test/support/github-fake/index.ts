// A local stand-in for api.github.com: the endpoints the suite uses (deployments, deployment statuses,
// environments, commit statuses, issue comments), each request and answer checked against GitHub's
// published OpenAPI description. Start one per test file; call expectNoViolations in afterEach.
import type { GitHubFake, Violation } from './server';

export { startGitHubFake } from './server';
export type { GitHubFake, GitHubFakeOptions, RecordedRequest, Violation, ViolationKind } from './server';
export { ApiRefusal, GitHubState } from './state';
export type {
  ApiDeployment,
  ApiDeploymentStatus,
  ApiEnvironment,
  ApiIssueComment,
  StoredComment,
  DeploymentState,
  StoredDeployment,
} from './state';

/**
 * Fails the current test when the fake saw a request GitHub's API does not allow (unknown endpoint,
 * missing auth, a body against the schema, …) or answered against the description. Clears the list, so
 * one bad test does not fail the next.
 */
export function expectNoViolations(fake: GitHubFake): void {
  const violations = fake.takeViolations();
  if (violations.length > 0) {
    throw new Error(
      `The GitHub fake saw ${violations.length} request(s) that GitHub's API does not allow:\n` +
        violations.map(describeViolation).join('\n'),
    );
  }
}

export function describeViolation(v: Violation): string {
  return `  - [${v.kind}] ${v.method} ${v.path}${v.operationId ? ` (${v.operationId})` : ''}: ${v.message}`;
}
