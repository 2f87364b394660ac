#!/usr/bin/env node
// npm run demo: the quick start, locally. Starts the test environment (test/env/env.sh up), then runs the
// reusable pipeline (.github/workflows/pipeline.yml) twice under act on this host, called from a throwaway
// app repository (examples/app + test/fixtures/pipeline/caller.yml):
//   1. version 1.0.0: build → push → scan → render → deploy blue/green → smoke → promote; it must serve;
//   2. a broken build (reports 2.0.0-broken, the smoke check expects 2.0.0): the run must fail and the
//      stable Service must still answer 1.0.0.
// Prints one line per job/step state change and a final table; act's full log goes to a file.
// Exits 0 only when that outcome holds.
//
// Options: --keep (leave the namespace for inspection), --github-api-url <url> (a GitHub API stand-in for
// the deploy job), --result <file> (write the outcome as JSON), --skip-env-up (the environment is up).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP = 'shop';
// A made-up token for act's GITHUB_TOKEN (the GitHub API stand-in given by --github-api-url accepts it).
const DEMO_TOKEN = 'ghs_swiss_deploy_demo_token';
const GOOD = '1.0.0';
// The Ingress host of the demo app; the ingress controller listens on 127.0.0.1 (GATEWAY_URL).
const DEMO_HOST = 'shop.demo.swiss-deploy.test';
const BROKEN = { version: '2.0.0-broken', expect: '2.0.0' };
// The pinned github/codeql-action commit of pipeline.yml's SARIF upload step.
const CODEQL_SHA = /github\/codeql-action\/upload-sarif@([0-9a-f]{40})/.exec(
  readFileSync(path.join(repoRoot, '.github', 'workflows', 'pipeline.yml'), 'utf8'),
)?.[1];
if (!CODEQL_SHA)
  throw new Error('.github/workflows/pipeline.yml pins no github/codeql-action/upload-sarif commit');

function parseArgs(argv) {
  const options = { keep: false, githubApiUrl: '', result: '', envUp: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') options.keep = true;
    else if (arg === '--skip-env-up') options.envUp = false;
    else if (arg === '--github-api-url') options.githubApiUrl = argv[++i] ?? '';
    else if (arg === '--result') options.result = argv[++i] ?? '';
    else
      throw new Error(
        `Unknown option ${arg}; allowed: --keep, --skip-env-up, --github-api-url <url>, --result <file>`,
      );
  }
  return options;
}

const say = (line) => process.stdout.write(`${line}\n`);

/**
 * Runs a program (argument array, no shell); resolves with its exit code and captured output. With
 * onLine/logTo, every output line goes to onLine and, redacted, to the logTo stream.
 */
function run(command, args, { cwd, env, input, onLine, logTo, redact = (line) => line } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const line = (text) => {
      logTo?.write(`${redact(text)}\n`);
      onLine?.(text);
    };
    const lines = (chunk) => {
      if (!onLine && !logTo) return;
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) line(part);
    };
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      lines(String(chunk));
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      lines(String(chunk));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) line(pending);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/**
 * A redactor for act's log: its --json output repeats ::add-mask:: arguments in clear, so every secret
 * value (and its JSON-escaped form) is replaced before a line reaches the log file.
 */
function redactor(secrets) {
  const values = new Set();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    values.add(secret);
    values.add(JSON.stringify(secret).slice(1, -1));
    values.add(JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1));
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return (line) => sorted.reduce((text, value) => text.split(value).join('***'), line);
}

async function runOk(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${path.basename(command)} ${args[0] ?? ''} exited ${result.code}: ${result.stderr.trim().slice(-2000)}`,
    );
  }
  return result;
}

function readEnvFile() {
  const cache = process.env.SWISS_DEPLOY_CACHE ?? path.join(os.homedir(), '.cache', 'swiss-deploy');
  const file = path.join(process.env.SWISS_DEPLOY_RUN ?? path.join(cache, 'run'), 'env');
  if (!existsSync(file))
    throw new Error(`No test environment file at ${file}: test/env/env.sh up did not finish.`);
  const values = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const need = (key) => {
    if (!values[key]) throw new Error(`The test environment has no ${key} in ${file}; run npm run env:up.`);
    return values[key];
  };
  return { values, need };
}

/** The action repository as act resolves swiss/deploy@v1: only what the runner reads, not node_modules. */
function slimActionRepo(work) {
  const dir = path.join(work, 'swiss-deploy');
  mkdirSync(path.join(dir, 'actions'), { recursive: true });
  cpSync(path.join(repoRoot, 'action.yml'), path.join(dir, 'action.yml'));
  for (const action of readdirSync(path.join(repoRoot, 'actions'))) {
    const file = path.join(repoRoot, 'actions', action, 'action.yml');
    if (!existsSync(file)) continue;
    mkdirSync(path.join(dir, 'actions', action));
    cpSync(file, path.join(dir, 'actions', action, 'action.yml'));
  }
  for (const folder of ['dist', 'charts', path.join('.github', 'workflows')]) {
    cpSync(path.join(repoRoot, folder), path.join(dir, folder), { recursive: true });
  }
  return dir;
}

/** A throwaway app repository: examples/app, the caller workflow, and values that place pods on the real node. */
async function appRepo(work, env) {
  const dir = path.join(work, 'app');
  cpSync(path.join(repoRoot, 'examples', 'app'), path.join(dir, 'examples', 'app'), { recursive: true });
  mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  cpSync(
    path.join(repoRoot, 'test', 'fixtures', 'pipeline', 'caller.yml'),
    path.join(dir, '.github', 'workflows', 'deploy.yml'),
  );
  const [key, value] = env.need('KUBE_REAL_NODE_SELECTOR').split('=');
  const toleration = /^([^=]+)=([^:]*):(\w+)$/.exec(env.need('KUBE_REAL_TOLERATION'));
  if (!toleration)
    throw new Error(`KUBE_REAL_TOLERATION is not key=value:Effect: ${env.need('KUBE_REAL_TOLERATION')}`);
  mkdirSync(path.join(dir, 'deploy'));
  // JSON is YAML: no YAML library needed in a plain Node script.
  writeFileSync(
    path.join(dir, 'deploy', 'real-node.yaml'),
    JSON.stringify(
      {
        replicaCount: 1,
        imagePullSecrets: [{ name: 'registry' }],
        nodeSelector: { [key]: value },
        tolerations: [{ key: toleration[1], operator: 'Equal', value: toleration[2], effect: toleration[3] }],
        pdb: { enabled: false },
        // Served by the environment's ingress controller on 127.0.0.1, as users would reach it.
        ingress: {
          enabled: true,
          className: env.need('INGRESS_CLASS'),
          host: DEMO_HOST,
          tls: { enabled: false },
        },
      },
      null,
      2,
    ) + '\n',
  );
  const git = [
    '-c',
    'user.name=swiss demo',
    '-c',
    'user.email=demo@swiss-deploy.invalid',
    '-c',
    'init.defaultBranch=main',
  ];
  await runOk('git', [...git, 'init', '--quiet', dir]);
  await runOk('git', [...git, '-C', dir, 'add', '--all']);
  await runOk('git', [...git, '-C', dir, 'commit', '--quiet', '--message', 'example app']);
  return dir;
}

async function kubectl(env, args, input) {
  return runOk(env.need('KUBECTL'), args, { env: { KUBECONFIG: env.need('KUBECONFIG') }, input });
}

/** A fresh namespace with a pull secret for the local registry (credentials through stdin, not argv). */
async function prepareNamespace(env) {
  const namespace = `swiss-demo-${randomBytes(3).toString('hex')}`;
  await kubectl(env, ['create', 'namespace', namespace]);
  const registry = env.need('REGISTRY');
  const auth = Buffer.from(`${env.need('REGISTRY_USER')}:${env.need('REGISTRY_PASSWORD')}`).toString(
    'base64',
  );
  const dockerConfig = JSON.stringify({ auths: { [registry]: { auth } } });
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'registry', namespace },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': Buffer.from(dockerConfig).toString('base64') },
  };
  await kubectl(env, ['apply', '-f', '-'], JSON.stringify(secret));
  return namespace;
}

const keptLine = (namespace) =>
  `namespace ${namespace} kept; delete it with: kubectl delete namespace ${namespace}`;

/** What users get: the app's answer on / through the ingress controller on 127.0.0.1, with the Ingress host. */
function ingressAnswer(env) {
  const url = new URL('/', env.need('GATEWAY_URL'));
  return new Promise((resolve) => {
    const request = http.get(url, { headers: { host: DEMO_HOST }, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ url: url.href, status: res.statusCode, body: body.trim() }));
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
    request.on('error', (error) => resolve({ url: url.href, status: 0, body: error.message }));
  });
}

/** The stable Service's answer on /version, through the API server's service proxy. */
async function stableVersion(env, namespace) {
  const services = JSON.parse(
    (
      await kubectl(env, [
        'get',
        'services',
        '--namespace',
        namespace,
        '-l',
        `app.kubernetes.io/instance=${APP}`,
        '-o',
        'json',
      ])
    ).stdout,
  ).items.map((s) => s.metadata.name);
  const stable = services.find((name) => !name.endsWith('-preview'));
  if (!stable) return { service: '', version: `no stable Service (found: ${services.join(', ') || 'none'})` };
  const result = await run(
    env.need('KUBECTL'),
    ['get', '--raw', `/api/v1/namespaces/${namespace}/services/${stable}:80/proxy/version`],
    { env: { KUBECONFIG: env.need('KUBECONFIG') } },
  );
  if (result.code !== 0)
    return { service: stable, version: `unreachable: ${result.stderr.trim().slice(0, 200)}` };
  try {
    return { service: stable, version: String(JSON.parse(result.stdout).version) };
  } catch {
    return { service: stable, version: `not JSON: ${result.stdout.slice(0, 200)}` };
  }
}

/**
 * Turns act's JSON log (--json) into one line per job/step state change, and collects the facts the
 * final table needs: job results, step outputs, smoke-test stages, error annotations.
 */
function progress(label) {
  const facts = { jobs: {}, steps: [], outputs: {}, smoke: [], errors: [] };
  const onLine = (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    const job = String(entry.jobID ?? entry.job ?? '?').trim();
    const message = String(entry.msg ?? '').trim();
    if (entry.jobResult) {
      facts.jobs[job] = entry.jobResult;
      say(`  [${label}] ${job}: job ${entry.jobResult}`);
    } else if (entry.stepResult) {
      const stage = entry.stage && entry.stage !== 'Main' ? `${entry.stage} ` : '';
      facts.steps.push({ job, step: `${stage}${entry.step}`, result: entry.stepResult });
      say(`  [${label}] ${job} › ${stage}${entry.step}: ${entry.stepResult}`);
    } else if (message.startsWith('⭐ Run ') && entry.stage === 'Main') {
      if (!(job in facts.jobs)) facts.jobs[job] = 'started';
      say(`  [${label}] ${job} › ${message.replace(/^⭐ Run (Main )?/, '')}: running`);
    }
    if (entry.command === 'set-output' && entry.name) {
      facts.outputs[job] = { ...facts.outputs[job], [entry.name]: String(entry.arg ?? '') };
    } else if (entry.command === 'group' && /^Smoke-test /.test(String(entry.arg))) {
      facts.smoke.push(/preview/.test(String(entry.arg)) ? 'preview' : 'live');
    } else if (entry.command === 'error') {
      facts.errors.push({ job, stage: entry.stage ?? '', message: String(entry.arg ?? '') });
      say(`  [${label}] ${job} › error: ${String(entry.arg ?? '').split('\n')[0]}`);
    }
  };
  return { facts, onLine };
}

/** "preview ✓, live ✓" from the smoke stages the deploy step entered; the last one failed if the step did. */
function smokeResults(run) {
  const deployStep = run.steps.find((s) => s.job === 'deploy' && s.step === 'swiss/deploy@v1');
  if (run.smoke.length === 0) return 'not run';
  return run.smoke
    .map((stage, i) => `${stage} ${deployStep?.result === 'success' || i < run.smoke.length - 1 ? '✓' : '✗'}`)
    .join(', ');
}

async function pipelineRun({ label, version, expect, env, dirs, namespace, options, logFile }) {
  say(`▶ ${label}: build ${version}, smoke check expects ${expect}`);
  const log = createWriteStream(logFile);
  const { facts, onLine } = progress(label);
  const args = [
    'workflow_dispatch',
    '--workflows',
    path.join('.github', 'workflows', 'deploy.yml'),
    '--platform',
    'ubuntu-latest=-self-hosted',
    '--local-repository',
    `swiss/deploy@v1=${dirs.action}`,
    // act resolves every action of a job before running it, skipped steps too; the SARIF upload is off here.
    '--local-repository',
    `github/codeql-action@${CODEQL_SHA}=${path.join(repoRoot, 'test', 'fixtures', 'pipeline', 'codeql-action')}`,
    '--action-offline-mode',
    '--pull=false',
    '--no-cache-server',
    '--artifact-server-addr',
    '127.0.0.1',
    '--container-daemon-socket',
    '-',
    '--json',
    '--secret-file',
    dirs.secrets,
    '--input',
    `version=${version}`,
    '--input',
    `expect-version=${expect}`,
    '--input',
    `namespace=${namespace}`,
    '--input',
    `image=${env.need('REGISTRY')}/swiss-deploy-demo/example-app`,
    '--input',
    `registry=${env.need('REGISTRY')}`,
    '--input',
    `registry-username=${env.need('REGISTRY_USER')}`,
    '--input',
    `base-image=${env.need('BASE_IMAGE_NODE')}`,
  ];
  if (options.githubApiUrl) args.push('--env', `GITHUB_API_URL=${options.githubApiUrl}`);
  const started = Date.now();
  const result = await run(env.need('ACT'), args, {
    cwd: dirs.app,
    // helm and trivy come preinstalled on GitHub's runners; here the environment's pinned builds play that part.
    env: {
      PATH: `${dirs.bin}:${env.need('TOOLS_BIN_DIR')}:${process.env.PATH}`,
      DOCKER_HOST: env.need('DOCKER_HOST'),
    },
    onLine,
    logTo: log,
    redact: dirs.redact,
  });
  await new Promise((resolve) => log.end(resolve));
  const seconds = Math.round((Date.now() - started) / 1000);
  say(`◀ ${label}: act exited ${result.code} after ${seconds}s (full log: ${logFile})`);
  return { code: result.code, seconds, ...facts, smokeResults: smokeResults(facts), logFile };
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((cell, i) => String(cell).padEnd(widths[i])).join('  ')).join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.envUp) {
    say('▶ test environment: bash test/env/env.sh up');
    // Its status lines (one per component) are the progress of this step.
    const up = await run('bash', [path.join('test', 'env', 'env.sh'), 'up'], {
      cwd: repoRoot,
      onLine: (line) => line.trim() && say(`  ${line}`),
    });
    if (up.code !== 0) {
      process.stderr.write(up.stdout.slice(-3000) + up.stderr.slice(-3000));
      throw new Error(`test/env/env.sh up exited ${up.code}`);
    }
    say('◀ test environment: up');
  }
  const env = readEnvFile();
  for (const key of ['ACT', 'TRIVY', 'HELM', 'KUBECTL', 'TOOLS_BIN_DIR', 'REGISTRY', 'BASE_IMAGE_NODE']) {
    if (!existsSync(env.need(key)) && key !== 'REGISTRY' && key !== 'BASE_IMAGE_NODE') {
      throw new Error(`${key}=${env.need(key)} does not exist; run npm run env:up.`);
    }
  }

  const work = mkdtempSync(path.join(os.tmpdir(), 'swiss-deploy-demo-'));
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(env.need('TRIVY'), path.join(bin, 'trivy'));
  const secrets = path.join(work, '.secrets');
  const kubeconfig = readFileSync(env.need('KUBECONFIG'), 'utf8');
  // Secrets reach act through a file (mode 600), never argv.
  writeFileSync(
    secrets,
    [
      `GITHUB_TOKEN=${DEMO_TOKEN}`,
      `REGISTRY_PASSWORD=${JSON.stringify(env.need('REGISTRY_PASSWORD'))}`,
      `KUBECONFIG=${JSON.stringify(kubeconfig)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const kubeSecrets = [
    ...kubeconfig.matchAll(/^\s*(?:client-key-data|client-certificate-data|token|password):\s*(\S+)\s*$/gm),
  ].map((m) => m[1]);
  const redact = redactor([
    kubeconfig,
    ...kubeconfig.split('\n').filter((line) => line.length > 40),
    ...kubeSecrets,
    env.need('REGISTRY_PASSWORD'),
    DEMO_TOKEN,
  ]);
  const dirs = { action: slimActionRepo(work), app: await appRepo(work, env), bin, secrets, redact };
  const namespace = await prepareNamespace(env);
  say(`  namespace ${namespace}, work folder ${work}`);

  let outcome;
  try {
    const good = await pipelineRun({
      label: 'run 1',
      version: GOOD,
      expect: GOOD,
      env,
      dirs,
      namespace,
      options,
      logFile: path.join(work, 'act-run-1.log'),
    });
    const afterGood = await stableVersion(env, namespace);
    say(`  stable Service ${afterGood.service} answers ${afterGood.version}`);
    const broken = await pipelineRun({
      label: 'run 2',
      version: BROKEN.version,
      expect: BROKEN.expect,
      env,
      dirs,
      namespace,
      options,
      logFile: path.join(work, 'act-run-2.log'),
    });
    const afterBroken = await stableVersion(env, namespace);
    say(`  stable Service ${afterBroken.service} answers ${afterBroken.version}`);

    const ingress = await ingressAnswer(env);
    say(`  through the ingress at ${ingress.url} (Host: ${DEMO_HOST}): ${ingress.status} ${ingress.body}`);

    const checks = {
      'run 1 succeeded': good.code === 0,
      'the ingress serves 1.0.0': ingress.status === 200 && ingress.body.endsWith(`example-app ${GOOD}`),
      'run 1 served 1.0.0': afterGood.version === GOOD,
      'run 2 was stopped (act failed)': broken.code !== 0,
      'run 2 failed at its preview smoke test': smokeResults(broken).startsWith('preview ✗'),
      'run 2 never deployed the broken image live': afterBroken.version === GOOD,
    };
    outcome = {
      namespace,
      work,
      good,
      afterGood,
      broken,
      afterBroken,
      ingress,
      checks,
      ok: Object.values(checks).every(Boolean),
    };

    say('');
    say(
      table([
        ['run', 'version', 'act', 'image', 'revision', 'color', 'deploy', 'smoke', 'stable Service answers'],
        ...[
          ['1', GOOD, good],
          ['2', BROKEN.version, broken],
        ].map(([n, version, r]) => [
          n,
          version,
          r.code === 0 ? 'success' : `failed (${r.code})`,
          r.outputs.build?.['image-ref'] ?? '-',
          r.outputs.deploy?.revision ?? '-',
          r.outputs.deploy?.color ?? '-',
          r.outputs.deploy?.status ?? r.jobs.deploy ?? 'did not run',
          smokeResults(r),
          n === '1' ? afterGood.version : afterBroken.version,
        ]),
      ]),
    );
    say('');
    for (const [check, passed] of Object.entries(checks)) say(`${passed ? '✓' : '✗'} ${check}`);
    say(
      outcome.ok
        ? `The broken version ${BROKEN.version} was stopped at its preview; ${GOOD} still serves.`
        : 'The demo did not reach its expected outcome; read the logs above.',
    );
    say(`act logs: ${good.logFile}, ${broken.logFile}`);
    if (options.keep) say(keptLine(namespace));
    // Last, what users get: the app's answer through the ingress controller on 127.0.0.1.
    say(`curl -H 'Host: ${DEMO_HOST}' ${ingress.url} → ${ingress.body}`);
  } finally {
    if (options.result && outcome) writeFileSync(options.result, JSON.stringify(outcome, null, 2));
    if (!options.keep) {
      await run(env.need('KUBECTL'), ['delete', 'namespace', namespace, '--wait=false'], {
        env: { KUBECONFIG: env.need('KUBECONFIG') },
      });
    } else if (!outcome) {
      say(keptLine(namespace));
    }
  }
  return outcome.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
