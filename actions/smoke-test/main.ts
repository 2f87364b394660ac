import { WorldError, defineOutputs, group, log, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    // Loaded once the inputs are good: a bad input fails without loading the check engine.
    const { describeFailure, planSmokeTest, runSmokeTest, smokeSummary } =
      await import('@swiss-deploy/smoke');
    const plan = planSmokeTest({
      url: values.url,
      checks: values.checks,
      service: values.service,
      kubeconfig: values.kubeconfig,
      hostHeader: values['host-header'],
      headers: values.headers,
      timeoutMs: values.timeout,
      intervalMs: values.interval,
      retries: values.retries,
      consecutiveSuccesses: values['consecutive-successes'],
      concurrency: values.concurrency,
      caFile: values['ca-file'],
      insecure: values.insecure,
      load: values.load,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      runnerTemp: process.env.RUNNER_TEMP || undefined,
    });

    const report = await runSmokeTest(plan, { log, phase: group });

    out.set('passed', report.passed);
    out.set('failed-checks', report.failedChecks);
    out.set('p50', report.p50 ?? '');
    out.set('p95', report.p95 ?? '');
    out.set('requests', report.requests);
    await smokeSummary(report).write();

    if (report.passed) return;
    // One annotation per failing check, on its line of the checks file when it has one.
    for (const result of report.results.filter((r) => !r.passed)) {
      const where = result.check.location;
      log.error(describeFailure(result), {
        title: `Smoke check failed: ${result.check.name}`,
        ...(where ? { file: where.file, startLine: where.line, startColumn: where.column } : {}),
      });
    }
    const failed = report.failedChecks;
    const reasons = [
      ...(failed.length
        ? [`${failed.length} of ${report.results.length} checks failed (${failed.join(', ')})`]
        : []),
      ...(report.load && !report.load.passed
        ? [`the load test failed: ${report.load.problems.join('; ')}`]
        : []),
    ];
    throw new WorldError(`Smoke test of ${report.target} failed: ${reasons.join('; ')}.`, {
      untouched: 'everything: the smoke test only sends requests',
    });
  },
});
