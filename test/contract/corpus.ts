// Bad inputs and injection attempts for every action, as data: test/contract/bad-inputs-corpus.test.ts runs
// each one through its committed bundle as the runner would and checks that it fails by name, before any
// side effect, without leaking a secret, writing outside the workspace and RUNNER_TEMP, or issuing a
// workflow command. Every case fails on its inputs alone: nothing here needs a cluster, a registry or a
// network, and the places a case could wrongly go next (the API server, the GitHub API, the helm and
// Trivy mirrors, the smoke URL) are all 127.0.0.1:9, a closed port, so a case that got past validation
// fails loudly and fast instead of reaching anything.
import { aliasBomb, deepNesting } from '../support/yaml-bombs';

export type ActionName =
  | 'build-image'
  | 'scan'
  | 'render-helm'
  | 'deploy-blue-green'
  | 'smoke-test'
  | 'rollback'
  | 'preview'
  | 'deploy';

/** Values that must never appear in anything a step leaves behind. */
export const CANARY = {
  kubeToken: 'kube-token-canary-5f0e9c2b7a41d8',
  kubePassword: 'kube-password-canary-19c7e3',
  githubToken: 'ghs_githubtokencanary0b3c91d7e2f4a6',
  registryPassword: 'registry-password-canary-7d21ae',
  buildSecret: 'build-secret-canary-3e8f60',
  headerToken: 'header-bearer-canary-a94c02',
  urlPassword: 'url-password-canary-6b13f8',
  runtimeToken: 'actions-runtime-canary-c2d7a9e1',
  idToken: 'id-token-request-canary-80f4b6',
  envGithubToken: 'ghs_envtokencanary4a7e1c9b03d5f2',
  smokeEnv: 'smoke-env-canary-e7b2c5',
  prometheusToken: 'prometheus-token-canary-41d9e7',
  prometheusPassword: 'prometheus-password-canary-c30a5f',
  notifyUrlToken: 'notifyurlcanary0d4e7b29c1',
} as const;

/** The runner's own credentials, present in every step's environment. */
export const CANARY_ENV: Record<string, string> = {
  ACTIONS_RUNTIME_TOKEN: CANARY.runtimeToken,
  ACTIONS_RUNTIME_URL: 'http://127.0.0.1:9/runtime/',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: CANARY.idToken,
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/oidc',
  GITHUB_TOKEN: CANARY.envGithubToken,
  SMOKE_TOKEN: CANARY.smokeEnv,
};

/** A complete kubeconfig for a closed port, with a token and a password to keep secret. */
export const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '  - name: closed',
  '    cluster: { server: "https://127.0.0.1:9", insecure-skip-tls-verify: true }',
  'users:',
  '  - name: ci',
  `    user: { token: ${CANARY.kubeToken} }`,
  '  - name: basic',
  `    user: { username: admin, password: ${CANARY.kubePassword} }`,
  'contexts:',
  '  - name: closed',
  '    context: { cluster: closed, user: ci, namespace: shop }',
  'current-context: closed',
  '',
].join('\n');

/** Placeholders in case values: the canary folder beside the workspace, and the workspace itself. */
export const OUTSIDE = '{outside}';
export const WORKSPACE = '{workspace}';

export interface Case {
  action: ActionName;
  title: string;
  /** On top of the action's base inputs; `''` unsets a base input (the runner passes it empty). */
  inputs: Record<string, string>;
  /** Extra workspace files, by relative path. */
  files?: Record<string, string>;
  /** Workspace symlinks: relative path → target (placeholders allowed). */
  links?: Record<string, string>;
  /**
   * What the one error annotation must contain to name the problem: `Input "<name>"` unless the error is
   * about a file's content, which is named by the file the input points at.
   */
  names: string | RegExp;
}

const inputNamed = (name: string) => `Input "${name}"`;
/** A problem inside inline YAML is named by the input and the line: `The checks input, line 4: …`. */
const inlineYamlNamed = (name: string) => new RegExp(`^The ${name} input\\b`);

/** The files every workspace holds: a repository with a Dockerfile, manifests, a chart, values, checks. */
export const BASE_FILES: Record<string, string> = {
  Dockerfile: 'FROM scratch\nCOPY app /app\n',
  'k8s/app.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: web }',
    'spec:',
    '  selector: { matchLabels: { app: web } }',
    '  template:',
    '    metadata: { labels: { app: web } }',
    `    spec: { containers: [{ name: web, image: "r.io/shop@sha256:${'a'.repeat(64)}" }] }`,
    '',
  ].join('\n'),
  'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\n',
  'values.yaml': 'replicas: 2\n',
  'smoke/checks.yml': 'checks:\n  - name: health\n    path: /healthz\n',
  'ca.pem': 'not a certificate\n',
};

/** What sits outside the workspace, for a case to try to reach; it must be left exactly as it is. */
export const OUTSIDE_FILES: Record<string, string> = {
  'secret.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stolen }\ndata: { key: outside }\n',
  Dockerfile: 'FROM scratch\n',
  'Chart.yaml': 'apiVersion: v2\nname: stolen\nversion: 1.0.0\n',
  'checks.yml': 'checks:\n  - name: stolen\n    path: /\n',
  'values.yaml': 'stolen: true\n',
  'ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

const DIGEST = `sha256:${'b'.repeat(64)}`;

/** The inputs each action starts from: valid, with every secret input holding a canary. */
export const BASE_INPUTS: Record<ActionName, Record<string, string>> = {
  'build-image': {
    image: 'ghcr.io/swiss/example-app',
    username: 'ci',
    password: CANARY.registryPassword,
    secrets: `npm_token=${CANARY.buildSecret}`,
  },
  scan: {
    manifests: 'k8s/app.yaml',
    'trivy-mirror': 'http://127.0.0.1:9/trivy',
    'db-repository': '127.0.0.1:9/trivy-db:2',
  },
  'render-helm': {
    chart: 'oci://127.0.0.1:9/charts/shop',
    version: '1.2.3',
    release: 'shop',
    namespace: 'shop',
    'registry-username': 'ci',
    'registry-password': CANARY.registryPassword,
    'helm-mirror': 'http://127.0.0.1:9/helm',
  },
  'deploy-blue-green': {
    app: 'shop',
    namespace: 'shop',
    action: 'promote',
    kubeconfig: KUBECONFIG,
    'github-token': CANARY.githubToken,
    timeout: '5s',
  },
  'smoke-test': {
    url: 'http://127.0.0.1:9',
    headers: `Authorization: Bearer ${CANARY.headerToken}`,
    kubeconfig: KUBECONFIG,
    retries: '0',
    timeout: '1s',
    interval: '10ms',
  },
  rollback: {
    app: 'shop',
    namespace: 'shop',
    reason: 'the new revision fails its checks',
    kubeconfig: KUBECONFIG,
    'github-token': CANARY.githubToken,
    timeout: '5s',
  },
  preview: {
    operation: 'prepare',
    app: 'shop',
    'pr-number': '12',
    kubeconfig: KUBECONFIG,
    'github-token': CANARY.githubToken,
    registry: '127.0.0.1:9',
    'registry-username': 'ci',
    'registry-password': CANARY.registryPassword,
    timeout: '10s',
  },
  deploy: {
    app: 'shop',
    namespace: 'shop',
    'image-ref': `r.io/shop@${DIGEST}`,
    kubeconfig: KUBECONFIG,
    'github-token': CANARY.githubToken,
    timeout: '10s',
    'smoke-retries': '0',
    'smoke-timeout': '1s',
  },
};

/** Values that would speak to the runner if printed as they are. */
const COMMANDS = {
  setOutput: 'x\n::set-output name=passed::true',
  addMask: '::add-mask::swiss',
  legacy: '##[set-output name=passed;]true',
  annotation: 'x ##[error file=/etc/passwd]forged',
  stopCommands: '  ::stop-commands::pwned',
  carriageReturn: 'x\r::warning file=/etc/passwd::forged',
};

const noCreds = { 'registry-username': '', 'registry-password': '' };
const localChart = { chart: 'chart', version: '', ...noCreds };

function cases(action: ActionName, list: Omit<Case, 'action'>[]): Case[] {
  return list.map((c) => ({ action, ...c }));
}

const GOOD_SPEC =
  'metrics:\n  - name: errors\n    query: sum(rate(errors_total{color="${color}"}[1m]))\n    successCondition: result < 0.01\n';

/** The analysis inputs' mistakes, for each action that runs a metric analysis; `extra` makes the rest valid. */
function analysisCases(extra: Record<string, string>): Omit<Case, 'action'>[] {
  const withSpec = { ...extra, analysis: 'analysis.yml', 'prometheus-url': 'http://127.0.0.1:9' };
  const files = { 'analysis.yml': GOOD_SPEC };
  return [
    {
      title: 'analysis without prometheus-url',
      inputs: { ...withSpec, 'prometheus-url': '' },
      files,
      names: inputNamed('prometheus-url'),
    },
    {
      title: 'prometheus-url not http',
      inputs: { ...withSpec, 'prometheus-url': 'ftp://127.0.0.1:9' },
      files,
      names: inputNamed('prometheus-url'),
    },
    {
      title: 'prometheus-url with a password in it',
      inputs: { ...withSpec, 'prometheus-url': `http://admin:${CANARY.urlPassword}@127.0.0.1:9` },
      files,
      names: inputNamed('prometheus-url'),
    },
    {
      title: 'prometheus-url with a set-output line',
      inputs: { ...withSpec, 'prometheus-url': `http://127.0.0.1:9/${COMMANDS.setOutput}` },
      files,
      names: inputNamed('prometheus-url'),
    },
    {
      title: 'prometheus-url without analysis',
      inputs: {
        ...extra,
        'prometheus-url': 'http://127.0.0.1:9',
        'prometheus-token': CANARY.prometheusToken,
      },
      names: /Input "prometheus-url", Input "prometheus-token" are set without "analysis"/,
    },
    { title: 'bake 10x', inputs: { ...withSpec, bake: '10x' }, files, names: inputNamed('bake') },
    { title: 'bake 7h over 6h', inputs: { ...withSpec, bake: '7h' }, files, names: inputNamed('bake') },
    { title: 'bake without analysis', inputs: { ...extra, bake: '5m' }, names: inputNamed('bake') },
    {
      title: 'prometheus token and username both',
      inputs: {
        ...withSpec,
        'prometheus-token': CANARY.prometheusToken,
        'prometheus-username': 'ci',
        'prometheus-password': CANARY.prometheusPassword,
      },
      files,
      names: /Inputs "prometheus-token" and "prometheus-username"/,
    },
    {
      title: 'prometheus-password without a user',
      inputs: { ...withSpec, 'prometheus-password': CANARY.prometheusPassword },
      files,
      names: inputNamed('prometheus-password'),
    },
    {
      title: 'prometheus-ca that is no certificate',
      inputs: { ...withSpec, 'prometheus-url': 'https://127.0.0.1:9', 'prometheus-ca': 'ca.pem' },
      files,
      names: inputNamed('prometheus-ca'),
    },
    {
      title: 'prometheus-ca outside the workspace',
      inputs: { ...withSpec, 'prometheus-url': 'https://127.0.0.1:9', 'prometheus-ca': `${OUTSIDE}/ca.pem` },
      files,
      names: inputNamed('prometheus-ca'),
    },
    {
      title: 'analysis ../../etc/passwd',
      inputs: { ...withSpec, analysis: '../../etc/passwd' },
      names: inputNamed('analysis'),
    },
    {
      title: 'analysis through a symlink',
      inputs: { ...withSpec, analysis: 'link.yml' },
      links: { 'link.yml': `${OUTSIDE}/checks.yml` },
      names: inputNamed('analysis'),
    },
    {
      title: 'analysis file missing',
      inputs: { ...withSpec, analysis: 'nowhere.yml' },
      names: inputNamed('analysis'),
    },
    {
      title: 'analysis as an alias bomb',
      inputs: { ...withSpec, analysis: 'bomb.yml' },
      files: { 'bomb.yml': aliasBomb() },
      names: 'bomb.yml',
    },
    {
      title: 'analysis nested too deep',
      inputs: { ...withSpec, analysis: 'deep.yml' },
      files: { 'deep.yml': deepNesting() },
      names: 'deep.yml',
    },
    {
      title: 'analysis condition that is code',
      inputs: {
        ...withSpec,
        analysis: 'metrics:\n  - name: x\n    query: up\n    successCondition: require("fs").rmSync("/")\n',
      },
      names: inputNamed('analysis'),
    },
    {
      title: 'analysis with an unknown placeholder',
      inputs: {
        ...withSpec,
        analysis: 'metrics:\n  - name: x\n    query: up{a="${env}"}\n    successCondition: result == 1\n',
      },
      names: inputNamed('analysis'),
    },
    {
      title: 'analysis with a set-output line in a metric name',
      inputs: {
        ...withSpec,
        analysis: `metrics:\n  - name: "x${COMMANDS.setOutput}"\n    query: up\n    successCondition: result == 1\n`,
      },
      names: inputNamed('analysis'),
    },
  ];
}

/** The telemetry inputs' mistakes, for each deploy entry: named, never quoting a webhook URL or a password. */
function telemetryCases(): Omit<Case, 'action'>[] {
  const slack = `https://hooks.slack.com/services/T0/B0/${CANARY.notifyUrlToken}`;
  return [
    {
      title: 'notify with an unknown target type',
      inputs: { notify: `discord ${slack}` },
      names: inputNamed('notify'),
    },
    {
      title: 'notify over plain http to another host',
      inputs: { notify: `teams http://example.com/${CANARY.notifyUrlToken}` },
      names: inputNamed('notify'),
    },
    {
      title: 'notify with an unknown event',
      inputs: { notify: `slack ${slack} exploded` },
      names: inputNamed('notify'),
    },
    {
      title: 'notify with a set-output line',
      inputs: { notify: `slack ${slack}${COMMANDS.setOutput}` },
      names: inputNamed('notify'),
    },
    {
      title: 'notify YAML that is not a list of targets',
      inputs: { notify: `- { type: slack, url: "${slack}", channel: ops }` },
      names: inputNamed('notify'),
    },
    {
      title: 'otlp-endpoint not http',
      inputs: { 'otlp-endpoint': 'grpc://collector:4317' },
      names: inputNamed('otlp-endpoint'),
    },
    {
      title: 'otlp-endpoint with a set-output line',
      inputs: { 'otlp-endpoint': `http://collector:4318${COMMANDS.setOutput}` },
      names: inputNamed('otlp-endpoint'),
    },
    {
      title: 'pushgateway-url with a password',
      inputs: { 'pushgateway-url': `http://ci:${CANARY.urlPassword}@pushgateway:9091` },
      names: inputNamed('pushgateway-url'),
    },
    {
      title: 'notify webhook without notify-secret',
      inputs: { notify: `webhook https://hooks.example.com/${CANARY.notifyUrlToken}` },
      names: inputNamed('notify-secret'),
    },
  ];
}

/** A DNS-label input's usual mistakes, for each action that takes app and namespace. */
function dnsLabelCases(extra: Record<string, string> = {}): Omit<Case, 'action'>[] {
  return [
    { title: 'app missing', inputs: { ...extra, app: '' }, names: inputNamed('app') },
    { title: 'app upper case', inputs: { ...extra, app: 'Shop' }, names: inputNamed('app') },
    { title: 'app with underscore', inputs: { ...extra, app: 'a_b' }, names: inputNamed('app') },
    { title: 'app starting with -', inputs: { ...extra, app: '-x' }, names: inputNamed('app') },
    { title: 'app of 41 characters', inputs: { ...extra, app: 'a'.repeat(41) }, names: inputNamed('app') },
    {
      title: 'app with a set-output line',
      inputs: { ...extra, app: COMMANDS.setOutput },
      names: inputNamed('app'),
    },
    { title: 'namespace missing', inputs: { ...extra, namespace: '' }, names: inputNamed('namespace') },
    {
      title: 'namespace of 64 characters',
      inputs: { ...extra, namespace: 'n'.repeat(64) },
      names: inputNamed('namespace'),
    },
    {
      title: 'namespace as a legacy command',
      inputs: { ...extra, namespace: COMMANDS.legacy },
      names: inputNamed('namespace'),
    },
    {
      title: 'namespace ending with -',
      inputs: { ...extra, namespace: 'shop-' },
      names: inputNamed('namespace'),
    },
  ];
}

/** The kubeconfig input's ways to be wrong, each named without showing its content. */
function kubeconfigCases(extra: Record<string, string> = {}): Omit<Case, 'action'>[] {
  return [
    {
      title: 'kubeconfig that is not YAML',
      inputs: { ...extra, kubeconfig: `{ token: ${CANARY.kubeToken}\n  [unclosed: "x` },
      names: /kubeconfig input/,
    },
    {
      title: 'kubeconfig without a current context',
      inputs: { ...extra, kubeconfig: KUBECONFIG.replace('current-context: closed', '') },
      names: /kubeconfig input/i,
    },
    {
      title: 'kubeconfig as an alias bomb',
      inputs: { ...extra, kubeconfig: `${KUBECONFIG}${aliasBomb('x')}` },
      names: /kubeconfig input/i,
    },
    {
      title: 'context the kubeconfig lacks',
      inputs: { ...extra, context: 'elsewhere' },
      names: inputNamed('context'),
    },
    {
      title: 'context with an add-mask payload',
      inputs: { ...extra, context: COMMANDS.addMask },
      names: inputNamed('context'),
    },
  ];
}

export const CORPUS: Case[] = [
  ...cases('build-image', [
    { title: 'image missing', inputs: { image: '' }, names: inputNamed('image') },
    { title: 'image with a tag', inputs: { image: 'ghcr.io/swiss/app:1.0' }, names: inputNamed('image') },
    {
      title: 'image with a digest',
      inputs: { image: `ghcr.io/swiss/app@${DIGEST}` },
      names: inputNamed('image'),
    },
    { title: 'image in upper case', inputs: { image: 'ghcr.io/Swiss/App' }, names: inputNamed('image') },
    {
      title: 'image with a scheme',
      inputs: { image: 'https://ghcr.io/swiss/app' },
      names: inputNamed('image'),
    },
    {
      title: 'image with a set-output line',
      inputs: { image: `ghcr.io/swiss/app${COMMANDS.setOutput}` },
      names: inputNamed('image'),
    },
    {
      title: 'image as an add-mask command',
      inputs: { image: COMMANDS.addMask },
      names: inputNamed('image'),
    },
    { title: 'image as a legacy command', inputs: { image: COMMANDS.legacy }, names: inputNamed('image') },
    {
      title: 'registry with a scheme',
      inputs: { registry: 'https://ghcr.io' },
      names: inputNamed('registry'),
    },
    { title: 'registry with a path', inputs: { registry: 'ghcr.io/swiss' }, names: inputNamed('registry') },
    {
      title: 'registry forging an annotation',
      inputs: { registry: COMMANDS.annotation },
      names: inputNamed('registry'),
    },
    {
      title: 'username with a set-output line',
      inputs: { username: `ci${COMMANDS.setOutput}` },
      names: inputNamed('username'),
    },
    {
      title: 'username without a password',
      inputs: { password: '' },
      names: /Inputs "username" and "password"/,
    },
    {
      title: 'platform with an unknown arch',
      inputs: { platforms: 'linux/amd65' },
      names: inputNamed('platforms'),
    },
    {
      title: 'platform with an unknown variant',
      inputs: { platforms: 'linux/arm/v9' },
      names: inputNamed('platforms'),
    },
    { title: 'platform without an arch', inputs: { platforms: 'linux' }, names: inputNamed('platforms') },
    {
      title: 'tag rule with an invalid tag',
      inputs: { tags: 'type=raw,value=-bad' },
      names: inputNamed('tags'),
    },
    { title: 'tag rule of an unknown type', inputs: { tags: 'type=bogus' }, names: inputNamed('tags') },
    { title: 'latest not an enum value', inputs: { latest: 'sometimes' }, names: inputNamed('latest') },
    { title: 'push not a boolean', inputs: { push: 'yes' }, names: inputNamed('push') },
    {
      title: 'provenance not true, false or attributes',
      inputs: { provenance: 'maybe' },
      names: inputNamed('provenance'),
    },
    {
      title: 'size-budget without a known unit',
      inputs: { 'size-budget': '10 parsecs' },
      names: inputNamed('size-budget'),
    },
    { title: 'size-budget of zero', inputs: { 'size-budget': '0MB' }, names: inputNamed('size-budget') },
    { title: 'target with a path', inputs: { target: '../stage' }, names: inputNamed('target') },
    { title: 'sign not a mode', inputs: { sign: 'yes' }, names: inputNamed('sign') },
    {
      title: 'sign key without a signing-key',
      inputs: { sign: 'key' },
      names: 'Input "signing-key" is required when sign is key',
    },
    {
      title: 'signing-key that is no private key',
      inputs: { sign: 'key', 'signing-key': 'ssh-rsa AAAAB3Nza' },
      names: inputNamed('signing-key'),
    },
    {
      title: 'cosign-version not exact',
      inputs: { 'cosign-version': 'latest' },
      names: inputNamed('cosign-version'),
    },
    {
      title: 'context outside the workspace',
      inputs: { context: '../outside' },
      names: inputNamed('context'),
    },
    { title: 'context as an absolute path', inputs: { context: '/etc' }, names: inputNamed('context') },
    {
      title: 'context through a symlink',
      inputs: { context: 'linked' },
      links: { linked: OUTSIDE },
      names: inputNamed('context'),
    },
    { title: 'file ../../etc/passwd', inputs: { file: '../../etc/passwd' }, names: inputNamed('file') },
    { title: 'file /etc/hostname', inputs: { file: '/etc/hostname' }, names: inputNamed('file') },
    {
      title: 'file through a symlink',
      inputs: { file: 'Dockerfile.link' },
      links: { 'Dockerfile.link': `${OUTSIDE}/Dockerfile` },
      names: inputNamed('file'),
    },
    {
      title: 'default Dockerfile through a symlink',
      inputs: { context: 'app' },
      files: { 'app/main.go': 'package main\n' },
      links: { 'app/Dockerfile': `${OUTSIDE}/Dockerfile` },
      names: inputNamed('file'),
    },
    {
      title: 'secrets line without =',
      inputs: { secrets: CANARY.buildSecret },
      names: inputNamed('secrets'),
    },
    {
      title: 'secrets with a bad id',
      inputs: { secrets: `bad id!=${CANARY.buildSecret}` },
      names: inputNamed('secrets'),
    },
    {
      title: 'build-args line without a key',
      inputs: { 'build-args': '=value' },
      names: inputNamed('build-args'),
    },
    {
      title: 'labels line forging a command',
      inputs: { labels: COMMANDS.annotation },
      names: inputNamed('labels'),
    },
  ]),

  ...cases('scan', [
    { title: 'fail-on not a severity', inputs: { 'fail-on': 'severe' }, names: inputNamed('fail-on') },
    {
      title: 'fail-on with a set-output line',
      inputs: { 'fail-on': COMMANDS.setOutput },
      names: inputNamed('fail-on'),
    },
    {
      title: 'ignore-unfixed not a boolean',
      inputs: { 'ignore-unfixed': 'maybe' },
      names: inputNamed('ignore-unfixed'),
    },
    {
      title: 'image-scanners unknown',
      inputs: { 'image-ref': `r.io/shop@${DIGEST}`, 'image-scanners': 'license' },
      names: inputNamed('image-scanners'),
    },
    { title: 'image-ref malformed', inputs: { 'image-ref': 'R.IO/Shop:??' }, names: inputNamed('image-ref') },
    {
      title: 'image-ref as an add-mask command',
      inputs: { 'image-ref': COMMANDS.addMask },
      names: inputNamed('image-ref'),
    },
    {
      title: 'manifests ../../etc/passwd',
      inputs: { manifests: '../../etc/passwd' },
      names: inputNamed('manifests'),
    },
    {
      title: 'manifests outside through a symlink',
      inputs: { manifests: 'link.yaml' },
      links: { 'link.yaml': `${OUTSIDE}/secret.yaml` },
      names: inputNamed('manifests'),
    },
    { title: 'manifests missing', inputs: { manifests: 'k8s/nothing.yaml' }, names: inputNamed('manifests') },
    {
      title: 'manifests forging an annotation',
      inputs: { manifests: COMMANDS.annotation },
      names: inputNamed('manifests'),
    },
    {
      title: 'manifests as an alias bomb',
      inputs: { manifests: 'bomb.yaml' },
      files: { 'bomb.yaml': aliasBomb() },
      names: 'bomb.yaml',
    },
    {
      title: 'manifests nesting too deep',
      inputs: { manifests: 'deep.yaml' },
      files: { 'deep.yaml': deepNesting() },
      names: 'deep.yaml',
    },
    {
      title: 'manifests that are not YAML',
      inputs: { manifests: 'broken.yaml' },
      files: { 'broken.yaml': 'kind: [unclosed\n  - :\n' },
      names: 'broken.yaml',
    },
    {
      title: 'config-paths as an absolute path',
      inputs: { 'config-paths': '/etc' },
      names: inputNamed('config-paths'),
    },
    {
      title: 'trivy-reports outside the workspace',
      inputs: { 'trivy-reports': `${OUTSIDE}/secret.yaml` },
      names: inputNamed('trivy-reports'),
    },
    {
      title: 'ignore-file outside the workspace',
      inputs: { 'ignore-file': '../outside/secret.yaml' },
      names: inputNamed('ignore-file'),
    },
    {
      title: 'ignore-file as an alias bomb',
      inputs: { 'ignore-file': '.trivyignore.yaml' },
      files: { '.trivyignore.yaml': aliasBomb() },
      names: '.trivyignore.yaml',
    },
    {
      title: 'sarif-file written outside',
      inputs: { 'sarif-file': '../outside/scan.sarif' },
      names: inputNamed('sarif-file'),
    },
    {
      title: 'report-file written to /etc',
      inputs: { 'report-file': '/etc/scan.json' },
      names: inputNamed('report-file'),
    },
    {
      title: 'trivy-version not a version',
      inputs: { 'trivy-version': 'latest' },
      names: inputNamed('trivy-version'),
    },
    {
      title: 'trivy-mirror not a URL',
      inputs: { 'trivy-mirror': 'ftp://mirror' },
      names: inputNamed('trivy-mirror'),
    },
    {
      title: 'db-repository with a scheme',
      inputs: { 'db-repository': 'https://ghcr.io/aquasecurity/trivy-db' },
      names: inputNamed('db-repository'),
    },
    { title: 'nothing to scan', inputs: { manifests: '' }, names: /"image-ref", "sbom", "manifests"/ },
  ]),

  ...cases('render-helm', [
    { title: 'release missing', inputs: { release: '' }, names: inputNamed('release') },
    { title: 'release in upper case', inputs: { release: 'Shop' }, names: inputNamed('release') },
    { title: 'release of 54 characters', inputs: { release: 'r'.repeat(54) }, names: inputNamed('release') },
    {
      title: 'release with a set-output line',
      inputs: { release: `shop${COMMANDS.setOutput}` },
      names: inputNamed('release'),
    },
    { title: 'namespace with an underscore', inputs: { namespace: 'a_b' }, names: inputNamed('namespace') },
    {
      title: 'namespace of 64 characters',
      inputs: { namespace: 'n'.repeat(64) },
      names: inputNamed('namespace'),
    },
    { title: 'version with a space', inputs: { version: '1.2.3 --devel' }, names: inputNamed('version') },
    { title: 'oci chart without a version', inputs: { version: '' }, names: inputNamed('chart') },
    {
      title: 'chart with an unknown scheme',
      inputs: { chart: 'ftp://charts/shop', ...noCreds },
      names: inputNamed('chart'),
    },
    {
      title: 'chart outside the workspace',
      inputs: { ...localChart, chart: '../outside' },
      names: inputNamed('chart'),
    },
    {
      title: 'chart through a symlink',
      inputs: { ...localChart, chart: 'linked-chart' },
      links: { 'linked-chart': OUTSIDE },
      names: inputNamed('chart'),
    },
    {
      title: 'chart-name without a repository',
      inputs: { ...localChart, 'chart-name': 'shop' },
      names: inputNamed('chart-name'),
    },
    { title: 'set without =', inputs: { set: 'replicas' }, names: inputNamed('set') },
    { title: 'set-string without a key', inputs: { 'set-string': '=3' }, names: inputNamed('set-string') },
    {
      title: 'set-file outside the workspace',
      inputs: { 'set-file': 'config=../../etc/passwd' },
      names: inputNamed('set-file'),
    },
    {
      title: 'set-file through a symlink',
      inputs: { 'set-file': 'config=link.yaml' },
      links: { 'link.yaml': `${OUTSIDE}/secret.yaml` },
      names: inputNamed('set-file'),
    },
    {
      title: 'values-files /etc/hostname',
      inputs: { 'values-files': '/etc/hostname' },
      names: inputNamed('values-files'),
    },
    {
      title: 'values-files as an alias bomb',
      inputs: { 'values-files': 'bomb.yaml' },
      files: { 'bomb.yaml': aliasBomb() },
      names: inputNamed('values-files'),
    },
    {
      title: 'values-files nesting too deep',
      inputs: { 'values-files': 'deep.yaml' },
      files: { 'deep.yaml': deepNesting() },
      names: inputNamed('values-files'),
    },
    {
      title: 'values-files that are not YAML',
      inputs: { 'values-files': 'broken.yaml' },
      files: { 'broken.yaml': 'a: [1, 2\nb: }\n' },
      names: inputNamed('values-files'),
    },
    {
      title: 'image-ref without a digest',
      inputs: { 'image-ref': 'r.io/shop:1.0' },
      names: inputNamed('image-ref'),
    },
    {
      title: 'image-value-paths not a path',
      inputs: { 'image-ref': `r.io/shop@${DIGEST}`, 'image-value-paths': 'image[0]' },
      names: inputNamed('image-value-paths'),
    },
    { title: 'kube-version malformed', inputs: { 'kube-version': '1.x' }, names: inputNamed('kube-version') },
    {
      title: 'kube-version without schemas',
      inputs: { 'kube-version': '1.2' },
      names: inputNamed('kube-version'),
    },
    {
      title: 'api-versions malformed',
      inputs: { 'api-versions': 'a b/c d' },
      names: inputNamed('api-versions'),
    },
    { title: 'helm-version unknown', inputs: { 'helm-version': '0.0.1' }, names: inputNamed('helm-version') },
    {
      title: 'helm-mirror not a URL',
      inputs: { 'helm-mirror': 'file:///etc' },
      names: inputNamed('helm-mirror'),
    },
    { title: 'lint not a boolean', inputs: { lint: 'on' }, names: inputNamed('lint') },
    {
      title: 'output-dir outside the workspace',
      inputs: { 'output-dir': '../outside' },
      names: inputNamed('output-dir'),
    },
    {
      title: 'output-dir through a symlink',
      inputs: { 'output-dir': 'out' },
      links: { out: OUTSIDE },
      names: inputNamed('output-dir'),
    },
    {
      title: 'registry-password without a user',
      inputs: { 'registry-username': '' },
      names: /Inputs "registry-username" and "registry-password"/,
    },
  ]),

  ...cases('deploy-blue-green', [
    ...dnsLabelCases(),
    { title: 'strategy not an enum value', inputs: { strategy: 'rolling' }, names: inputNamed('strategy') },
    {
      title: 'steps not increasing',
      inputs: { strategy: 'canary', steps: '10,50,25,100' },
      names: /^Input "steps" is "10,50,25,100": expected whole percentages .* \(25 does not come after 50\)/,
    },
    {
      title: 'steps not ending at 100',
      inputs: { strategy: 'canary', steps: '10,50' },
      names: /^Input "steps" is "10,50": .*\(the last step must be 100\)/,
    },
    { title: 'steps with 0', inputs: { steps: '0,100' }, names: inputNamed('steps') },
    { title: 'steps over 100', inputs: { steps: '50,150' }, names: inputNamed('steps') },
    { title: 'steps as words', inputs: { steps: 'ten,100' }, names: inputNamed('steps') },
    { title: 'step-pause without a unit', inputs: { 'step-pause': '5' }, names: inputNamed('step-pause') },
    { title: 'step-pause 7h over 6h', inputs: { 'step-pause': '7h' }, names: inputNamed('step-pause') },
    { title: 'traffic not an enum value', inputs: { traffic: 'mesh' }, names: inputNamed('traffic') },
    {
      title: 'route with two slashes',
      inputs: { traffic: 'gateway', route: 'edge/shop/web' },
      names: inputNamed('route'),
    },
    {
      title: 'route with a set-output line',
      inputs: { traffic: 'gateway', route: `web${COMMANDS.setOutput}` },
      names: inputNamed('route'),
    },
    {
      title: 'route without traffic gateway',
      inputs: { route: 'web' },
      names: /^Input "route" is "web", but input "traffic" is "service"/,
    },
    ...analysisCases({ action: 'deploy', manifests: 'k8s/app.yaml' }),
    {
      title: 'analysis with promotion manual',
      inputs: {
        action: 'deploy',
        manifests: 'k8s/app.yaml',
        promotion: 'manual',
        analysis: 'analysis.yml',
        'prometheus-url': 'http://127.0.0.1:9',
      },
      files: { 'analysis.yml': GOOD_SPEC },
      names: inputNamed('analysis'),
    },
    ...telemetryCases(),
    { title: 'action not an enum value', inputs: { action: 'destroy' }, names: inputNamed('action') },
    { title: 'promotion not an enum value', inputs: { promotion: 'later' }, names: inputNamed('promotion') },
    { title: 'timeout 10x', inputs: { timeout: '10x' }, names: inputNamed('timeout') },
    { title: 'timeout -1s', inputs: { timeout: '-1s' }, names: inputNamed('timeout') },
    { title: 'timeout 7h over 6h', inputs: { timeout: '7h' }, names: inputNamed('timeout') },
    { title: 'timeout without a unit', inputs: { timeout: '10' }, names: inputNamed('timeout') },
    { title: 'lock-timeout 7h over 6h', inputs: { 'lock-timeout': '7h' }, names: inputNamed('lock-timeout') },
    { title: 'history-limit 0', inputs: { 'history-limit': '0' }, names: inputNamed('history-limit') },
    { title: 'history-limit 101', inputs: { 'history-limit': '101' }, names: inputNamed('history-limit') },
    {
      title: 'history-limit not a number',
      inputs: { 'history-limit': 'ten' },
      names: inputNamed('history-limit'),
    },
    {
      title: 'previous-replicas not a number',
      inputs: { 'previous-replicas': 'some' },
      names: inputNamed('previous-replicas'),
    },
    {
      title: 'verify-key that is no public key',
      inputs: { 'verify-key': 'ssh-ed25519 AAAAC3Nza' },
      names: inputNamed('verify-key'),
    },
    {
      title: 'verify-attestations of an unknown kind',
      inputs: { 'verify-attestations': 'provenance,signature' },
      names: inputNamed('verify-attestations'),
    },
    {
      title: 'verify-identity that does not compile',
      inputs: { 'verify-identity': '(unclosed' },
      names: inputNamed('verify-identity'),
    },
    {
      title: 'environment-url not http',
      inputs: { 'environment-url': 'javascript:alert(1)' },
      names: inputNamed('environment-url'),
    },
    {
      title: 'environment with a set-output line',
      inputs: { environment: `prod${COMMANDS.setOutput}` },
      names: inputNamed('environment'),
    },
    { title: 'deploy without manifests', inputs: { action: 'deploy' }, names: inputNamed('manifests') },
    {
      title: 'traffic gateway with manifests that hold no route',
      inputs: { action: 'deploy', traffic: 'gateway', manifests: 'k8s/app.yaml' },
      names: /^Input "traffic" is "gateway"/,
    },
    {
      title: 'manifests ../../etc/passwd',
      inputs: { action: 'deploy', manifests: '../../etc/passwd' },
      names: inputNamed('manifests'),
    },
    {
      title: 'manifests through a symlink',
      inputs: { action: 'deploy', manifests: 'link.yaml' },
      links: { 'link.yaml': `${OUTSIDE}/secret.yaml` },
      names: inputNamed('manifests'),
    },
    {
      title: 'manifests as an alias bomb',
      inputs: { action: 'deploy', manifests: 'bomb.yaml' },
      files: { 'bomb.yaml': aliasBomb() },
      names: 'bomb.yaml',
    },
    {
      title: 'manifests that are not YAML',
      inputs: { action: 'deploy', manifests: 'broken.yaml' },
      files: { 'broken.yaml': 'kind: [unclosed\n  - :\n' },
      names: 'broken.yaml',
    },
    ...kubeconfigCases(),
  ]),

  ...cases('smoke-test', [
    { title: 'nothing to test', inputs: { url: '' }, names: /"url", "checks" or "service"/ },
    { title: 'url not http', inputs: { url: 'ftp://127.0.0.1:9/' }, names: inputNamed('url') },
    { title: 'url relative', inputs: { url: '/healthz' }, names: inputNamed('url') },
    {
      title: 'url with a set-output line',
      inputs: { url: `http://127.0.0.1:9/${COMMANDS.setOutput}` },
      names: inputNamed('url'),
    },
    {
      title: 'url with a password, and a bad timeout',
      inputs: { url: `http://admin:${CANARY.urlPassword}@127.0.0.1:9/`, timeout: '11m' },
      names: inputNamed('timeout'),
    },
    {
      title: 'url with a password that is not a valid URL',
      inputs: { url: `http://admin:${CANARY.urlPassword}@127.0.0.1:99999/` },
      names: inputNamed('url'),
    },
    {
      title: 'url with a password and a space',
      inputs: { url: `http://admin:${CANARY.urlPassword}@127.0.0.1:9/ x` },
      names: inputNamed('url'),
    },
    {
      title: 'url with a password and a line break',
      inputs: { url: `http://admin:${CANARY.urlPassword}@127.0.0.1:9/\n::set-output name=passed::true` },
      names: inputNamed('url'),
    },
    {
      title: 'url and service both',
      inputs: { service: 'shop/web:80' },
      names: /Inputs "url" and "service"/,
    },
    { title: 'service malformed', inputs: { url: '', service: 'shop/web' }, names: inputNamed('service') },
    {
      title: 'host-header with a path',
      inputs: { 'host-header': 'shop.example.com/admin' },
      names: inputNamed('host-header'),
    },
    {
      title: 'host-header as a legacy command',
      inputs: { 'host-header': COMMANDS.legacy },
      names: inputNamed('host-header'),
    },
    {
      title: 'headers line without a colon',
      inputs: { headers: `Authorization Bearer ${CANARY.headerToken}` },
      names: inputNamed('headers'),
    },
    { title: 'timeout 10x', inputs: { timeout: '10x' }, names: inputNamed('timeout') },
    { title: 'interval -1s', inputs: { interval: '-1s' }, names: inputNamed('interval') },
    { title: 'retries over 1000', inputs: { retries: '1001' }, names: inputNamed('retries') },
    { title: 'retries negative', inputs: { retries: '-1' }, names: inputNamed('retries') },
    {
      title: 'consecutive-successes 0',
      inputs: { 'consecutive-successes': '0' },
      names: inputNamed('consecutive-successes'),
    },
    {
      title: 'concurrency too large to be safe',
      inputs: { concurrency: '99999999999999999999' },
      names: inputNamed('concurrency'),
    },
    { title: 'insecure not a boolean', inputs: { insecure: 'yes' }, names: inputNamed('insecure') },
    { title: 'load that is not a mapping', inputs: { load: '- 1\n- 2' }, names: inputNamed('load') },
    { title: 'load as an alias bomb', inputs: { load: aliasBomb() }, names: inputNamed('load') },
    {
      title: 'checks file ../../etc/passwd',
      inputs: { checks: '../../etc/passwd' },
      names: inputNamed('checks'),
    },
    {
      title: 'checks file through a symlink',
      inputs: { checks: 'link.yml' },
      links: { 'link.yml': `${OUTSIDE}/checks.yml` },
      names: inputNamed('checks'),
    },
    {
      title: 'checks file as an alias bomb',
      inputs: { checks: 'bomb.yml' },
      files: { 'bomb.yml': aliasBomb() },
      names: 'bomb.yml',
    },
    {
      title: 'checks file that is not YAML',
      inputs: { checks: 'broken.yml' },
      files: { 'broken.yml': 'checks: [\n  - name: x\n' },
      names: 'broken.yml',
    },
    {
      title: 'inline checks with a bad regex',
      inputs: { checks: 'checks:\n  - name: body\n    path: /\n    expect: { body-matches: "([a-z" }' },
      names: inlineYamlNamed('checks'),
    },
    {
      title: 'inline checks as an alias bomb',
      inputs: { checks: aliasBomb() },
      names: inlineYamlNamed('checks'),
    },
    {
      title: 'inline checks reading the runner token',
      inputs: {
        checks:
          'env: [ACTIONS_RUNTIME_TOKEN]\nchecks:\n  - name: t\n    path: /\n    headers: { X-T: "${ACTIONS_RUNTIME_TOKEN}" }',
      },
      names: inlineYamlNamed('checks'),
    },
    {
      title: 'inline checks with a command in a check name and a bad status',
      inputs: {
        checks: `checks:\n  - name: ${JSON.stringify(COMMANDS.setOutput)}\n    path: /\n    expect: { status: 999 }`,
      },
      names: inlineYamlNamed('checks'),
    },
    {
      title: 'ca-file outside the workspace',
      inputs: { 'ca-file': `${OUTSIDE}/ca.pem` },
      names: inputNamed('ca-file'),
    },
    { title: 'ca-file without a certificate', inputs: { 'ca-file': 'ca.pem' }, names: inputNamed('ca-file') },
  ]),

  ...cases('rollback', [
    ...dnsLabelCases(),
    ...telemetryCases(),
    { title: 'traffic not an enum value', inputs: { traffic: 'mesh' }, names: inputNamed('traffic') },
    {
      title: 'route with two slashes',
      inputs: { traffic: 'gateway', route: 'edge/shop/web' },
      names: inputNamed('route'),
    },
    {
      title: 'route with a set-output line',
      inputs: { traffic: 'gateway', route: `web${COMMANDS.setOutput}` },
      names: inputNamed('route'),
    },
    {
      title: 'route without traffic gateway',
      inputs: { route: 'web' },
      names: /^Input "route" is "web", but input "traffic" is "service"/,
    },
    { title: 'to 0', inputs: { to: '0' }, names: inputNamed('to') },
    { title: 'to negative', inputs: { to: '-1' }, names: inputNamed('to') },
    { title: 'to a word', inputs: { to: 'last' }, names: inputNamed('to') },
    {
      title: 'to with a set-output line',
      inputs: { to: `previous${COMMANDS.setOutput}` },
      names: inputNamed('to'),
    },
    { title: 'reason missing', inputs: { reason: '' }, names: inputNamed('reason') },
    { title: 'reason only blanks', inputs: { reason: '   ' }, names: inputNamed('reason') },
    { title: 'reason on two lines', inputs: { reason: 'broken\nsecond line' }, names: inputNamed('reason') },
    {
      title: 'reason with a set-output line',
      inputs: { reason: COMMANDS.setOutput },
      names: inputNamed('reason'),
    },
    {
      title: 'reason after a carriage return',
      inputs: { reason: COMMANDS.carriageReturn },
      names: inputNamed('reason'),
    },
    { title: 'reason over 500 characters', inputs: { reason: 'r'.repeat(501) }, names: inputNamed('reason') },
    { title: 'dry-run not a boolean', inputs: { 'dry-run': 'perhaps' }, names: inputNamed('dry-run') },
    { title: 'timeout 7h over 6h', inputs: { timeout: '7h' }, names: inputNamed('timeout') },
    { title: 'timeout 0s under 1s', inputs: { timeout: '0s' }, names: inputNamed('timeout') },
    {
      title: 'unschedulable-grace malformed',
      inputs: { 'unschedulable-grace': '2 minutes' },
      names: inputNamed('unschedulable-grace'),
    },
    ...kubeconfigCases(),
  ]),

  ...cases('deploy', [
    ...analysisCases({}),
    ...dnsLabelCases(),
    ...telemetryCases(),
    { title: 'strategy not an enum value', inputs: { strategy: 'rolling' }, names: inputNamed('strategy') },
    {
      title: 'steps not increasing',
      inputs: { strategy: 'canary', steps: '10,50,25,100' },
      names: /^Input "steps" is "10,50,25,100": expected whole percentages .* \(25 does not come after 50\)/,
    },
    {
      title: 'steps not ending at 100',
      inputs: { strategy: 'canary', steps: '10,50' },
      names: /^Input "steps" is "10,50": .*\(the last step must be 100\)/,
    },
    { title: 'steps with 0', inputs: { steps: '0,100' }, names: inputNamed('steps') },
    { title: 'steps over 100', inputs: { steps: '50,150' }, names: inputNamed('steps') },
    { title: 'steps as words', inputs: { steps: 'ten,100' }, names: inputNamed('steps') },
    { title: 'step-pause without a unit', inputs: { 'step-pause': '5' }, names: inputNamed('step-pause') },
    { title: 'step-pause 7h over 6h', inputs: { 'step-pause': '7h' }, names: inputNamed('step-pause') },
    { title: 'traffic not an enum value', inputs: { traffic: 'istio' }, names: inputNamed('traffic') },
    {
      title: 'route without traffic gateway',
      inputs: { route: 'edge/web' },
      names: /^Input "route" is "edge\/web", but input "traffic" is "service"/,
    },
    { title: 'image-ref missing', inputs: { 'image-ref': '' }, names: inputNamed('image-ref') },
    { title: 'image-ref by tag', inputs: { 'image-ref': 'r.io/shop:1.0' }, names: inputNamed('image-ref') },
    {
      title: 'image-ref as an add-mask command',
      inputs: { 'image-ref': COMMANDS.addMask },
      names: inputNamed('image-ref'),
    },
    { title: 'timeout 5s under 10s', inputs: { timeout: '5s' }, names: inputNamed('timeout') },
    { title: 'timeout 7h over 6h', inputs: { timeout: '7h' }, names: inputNamed('timeout') },
    { title: 'smoke-timeout 10x', inputs: { 'smoke-timeout': '10x' }, names: inputNamed('smoke-timeout') },
    {
      title: 'smoke-retries over 1000',
      inputs: { 'smoke-retries': '5000' },
      names: inputNamed('smoke-retries'),
    },
    { title: 'smoke-path relative', inputs: { 'smoke-path': 'healthz' }, names: inputNamed('smoke-path') },
    {
      title: 'smoke-path with a set-output line',
      inputs: { 'smoke-path': `/h${COMMANDS.setOutput}` },
      names: inputNamed('smoke-path'),
    },
    {
      title: 'smoke-url with a path',
      inputs: { 'smoke-url': 'https://shop.example.com/healthz' },
      names: inputNamed('smoke-url'),
    },
    {
      title: 'smoke-url with a password and a path',
      inputs: { 'smoke-url': `https://admin:${CANARY.urlPassword}@shop.example.com/healthz` },
      names: inputNamed('smoke-url'),
    },
    {
      title: 'smoke-host-header without smoke-url',
      inputs: { 'smoke-host-header': 'shop.example.com' },
      names: inputNamed('smoke-host-header'),
    },
    {
      title: 'smoke-checks with a bad regex',
      inputs: { 'smoke-checks': 'checks:\n  - name: b\n    path: /\n    expect: { body-matches: "(" }' },
      names: inlineYamlNamed('smoke-checks'),
    },
    {
      title: 'smoke-checks file outside',
      inputs: { 'smoke-checks': '../outside/checks.yml' },
      names: inputNamed('smoke-checks'),
    },
    {
      title: 'smoke-checks as an alias bomb',
      inputs: { 'smoke-checks': aliasBomb() },
      names: inlineYamlNamed('smoke-checks'),
    },
    {
      title: 'values-files outside',
      inputs: { 'values-files': '../outside/values.yaml' },
      names: inputNamed('values-files'),
    },
    {
      title: 'values-files as an alias bomb',
      inputs: { 'values-files': 'bomb.yaml' },
      files: { 'bomb.yaml': aliasBomb() },
      names: inputNamed('values-files'),
    },
    {
      title: 'chart through a symlink',
      inputs: { chart: 'linked' },
      links: { linked: OUTSIDE },
      names: inputNamed('chart'),
    },
    {
      title: 'chart-version for the built-in chart',
      inputs: { 'chart-version': '1.0.0' },
      names: inputNamed('chart-version'),
    },
    { title: 'set without =', inputs: { set: 'replicas' }, names: inputNamed('set') },
    {
      title: 'previous-replicas not a number',
      inputs: { 'previous-replicas': 'half' },
      names: inputNamed('previous-replicas'),
    },
    {
      title: 'environment-url not http',
      inputs: { 'environment-url': 'data:text/html,x' },
      names: inputNamed('environment-url'),
    },
    {
      title: 'environment with a set-output line',
      inputs: { environment: `prod${COMMANDS.setOutput}` },
      names: inputNamed('environment'),
    },
    ...kubeconfigCases(),
  ]),
  ...cases('preview', [
    { title: 'operation missing', inputs: { operation: '' }, names: inputNamed('operation') },
    { title: 'operation unknown', inputs: { operation: 'destroy' }, names: inputNamed('operation') },
    { title: 'app in upper case', inputs: { app: 'Shop' }, names: inputNamed('app') },
    { title: 'app too long', inputs: { app: 'a'.repeat(41) }, names: inputNamed('app') },
    { title: 'pr-number missing for prepare', inputs: { 'pr-number': '' }, names: inputNamed('pr-number') },
    {
      title: 'pr-number missing for teardown',
      inputs: { operation: 'teardown', 'pr-number': '' },
      names: inputNamed('pr-number'),
    },
    { title: 'pr-number zero', inputs: { 'pr-number': '0' }, names: inputNamed('pr-number') },
    { title: 'pr-number not a number', inputs: { 'pr-number': '12; rm' }, names: inputNamed('pr-number') },
    {
      title: 'pr-number given to cleanup',
      inputs: { operation: 'cleanup' },
      names: inputNamed('pr-number'),
    },
    { title: 'ttl without a unit', inputs: { ttl: '72' }, names: inputNamed('ttl') },
    { title: 'ttl too short', inputs: { ttl: '1m' }, names: inputNamed('ttl') },
    { title: 'ttl too long', inputs: { ttl: '9000h' }, names: inputNamed('ttl') },
    {
      title: 'registry with a scheme',
      inputs: { registry: 'https://ghcr.io' },
      names: inputNamed('registry'),
    },
    {
      title: 'pull-secret-name with a slash',
      inputs: { 'pull-secret-name': '../registry' },
      names: inputNamed('pull-secret-name'),
    },
    {
      title: 'deploy-result unknown',
      inputs: { operation: 'comment', 'deploy-result': 'great' },
      names: inputNamed('deploy-result'),
    },
    {
      title: 'revision not a number',
      inputs: { operation: 'comment', revision: 'latest' },
      names: inputNamed('revision'),
    },
    { title: 'color unknown', inputs: { operation: 'comment', color: 'red' }, names: inputNamed('color') },
    {
      title: 'image-ref with a set-output line',
      inputs: { operation: 'comment', 'image-ref': `r.io/shop${COMMANDS.setOutput}` },
      names: inputNamed('image-ref'),
    },
    { title: 'timeout too short', inputs: { timeout: '1s' }, names: inputNamed('timeout') },
    ...kubeconfigCases(),
  ]),
];
