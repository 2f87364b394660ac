import * as os from 'node:os';
import { UserError, defineOutputs, group, parseInputs, runAction } from '@swiss-deploy/kit';
import type { Finding } from '@swiss-deploy/scan';
import { inputs, outputs } from './contract';

const out = defineOutputs(outputs);

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    // Loaded once the inputs parse: a bad input fails without loading the scanner's code.
    const {
      SEVERITIES,
      annotate,
      checkManifestFiles,
      gate,
      planScan,
      readTrivyReports,
      scanConfigPaths,
      scanImage,
      scanSbom,
      scanSummary,
      setupTrivy,
      writeResults,
    } = await import('@swiss-deploy/scan');
    const plan = await planScan(values, {
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      temp: process.env.RUNNER_TEMP ?? os.tmpdir(),
      now: new Date(),
    });
    const findings: Finding[] = [];
    const targets: string[] = [];
    let trivyVersion: string | undefined;

    if (plan.manifests.length > 0) {
      targets.push(`manifests ${plan.manifests.map((m) => m.shown).join(', ')}`);
      findings.push(
        ...(await group('Check manifests against the native policy', () => checkManifestFiles(plan))),
      );
    }
    if (plan.trivyReports.length > 0) {
      targets.push(`Trivy reports ${plan.trivyReports.map((r) => r.shown).join(', ')}`);
      findings.push(...(await group('Read Trivy reports', () => readTrivyReports(plan))));
    }
    if (plan.needsTrivy) {
      const { trivy, tool } = await group('Install Trivy', () => setupTrivy(plan));
      trivyVersion = tool.version;
      if (plan.imageRef) {
        targets.push(`image ${plan.imageRef}`);
        findings.push(...(await group(`Scan ${plan.imageRef}`, () => scanImage(plan, trivy))));
      }
      if (plan.sbom) {
        const { shown } = plan.sbom;
        targets.push(`SBOM ${shown}`);
        findings.push(...(await group(`Scan the SBOM ${shown}`, () => scanSbom(plan, trivy))));
      }
      if (plan.configPaths.length > 0) {
        targets.push(`config ${plan.configPaths.map((c) => c.shown).join(', ')}`);
        findings.push(...(await group('Scan config files', () => scanConfigPaths(plan, trivy))));
      }
    }

    const result = gate(findings, plan);
    await writeResults(result, plan, { targets, trivyVersion });
    for (const severity of SEVERITIES)
      out.set(severity.toLowerCase() as Lowercase<typeof severity>, result.counts[severity]);
    out.set('total', result.reported.length);
    out.set('blocking', result.blockingCount);
    out.set('ignored', result.ignored.length);
    out.set('passed', result.passed);
    out.set('sarif-file', plan.sarifFile);
    out.set('report', plan.reportFile);
    annotate(result);
    await scanSummary(result, {
      targets,
      trivyVersion,
      sarifFile: plan.sarifFile,
      reportFile: plan.reportFile,
    }).write();
    if (!result.passed) {
      throw new UserError(`The scan gate failed:\n${result.failures.join('\n')}`, {
        hint: 'Fix the findings (see the job summary and the annotations), or accept a risk in the ignore file with a reason and an expiry date.',
      });
    }
  },
});
