import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { exec, installTool, log, registerSecret, type InstalledTool } from '@swiss-deploy/kit';
import { explainHelmFailure, type ChartFiles } from './helm-errors';
import { helmToolSpec } from './helm-versions';
import type { ChartSource, RenderOptions } from './types';
import { capabilityArgs, helmKubeVersion, valueArgs } from './values';

const MINUTE = 60_000;

export interface HelmInstallOptions {
  /** Base URL that replaces https://get.helm.sh, for runners without internet access. */
  mirror?: string;
}

/**
 * One helm binary and the environment it runs in. Stateless apart from a private registry config
 * when the action logs in, so a login never touches the runner's own helm config.
 */
export class Helm {
  private readonly env: Record<string, string>;

  constructor(
    readonly binary: string,
    readonly version: string,
    readonly source: InstalledTool['source'] | 'given' = 'given',
    /** Added to the environment helm runs in (HELM_CACHE_HOME and friends). */
    env: Record<string, string> = {},
  ) {
    this.env = { ...env };
  }

  /** The pinned release: from the tool cache, a helm of exactly that version on PATH, or a verified download. */
  static async install(version: string, options: HelmInstallOptions = {}): Promise<Helm> {
    const tool = await installTool(helmToolSpec(version), options.mirror ? { mirror: options.mirror } : {});
    return new Helm(tool.path, tool.version, tool.source);
  }

  get major(): number {
    return Number(this.version.split('.')[0]);
  }

  private run(args: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}) {
    return exec(this.binary, args, {
      cwd: options.cwd,
      env: this.env,
      ...(options.input === undefined ? {} : { input: options.input }),
      timeoutMs: options.timeoutMs ?? 5 * MINUTE,
    });
  }

  /** Logs in to an OCI registry with a config file of this run's own; the password goes through stdin. */
  async registryLogin(host: string, username: string, password: string, plainHttp: boolean): Promise<void> {
    registerSecret(password);
    const dir = await mkdtemp(path.join(process.env.RUNNER_TEMP ?? os.tmpdir(), 'helm-registry-'));
    this.env.HELM_REGISTRY_CONFIG = path.join(dir, 'config.json');
    // helm 3 has no --plain-http for login and reaches plain-http registries with --insecure.
    const transport = plainHttp ? (this.major >= 4 ? ['--plain-http'] : ['--insecure']) : [];
    try {
      await this.run(['registry', 'login', host, '--username', username, '--password-stdin', ...transport], {
        input: password,
        timeoutMs: 2 * MINUTE,
      });
    } catch (error) {
      throw explainHelmFailure(error, 'login');
    }
  }

  /** Downloads and unpacks an OCI or repository chart into `into`; returns the chart's folder. */
  async pull(
    source: Extract<ChartSource, { kind: 'oci' | 'repo' }>,
    into: string,
    plainHttp: boolean,
  ): Promise<string> {
    const args =
      source.kind === 'oci'
        ? ['pull', source.ref, ...(source.version ? ['--version', source.version] : [])]
        : ['pull', source.name, '--repo', source.url, '--version', source.version];
    if (plainHttp && source.kind === 'oci') args.push('--plain-http');
    args.push('--untar', '--untardir', into);
    try {
      await this.run(args);
    } catch (error) {
      throw explainHelmFailure(error, 'pull');
    }
    const entries = (await readdir(into, { withFileTypes: true })).filter((e) => e.isDirectory());
    if (entries.length !== 1) throw new Error(`helm pull left ${entries.length} folders in ${into}`);
    return path.join(into, (entries[0] as { name: string }).name);
  }

  /** The Chart.yaml of a chart folder or packaged .tgz, as helm reads it. */
  async showChart(chart: string): Promise<string> {
    try {
      return (await this.run(['show', 'chart', chart], { timeoutMs: MINUTE })).stdout;
    } catch (error) {
      throw explainHelmFailure(error, 'template');
    }
  }

  async dependencyUpdate(chart: ChartFiles): Promise<void> {
    try {
      await this.run(['dependency', 'update', chart.dir]);
    } catch (error) {
      throw explainHelmFailure(error, 'dependency', chart);
    }
  }

  /** `helm lint --strict` with the same values and target the render uses; returns lint's report. */
  async lint(chart: ChartFiles, options: RenderOptions): Promise<string> {
    const args = [
      'lint',
      chart.dir,
      '--strict',
      '--namespace',
      options.namespace,
      '--kube-version',
      helmKubeVersion(options.kubeVersion),
      ...valueArgs(options),
    ];
    try {
      const result = await this.run(args, { cwd: options.cwd, timeoutMs: 2 * MINUTE });
      return result.stdout;
    } catch (error) {
      throw explainHelmFailure(error, 'lint', chart);
    }
  }

  /** `helm template` for the target cluster, client-side only: CRDs included, test hooks left out. */
  async template(chart: ChartFiles, options: RenderOptions): Promise<string> {
    const args = [
      'template',
      options.release,
      chart.dir,
      ...capabilityArgs(options),
      '--include-crds',
      '--skip-tests',
      ...valueArgs(options),
    ];
    try {
      const result = await this.run(args, { cwd: options.cwd, timeoutMs: 2 * MINUTE });
      // helm prints its warnings (deprecated values, skipped files) on stderr of a successful render.
      for (const line of result.stderr.split('\n')) if (line.trim() !== '') log.info(`helm: ${line}`);
      return result.stdout;
    } catch (error) {
      throw explainHelmFailure(error, 'template', chart);
    }
  }

  /** Removes what the run left behind (the private registry config). */
  async cleanup(): Promise<void> {
    const config = this.env.HELM_REGISTRY_CONFIG;
    if (config) await rm(path.dirname(config), { recursive: true, force: true });
  }
}
