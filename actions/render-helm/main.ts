import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineOutputs, group, parseInputs, runAction } from '@swiss-deploy/kit';
import { inputs, outputs } from './contract';
import { renderRequest } from './plan';
import { renderSummary, writeRenderOutputs } from './report';

const out = defineOutputs(outputs);

/** charts/swiss-app, found from the bundle (dist/render-helm/index.js) two folders up. */
function builtinChart(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'swiss-app');
}

void runAction({
  main: async () => {
    const values = parseInputs(inputs);
    // Loaded once the inputs parse: a bad input fails without loading helm's code.
    const { inspectManifests, installHelm, planRender, prepareChart, renderChart, writeManifests } =
      await import('@swiss-deploy/helm');
    const plan = planRender(
      renderRequest(values, {
        workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
        builtinChart: builtinChart(),
      }),
    );

    const helm = await group('Install helm', () => installHelm(plan));
    try {
      const chart = await group('Fetch the chart', () => prepareChart(helm, plan));
      const rendered = await group(`Render ${chart.name} ${chart.version}`, () =>
        renderChart(helm, chart, plan),
      );
      const inspection = await group('Validate the manifests', () => inspectManifests(rendered, plan));
      const manifests = await writeManifests(plan, rendered);

      const result = { plan, helmVersion: helm.version, chart, inspection, manifests };
      writeRenderOutputs(result, out);
      await renderSummary(result).write();
    } finally {
      await helm.cleanup();
    }
  },
});
