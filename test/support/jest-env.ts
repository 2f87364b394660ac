// Every test starts from the environment the test process started with: no INPUT_*, GITHUB_* or
// RUNNER_* value leaks from one test into the next, and no secret stays registered.
import { clearSecretsForTesting } from '../../packages/kit/secrets';

const original = { ...process.env };

beforeEach(() => {
  for (const key of Object.keys(process.env)) {
    if (/^(INPUT_|STATE_|GITHUB_|RUNNER_)/.test(key)) delete process.env[key];
  }
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in original)) delete process.env[key];
  Object.assign(process.env, original);
  process.exitCode = undefined;
  clearSecretsForTesting();
});
