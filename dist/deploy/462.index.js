export const id = 462;
export const ids = [462];
export const modules = {

/***/ 8462:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DEFAULT_HELM_VERSION: () => (/* reexport */ DEFAULT_HELM_VERSION),
  HELM_RELEASES: () => (/* reexport */ HELM_RELEASES),
  Helm: () => (/* reexport */ Helm),
  KubeSchemaValidator: () => (/* reexport */ KubeSchemaValidator),
  explainHelmFailure: () => (/* reexport */ explainHelmFailure),
  fetchChart: () => (/* reexport */ fetchChart),
  fieldPath: () => (/* reexport */ fieldPath),
  formatSchemaProblem: () => (/* reexport */ formatSchemaProblem),
  helmKubeVersion: () => (/* reexport */ helmKubeVersion),
  helmToolSpec: () => (/* reexport */ helmToolSpec),
  imagesOf: () => (/* reexport */ imagesOf),
  inspectManifests: () => (/* reexport */ inspectManifests),
  installHelm: () => (/* reexport */ installHelm),
  isPinnedByDigest: () => (/* reexport */ isPinnedByDigest),
  literalSetValue: () => (/* reexport */ literalSetValue),
  newestKubeVersion: () => (/* reexport */ newestKubeVersion),
  objectId: () => (/* reexport */ objectId),
  parseAssignment: () => (/* reexport */ parseAssignment),
  parseImageRef: () => (/* reexport */ parseImageRef),
  parseImageValuePath: () => (/* reexport */ parseImageValuePath),
  planRender: () => (/* reexport */ planRender),
  prepareChart: () => (/* reexport */ prepareChart),
  renderChart: () => (/* reexport */ renderChart),
  resolveChartSource: () => (/* reexport */ resolveChartSource),
  resolveHelmVersion: () => (/* reexport */ resolveHelmVersion),
  splitManifests: () => (/* reexport */ splitManifests),
  supportedKubeMinor: () => (/* reexport */ supportedKubeMinor),
  supportedKubeVersions: () => (/* reexport */ supportedKubeVersions),
  templateLocation: () => (/* reexport */ templateLocation),
  valueArgs: () => (/* reexport */ valueArgs),
  writeManifests: () => (/* reexport */ writeManifests)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./packages/kit/index.ts + 15 modules
var kit = __webpack_require__(2379);
;// CONCATENATED MODULE: ./packages/helm/helm-errors.ts


/** helm's own words after `Error:`, without its advice to rerun with --debug. */
function helmMessage(result) {
    const text = (result.stderr || result.stdout)
        .split('\n')
        .filter((line) => !/^Use --debug flag/.test(line))
        .join('\n')
        .trim();
    return text.replace(/^Error: /, '');
}
// helm 3: `template: chart/templates/x.yaml:12:20: executing …`; helm 4: `chart/templates/x.yaml:12:20`;
// both: `execution error at (chart/templates/x.yaml:12:6): …`, `parse error at (chart/templates/x.yaml:3): …`.
const TEMPLATE_AT = /(?:^|[\s(])((?:[\w.-]+\/)+[\w.-]+\.(?:ya?ml|tpl|txt|json)):(\d+)(?::(\d+))?/m;
const YAML_ON = /YAML parse error on ((?:[\w.-]+\/)+[\w.-]+)/;
/** The template file helm names (`chart/templates/x.yaml`) and its line, when it names one. */
function templateLocation(message) {
    const at = TEMPLATE_AT.exec(message);
    if (at) {
        return {
            template: at[1],
            line: Number(at[2]),
            ...(at[3] === undefined ? {} : { column: Number(at[3]) }),
        };
    }
    const yaml = YAML_ON.exec(message);
    return yaml ? { template: yaml[1] } : undefined;
}
/** `swiss-app/templates/x.yaml` → the file in the chart folder (subcharts live under `charts/<name>/`). */
function templateFile(chart, template) {
    const [first, ...rest] = template.split('/');
    if (first !== chart.name || rest.length === 0)
        return undefined;
    const file = external_node_path_.join(chart.dir, ...rest);
    return chart.workspace ? external_node_path_.relative(chart.workspace, file) : undefined;
}
function locationOf(chart, template, line, column) {
    const file = templateFile(chart, template);
    if (!file || file.startsWith('..'))
        return undefined;
    return { file, ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) };
}
const MISSING_DEPENDENCIES = /missing in charts\/ directory|is missing these dependencies|run `helm dependency build`/;
const SCHEMA = /values don't meet the specifications of the schema/;
const NOT_FOUND = /not found|404|no such host|failed to fetch|invalid_reference|unauthorized|403|denied/i;
const NETWORK = /connection refused|i\/o timeout|TLS handshake|deadline exceeded|EOF|503|502|500 Internal/i;
/**
 * The findings of a failed `helm lint` (its `[ERROR]` and `[WARNING]` entries, which it prints on
 * stdout), without the `[INFO]` advice that never fails a lint.
 */
function lintFindings(stdout) {
    const kept = [];
    let keep = false;
    for (const line of stdout.split('\n')) {
        if (/^\[(ERROR|WARNING)\]/.test(line))
            keep = true;
        else if (/^\[\w+\]|^==> |^\d+ chart\(s\) linted/.test(line))
            keep = false;
        if (keep && line.trim() !== '')
            kept.push(line);
    }
    return kept.join('\n');
}
/**
 * What a helm failure means for the person who reads it: a problem in the chart or the values
 * (UserError, with the template file and line when helm names them) or a world that failed (WorldError).
 */
function explainHelmFailure(error, step, chart) {
    if (!(error instanceof kit/* ExecError */.cI))
        return error;
    if (/ timed out after /.test(error.message)) {
        return new kit/* WorldError */.nM(`helm ${step} did not finish: ${error.message}`, {
            cause: error,
            untouched: 'nothing was rendered',
        });
    }
    const message = (step === 'lint' && lintFindings(error.result.stdout)) || helmMessage(error.result);
    if (step === 'template' || step === 'lint' || step === 'dependency') {
        if (SCHEMA.test(message)) {
            // helm names each refused value after this heading (lint prints them twice; keep the last).
            const heading = 'in the following chart(s):';
            const detail = message.includes(heading)
                ? message.slice(message.lastIndexOf(heading) + heading.length).trim()
                : message;
            return new kit/* UserError */.yo(`The values break the chart's values.schema.json:\n${detail}`, {
                hint: 'Fix the named values in values-files, set or set-string; the chart refused to render.',
            });
        }
        if (MISSING_DEPENDENCIES.test(message)) {
            return new kit/* UserError */.yo(`The chart's dependencies are missing: ${message}`, {
                hint: "Set dependency-update: true, or vendor the dependencies into the chart's charts/ folder.",
            });
        }
        if (step === 'dependency' && NETWORK.test(message)) {
            return new kit/* WorldError */.nM(`helm could not fetch the chart's dependencies: ${message}`, {
                cause: error,
                untouched: 'nothing was rendered',
            });
        }
        const at = templateLocation(message);
        const location = at && chart ? locationOf(chart, at.template, at.line, at.column) : undefined;
        if (at) {
            return new kit/* UserError */.yo(`The chart does not render: ${message.replace(/^\[ERROR\] templates\/: /, '')}`, {
                hint: `Fix ${at.template}${at.line === undefined ? '' : ` at line ${at.line}`}, or the values it reads.`,
                ...(location ? { location } : {}),
            });
        }
        const what = step === 'lint' ? 'helm lint --strict rejects the chart' : 'The chart does not render';
        return new kit/* UserError */.yo(`${what}:\n${message}`, {
            hint: step === 'lint'
                ? 'Fix what lint names, or set lint: false for a chart you do not own.'
                : 'Fix the chart or the values it is given.',
            ...(location ? { location } : {}),
        });
    }
    if (step === 'login') {
        return /unauthorized|401|denied|incorrect username or password/i.test(message)
            ? new kit/* UserError */.yo(`The registry refused the login: ${message}`, {
                hint: 'Check registry-username and registry-password.',
            })
            : new kit/* WorldError */.nM(`helm could not log in to the registry: ${message}`, { cause: error });
    }
    if (NETWORK.test(message) || !NOT_FOUND.test(message)) {
        return new kit/* WorldError */.nM(`helm could not fetch the chart: ${message}`, {
            cause: error,
            untouched: 'nothing was rendered',
        });
    }
    return new kit/* UserError */.yo(`helm could not fetch the chart: ${message}`, {
        hint: 'Check chart, chart-name and version, and the registry credentials.',
    });
}

;// CONCATENATED MODULE: ./packages/helm/helm-versions.ts
/**
 * The helm releases render-helm can install, with the sha256 of each official archive as published
 * beside it on get.helm.sh (`<archive>.sha256sum`, repeated in the release notes). A version that is
 * not listed here cannot be installed: there is no checksum to hold the download to.
 */
const HELM_RELEASES = {
    '4.1.4': {
        'linux-x64': '70b2c30a19da4db264dfd68c8a3664e05093a361cefd89572ffb36f8abfa3d09',
        'linux-arm64': '13d03672be289045d2ff00e4e345d61de1c6f21c1257a45955a30e8ae036d8f1',
        'darwin-x64': 'abf09c8503ad1d8ef76d3737a058c3456a998aae5f5966fce4bb3031aeb1654e',
        'darwin-arm64': '7c2eca678e8001fa863cdf8cbf6ac1b3799f9404a89eb55c08260ef5732e658d',
        'win32-x64': 'bd60f567f667631a2c9b698dfabe5e3cd52eaaf4264163c0a9cae566db8560e8',
        'win32-arm64': 'd0a651026da4a26b28bdfc3d455ce3dfacbc267182dc2225c2172b1dcc549643',
    },
    '3.20.2': {
        'linux-x64': '258e830a9e613c8a7a302d6059b4bb3b9758f2f3e1bb8ea0d707ce10a9a72fea',
        'linux-arm64': '5ea2d6bc2cda3f8edf985e028809f5a9278f404fb8ab24044de9b7cb9b79a691',
        'darwin-x64': '7de04301f28b902a74f6286ed941cadc86ee5e6a9086a18f2ccf1f548e99d618',
        'darwin-arm64': '139c794c22f16b579d08ddd3008c8038b9bb2814f35b5bcca91f50a1f458978d',
        'win32-x64': '24e8e5b71bab4ee17e6f989931ecf4fb144f9916cbe9990c0b6b2ec7b925c454',
        'win32-arm64': '7c940a73a6882f50b69aec3282549da4a49917669db18fc503db930fb74b9789',
    },
};
/** The helm the action installs when the workflow names none. */
const DEFAULT_HELM_VERSION = '4.1.4';
const HELM_DOWNLOAD_BASE = 'https://get.helm.sh';
function compareVersions(a, b) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < 3; i++) {
        const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (diff !== 0)
            return diff;
    }
    return 0;
}
/**
 * The exact release a `helm-version` input means: `4.1.4` (or `v4.1.4`) itself, or `4.1`, the newest
 * listed 4.1.x. Anything looser (`4`, `latest`) is refused: it would change under the workflow's feet.
 * Returns the reason when the version cannot be used.
 */
function resolveHelmVersion(wanted) {
    const text = wanted.trim().replace(/^v/, '');
    const known = Object.keys(HELM_RELEASES).sort(compareVersions).reverse();
    const listed = `pinned releases: ${known.join(', ')}`;
    if (/^\d+\.\d+\.\d+$/.test(text)) {
        return HELM_RELEASES[text] ? { version: text } : { reason: `no pinned checksum for ${text}; ${listed}` };
    }
    if (/^\d+\.\d+$/.test(text)) {
        const match = known.find((version) => version.startsWith(`${text}.`));
        return match ? { version: match } : { reason: `no pinned ${text}.x release; ${listed}` };
    }
    return { reason: `give major.minor or an exact version, never a moving one; ${listed}` };
}
/** How installTool finds, downloads and verifies one pinned helm release. */
function helmToolSpec(version) {
    const sha256 = HELM_RELEASES[version];
    if (!sha256)
        throw new Error(`helm ${version} has no pinned checksums`);
    const os = (platform) => (platform === 'win32' ? 'windows' : platform);
    return {
        name: 'helm',
        version,
        baseUrl: HELM_DOWNLOAD_BASE,
        archivePath: (t) => `helm-v${t.version}-${os(t.platform)}-${t.goArch}.${t.platform === 'win32' ? 'zip' : 'tar.gz'}`,
        sha256,
        archive: process.platform === 'win32' ? 'zip' : 'tar.gz',
        binaryPath: (t) => `${os(t.platform)}-${t.goArch}/helm${t.platform === 'win32' ? '.exe' : ''}`,
        versionArgs: ['version', '--short'],
        versionPattern: /\bv(\d+\.\d+\.\d+)\b/,
    };
}

;// CONCATENATED MODULE: ./packages/helm/values.ts
/**
 * Reads one `key=value` line of `set`, `set-string` or `set-file`. The key ends at the first `=`;
 * everything after it is the value, commas and further `=` included.
 */
function parseAssignment(line) {
    const eq = line.indexOf('=');
    if (eq < 0)
        return { reason: 'has no "=": write key=value' };
    const key = line.slice(0, eq).trim();
    if (key === '')
        return { reason: 'has no key before "="' };
    if (/\s/.test(key))
        return { reason: `has a key with spaces ("${key}")` };
    return { key, value: line.slice(eq + 1) };
}
/**
 * Helm's `--set` parser splits a value on commas and reads backslashes as escapes. A value from a
 * workflow line is meant literally, so both are escaped; only helm's list syntax `{a,b}` is kept, since
 * writing braces says the commas are meant.
 */
function literalSetValue(value) {
    if (/^\{.*\}$/s.test(value))
        return value;
    return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
}
const DIGEST_REF = /^((?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::[\w][\w.-]{0,127})?@(sha256:[a-f0-9]{64})$/;
/** `repo@sha256:…` (a tag before the digest is allowed and dropped): what build-image hands on. */
function parseImageRef(text) {
    const match = DIGEST_REF.exec(text.trim());
    if (!match)
        return undefined;
    return { ref: `${match[1]}@${match[2]}`, repository: match[1], digest: match[2] };
}
const VALUE_PATH = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
/**
 * One line of `image-value-paths`: a prefix (`image` → `image.repository` and `image.digest`), or the
 * two paths themselves separated by a space (`app.image.name app.image.sha`).
 */
function parseImageValuePath(line) {
    const parts = line.trim().split(/\s+/);
    if (parts.some((part) => !VALUE_PATH.test(part)))
        return { reason: 'is not a dotted value path such as image or app.image' };
    if (parts.length === 1)
        return { repository: `${parts[0]}.repository`, digest: `${parts[0]}.digest` };
    if (parts.length === 2)
        return { repository: parts[0], digest: parts[1] };
    return { reason: 'has more than two paths: give a prefix, or a repository path and a digest path' };
}
/** The helm flags that carry values, in the order helm layers them. Shared by lint and template. */
function valueArgs(options) {
    const args = [];
    for (const file of options.valuesFiles)
        args.push('--values', file);
    for (const { key, value } of options.set)
        args.push('--set', `${key}=${literalSetValue(value)}`);
    for (const { key, value } of options.setString)
        args.push('--set-string', `${key}=${literalSetValue(value)}`);
    for (const { key, value } of options.setFile)
        args.push('--set-file', `${key}=${literalSetValue(value)}`);
    // Last, so the digest from build-image wins over anything a values file says.
    if (options.image) {
        for (const target of options.image.paths) {
            args.push('--set-string', `${target.repository}=${literalSetValue(options.image.ref.repository)}`);
            args.push('--set-string', `${target.digest}=${options.image.ref.digest}`);
        }
    }
    return args;
}
/** `--kube-version` as helm wants it: a full semver, `1.36` → `v1.36.0`. */
function helmKubeVersion(kubeVersion) {
    const text = kubeVersion.replace(/^v/, '');
    return `v${/^\d+\.\d+$/.test(text) ? `${text}.0` : text}`;
}
/** Flags that describe the target cluster, for lint and template alike. */
function capabilityArgs(options) {
    const args = ['--namespace', options.namespace, '--kube-version', helmKubeVersion(options.kubeVersion)];
    for (const apiVersion of options.apiVersions)
        args.push('--api-versions', apiVersion);
    return args;
}

;// CONCATENATED MODULE: ./packages/helm/helm.ts







const MINUTE = 60_000;
/**
 * One helm binary and the environment it runs in. Stateless apart from a private registry config
 * when the action logs in, so a login never touches the runner's own helm config.
 */
class Helm {
    binary;
    version;
    source;
    env;
    constructor(binary, version, source = 'given', 
    /** Added to the environment helm runs in (HELM_CACHE_HOME and friends). */
    env = {}) {
        this.binary = binary;
        this.version = version;
        this.source = source;
        this.env = { ...env };
    }
    /** The pinned release: from the tool cache, a helm of exactly that version on PATH, or a verified download. */
    static async install(version, options = {}) {
        const tool = await (0,kit/* installTool */.Gn)(helmToolSpec(version), options.mirror ? { mirror: options.mirror } : {});
        return new Helm(tool.path, tool.version, tool.source);
    }
    get major() {
        return Number(this.version.split('.')[0]);
    }
    run(args, options = {}) {
        return (0,kit/* exec */.m0)(this.binary, args, {
            cwd: options.cwd,
            env: this.env,
            ...(options.input === undefined ? {} : { input: options.input }),
            timeoutMs: options.timeoutMs ?? 5 * MINUTE,
        });
    }
    /** Logs in to an OCI registry with a config file of this run's own; the password goes through stdin. */
    async registryLogin(host, username, password, plainHttp) {
        (0,kit/* registerSecret */.cl)(password);
        const dir = await (0,promises_.mkdtemp)(external_node_path_.join(process.env.RUNNER_TEMP ?? external_node_os_.tmpdir(), 'helm-registry-'));
        this.env.HELM_REGISTRY_CONFIG = external_node_path_.join(dir, 'config.json');
        // helm 3 has no --plain-http for login and reaches plain-http registries with --insecure.
        const transport = plainHttp ? (this.major >= 4 ? ['--plain-http'] : ['--insecure']) : [];
        try {
            await this.run(['registry', 'login', host, '--username', username, '--password-stdin', ...transport], {
                input: password,
                timeoutMs: 2 * MINUTE,
            });
        }
        catch (error) {
            throw explainHelmFailure(error, 'login');
        }
    }
    /** Downloads and unpacks an OCI or repository chart into `into`; returns the chart's folder. */
    async pull(source, into, plainHttp) {
        const args = source.kind === 'oci'
            ? ['pull', source.ref, ...(source.version ? ['--version', source.version] : [])]
            : ['pull', source.name, '--repo', source.url, '--version', source.version];
        if (plainHttp && source.kind === 'oci')
            args.push('--plain-http');
        args.push('--untar', '--untardir', into);
        try {
            await this.run(args);
        }
        catch (error) {
            throw explainHelmFailure(error, 'pull');
        }
        const entries = (await (0,promises_.readdir)(into, { withFileTypes: true })).filter((e) => e.isDirectory());
        if (entries.length !== 1)
            throw new Error(`helm pull left ${entries.length} folders in ${into}`);
        return external_node_path_.join(into, entries[0].name);
    }
    /** The Chart.yaml of a chart folder or packaged .tgz, as helm reads it. */
    async showChart(chart) {
        try {
            return (await this.run(['show', 'chart', chart], { timeoutMs: MINUTE })).stdout;
        }
        catch (error) {
            throw explainHelmFailure(error, 'template');
        }
    }
    async dependencyUpdate(chart) {
        try {
            await this.run(['dependency', 'update', chart.dir]);
        }
        catch (error) {
            throw explainHelmFailure(error, 'dependency', chart);
        }
    }
    /** `helm lint --strict` with the same values and target the render uses; returns lint's report. */
    async lint(chart, options) {
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
        }
        catch (error) {
            throw explainHelmFailure(error, 'lint', chart);
        }
    }
    /** `helm template` for the target cluster, client-side only: CRDs included, test hooks left out. */
    async template(chart, options) {
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
            for (const line of result.stderr.split('\n'))
                if (line.trim() !== '')
                    kit/* log */.Rm.info(`helm: ${line}`);
            return result.stdout;
        }
        catch (error) {
            throw explainHelmFailure(error, 'template', chart);
        }
    }
    /** Removes what the run left behind (the private registry config). */
    async cleanup() {
        const config = this.env.HELM_REGISTRY_CONFIG;
        if (config)
            await (0,promises_.rm)(external_node_path_.dirname(config), { recursive: true, force: true });
    }
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./packages/helm/chart.ts






/**
 * What the `chart`, `chart-name` and `version` inputs point at, checked without touching the network:
 * empty → the built-in chart; `oci://…`; an `https://` repository with `chart-name` and `version`; or a
 * chart folder (or packaged .tgz) in the workspace. Returns the problem when they do not fit together.
 */
function resolveChartSource(inputs) {
    const chart = inputs.chart.trim();
    const version = inputs.version.trim();
    if (chart === '') {
        if (inputs.chartName)
            return { problem: 'Input "chart-name" needs a repository URL in "chart".' };
        return { kind: 'builtin', path: inputs.builtin };
    }
    if (chart.startsWith('oci://')) {
        if (inputs.chartName)
            return { problem: 'Input "chart-name" is for repository URLs; an oci:// reference names its chart.' };
        const pinnedInRef = /:[\w][\w.+-]*$|@sha256:[a-f0-9]{64}$/.test(chart.slice('oci://'.length).split('/').slice(1).join('/'));
        if (!version && !pinnedInRef) {
            return {
                problem: `Input "chart" is "${chart}" without a version: set "version" (or a tag in the reference) so the chart cannot change under the workflow.`,
            };
        }
        return { kind: 'oci', ref: chart, ...(version ? { version } : {}) };
    }
    if (/^https?:\/\//.test(chart)) {
        if (!inputs.chartName)
            return { problem: `Input "chart" is the repository "${chart}": set "chart-name" to the chart in it.` };
        if (!version)
            return {
                problem: `Input "version" is required for the repository chart "${inputs.chartName}", so it cannot change under the workflow.`,
            };
        return { kind: 'repo', url: chart, name: inputs.chartName, version };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart))
        return {
            problem: `Input "chart" is "${chart}": expected a path, an oci:// reference or an http(s):// repository URL.`,
        };
    if (inputs.chartName)
        return { problem: 'Input "chart-name" needs a repository URL in "chart".' };
    const full = external_node_path_.resolve(inputs.workspace, chart);
    if (!(0,external_node_fs_.existsSync)(full))
        return { problem: `Input "chart" is "${chart}": no such file or folder in the workspace.` };
    if ((0,external_node_fs_.statSync)(full).isDirectory() && !(0,external_node_fs_.existsSync)(external_node_path_.join(full, 'Chart.yaml')))
        return { problem: `Input "chart" is "${chart}": the folder has no Chart.yaml.` };
    return { kind: 'local', path: full };
}
function chartMeta(text, where) {
    const meta = (0,dist/* parse */.qg)(text);
    const name = typeof meta?.name === 'string' ? meta.name : undefined;
    if (!name)
        throw new kit/* UserError */.yo(`${where} has no name.`, { hint: 'A chart needs name and version in Chart.yaml.' });
    return {
        name,
        version: meta?.version === undefined ? '' : String(meta.version),
        ...(meta?.appVersion === undefined ? {} : { appVersion: String(meta.appVersion) }),
    };
}
/** Brings the chart to disk (pulling OCI and repository charts) and reads its Chart.yaml. */
async function fetchChart(helm, source, options) {
    let dir;
    let label;
    switch (source.kind) {
        case 'builtin':
            dir = source.path;
            label = 'built-in swiss-app';
            break;
        case 'local':
            dir = source.path;
            label = external_node_path_.relative(options.workspace, source.path) || '.';
            break;
        case 'oci':
        case 'repo': {
            const into = await (0,promises_.mkdtemp)(external_node_path_.join(options.tempDir ?? process.env.RUNNER_TEMP ?? external_node_os_.tmpdir(), 'chart-'));
            dir = await helm.pull(source, into, options.plainHttp);
            label = source.kind === 'oci' ? source.ref : `${source.name} from ${source.url}`;
            break;
        }
    }
    if (!(0,external_node_fs_.statSync)(dir).isDirectory()) {
        // A packaged chart in the workspace: helm reads it as it is, and tells what its Chart.yaml says.
        return { source, path: dir, ...chartMeta(await helm.showChart(dir), label), label };
    }
    const file = external_node_path_.join(dir, 'Chart.yaml');
    return { source, path: dir, ...chartMeta((0,external_node_fs_.readFileSync)(file, 'utf8'), file), label };
}
/** How helm names the chart's files in errors and `# Source:` comments, and where they are on disk. */
function chartFiles(chart, workspace) {
    const inWorkspace = chart.source.kind === 'local' &&
        (0,external_node_fs_.statSync)(chart.path).isDirectory() &&
        !external_node_path_.relative(workspace, chart.path).startsWith('..');
    return { name: chart.name, dir: chart.path, ...(inWorkspace ? { workspace } : {}) };
}

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./packages/helm/kube-schemas/versions.ts
/** The Kubernetes minors whose schemas ship with render-helm, oldest first, and the patch each was taken from. */
const SUPPORTED_KUBE_VERSIONS = {
    '1.34': '1.34.4',
    '1.35': '1.35.4',
    '1.36': '1.36.3',
};
/** Loads one minor lazily: each is its own chunk in the bundle. */
function loadPackedSchemas(minor) {
    switch (minor) {
        case '1.34':
            return __webpack_require__.e(/* import() */ 300).then(__webpack_require__.bind(__webpack_require__, 8300));
        case '1.35':
            return __webpack_require__.e(/* import() */ 867).then(__webpack_require__.bind(__webpack_require__, 6248));
        case '1.36':
            return __webpack_require__.e(/* import() */ 374).then(__webpack_require__.bind(__webpack_require__, 2374));
        default:
            return undefined;
    }
}

;// CONCATENATED MODULE: ./packages/helm/manifests.ts


/**
 * Splits helm's output into its documents, keeping the template each came from (`# Source:`) and the
 * line where it starts. Documents are read as YAML 1.1, the way the API server and kubectl read them
 * (`on` is true there).
 */
function splitManifests(text) {
    const lines = text.split('\n');
    const documents = [];
    let start = 0;
    const flush = (end) => {
        const chunk = lines.slice(start, end);
        const sourceLine = chunk.find((line) => line.startsWith('# Source: '));
        const source = sourceLine?.slice('# Source: '.length).trim();
        const body = chunk.join('\n');
        if (body.trim() !== '') {
            let value;
            try {
                value = (0,dist/* parse */.qg)(body, { version: '1.1', uniqueKeys: false });
            }
            catch (error) {
                const reason = error instanceof dist/* YAMLParseError */.XT ? error.message.split('\n')[0] : String(error);
                throw new kit/* UserError */.yo(`The rendered output of ${source ?? 'a template'} is not valid YAML: ${reason}`, {
                    hint: 'Fix the template so it renders one YAML document per object.',
                });
            }
            if (value !== null && value !== undefined) {
                if (typeof value !== 'object' || Array.isArray(value)) {
                    throw new kit/* UserError */.yo(`${source ?? 'A template'} renders a YAML ${Array.isArray(value) ? 'list' : typeof value} where a Kubernetes object belongs.`, {
                        hint: 'Each document a template renders must be one object with apiVersion, kind and metadata.',
                    });
                }
                documents.push({ source, line: start + 1, object: value });
            }
        }
    };
    for (let i = 0; i < lines.length; i++) {
        if (/^---\s*$/.test(lines[i])) {
            flush(i);
            start = i + 1;
        }
    }
    flush(lines.length);
    return documents;
}
function manifests_text(value) {
    return typeof value === 'string' && value !== '' ? value : undefined;
}
/**
 * Who an object is. An object without a namespace lands in the release namespace, unless its kind is
 * cluster-scoped; `isClusterScoped` knows the built-in kinds.
 */
function objectId(document, releaseNamespace, isClusterScoped) {
    const { object, source } = document;
    const apiVersion = manifests_text(object.apiVersion);
    const kind = manifests_text(object.kind);
    const metadata = (object.metadata ?? {});
    const name = manifests_text(metadata.name);
    const where = source ?? `the document at line ${document.line}`;
    if (!apiVersion || !kind || !name) {
        const missing = [!apiVersion && 'apiVersion', !kind && 'kind', !name && 'metadata.name'].filter(Boolean);
        throw new kit/* UserError */.yo(`${where} renders an object without ${missing.join(', ')}.`, {
            hint: 'Every rendered object needs apiVersion, kind and metadata.name.',
        });
    }
    const clusterScoped = isClusterScoped(apiVersion, kind);
    const namespace = clusterScoped ? undefined : (manifests_text(metadata.namespace) ?? releaseNamespace);
    return { apiVersion, kind, ...(namespace === undefined ? {} : { namespace }), name };
}
function describeObject(id) {
    return `${id.kind} "${id.name}"`;
}
/** Fails when two documents are the same object: the second would silently overwrite the first. */
function assertUnique(ids, documents) {
    const seen = new Map();
    ids.forEach((id, index) => {
        const group = id.apiVersion.includes('/') ? id.apiVersion.split('/')[0] : '';
        const key = `${group}/${id.kind}/${id.namespace ?? ''}/${id.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
            const where = (i) => documents[i]?.source ?? `line ${documents[i]?.line}`;
            throw new kit/* UserError */.yo(`${describeObject(id)} is rendered twice, by ${where(first)} and by ${where(index)}; the second would overwrite the first.`, { hint: 'Give each object its own name, or render it from one template only.' });
        }
        seen.set(key, index);
    });
}
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];
/**
 * Every container image an object runs, wherever its pod template sits (Deployment, CronJob, a custom
 * resource that embeds a pod spec): any `containers`-style list of objects with an `image`.
 */
function imagesOf(object) {
    const found = [];
    const visit = (node) => {
        if (Array.isArray(node)) {
            node.forEach(visit);
            return;
        }
        if (node === null || typeof node !== 'object')
            return;
        for (const [key, value] of Object.entries(node)) {
            if (CONTAINER_LISTS.includes(key) && Array.isArray(value)) {
                for (const container of value) {
                    const image = container?.image;
                    if (typeof image === 'string')
                        found.push(image);
                }
            }
            visit(value);
        }
    };
    visit(object);
    return found;
}
function isPinnedByDigest(image) {
    return /@sha256:[a-f0-9]{64}$/.test(image);
}

;// CONCATENATED MODULE: ./packages/helm/kube-schema.ts




/** `1.36`, `v1.36` or `1.36.3` → `1.36`, or undefined when that minor's schemas do not ship. */
function supportedKubeMinor(kubeVersion) {
    const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(kubeVersion.trim());
    if (!match)
        return undefined;
    const minor = `${match[1]}.${match[2]}`;
    return minor in SUPPORTED_KUBE_VERSIONS ? minor : undefined;
}
function supportedKubeVersions() {
    return Object.keys(SUPPORTED_KUBE_VERSIONS);
}
/** The newest Kubernetes minor whose schemas ship: the default target. */
function newestKubeVersion() {
    return supportedKubeVersions().at(-1);
}
async function loadKubeSchemas(kubeVersion) {
    const minor = supportedKubeMinor(kubeVersion);
    const loading = minor === undefined ? undefined : loadPackedSchemas(minor);
    if (!loading) {
        throw new kit/* UserError */.yo(`Kubernetes ${kubeVersion} has no bundled schemas.`, {
            hint: `Use one of: ${supportedKubeVersions().join(', ')}.`,
        });
    }
    const { packed } = await loading;
    return JSON.parse((0,external_node_zlib_.gunzipSync)(Buffer.from(packed, 'base64')).toString('utf8'));
}
function groupOf(apiVersion) {
    return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}
/** Nulls mean "unset" to the API server; a template that renders `resources: null` is not wrong. */
function withoutNulls(value) {
    if (Array.isArray(value))
        return value.map(withoutNulls);
    if (value === null || typeof value !== 'object')
        return value;
    const out = {};
    for (const [key, child] of Object.entries(value))
        if (child !== null)
            out[key] = withoutNulls(child);
    return out;
}
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** `/spec/containers/0/image` → `spec.containers[0].image`; keys with dots or slashes are quoted. */
function fieldPath(pointer, extra) {
    const parts = pointer === '' ? [] : pointer.slice(1).split('/');
    if (extra !== undefined)
        parts.push(extra);
    let out = '';
    for (const raw of parts) {
        const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        if (/^\d+$/.test(part))
            out += `[${part}]`;
        else if (IDENTIFIER.test(part))
            out += out === '' ? part : `.${part}`;
        else
            out += `[${JSON.stringify(part)}]`;
    }
    return out;
}
function shown(value) {
    const json = JSON.stringify(value) ?? String(value);
    return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}
function typeName(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'object')
        return 'a mapping';
    if (typeof value === 'number')
        return Number.isInteger(value) ? 'an integer' : 'a number';
    return `a ${typeof value}`;
}
const ARTICLE = {
    integer: 'an integer',
    string: 'a string',
    number: 'a number',
    boolean: 'true or false',
    object: 'a mapping',
    array: 'a list',
};
/** Turns ajv's errors into one readable line per field. */
function describeErrors(errors) {
    const byPath = new Map();
    for (const error of errors) {
        const list = byPath.get(error.instancePath) ?? [];
        list.push(error);
        byPath.set(error.instancePath, list);
    }
    const out = [];
    for (const [pointer, list] of byPath) {
        const choice = list.find((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
        if (choice) {
            const data = choice.data;
            if (choice.schemaPath.includes('Quantity')) {
                out.push({
                    field: fieldPath(pointer),
                    message: `is not a Kubernetes quantity such as 500m, 128Mi or 2 (got ${shown(data)})`,
                });
                continue;
            }
            const types = list
                .filter((e) => e.keyword === 'type')
                .map((e) => ARTICLE[String(e.params.type)] ?? String(e.params.type));
            out.push({
                field: fieldPath(pointer),
                message: `must be ${types.join(' or ') || 'one of the allowed forms'}, got ${typeName(data)} ${shown(data)}`,
            });
            continue;
        }
        for (const error of list) {
            switch (error.keyword) {
                case 'additionalProperties':
                    out.push({
                        field: fieldPath(pointer, String(error.params.additionalProperty)),
                        message: 'is not a field of this object',
                    });
                    break;
                case 'required':
                    out.push({
                        field: fieldPath(pointer, String(error.params.missingProperty)),
                        message: 'is required',
                    });
                    break;
                case 'type': {
                    const expected = [error.params.type].flat().map((t) => ARTICLE[String(t)] ?? String(t));
                    out.push({
                        field: fieldPath(pointer),
                        message: `must be ${expected.join(' or ')}, got ${typeName(error.data)} ${shown(error.data)}`,
                    });
                    break;
                }
                case 'enum':
                    out.push({
                        field: fieldPath(pointer),
                        message: `must be one of ${error.params.allowedValues.map(shown).join(', ')}, got ${shown(error.data)}`,
                    });
                    break;
                default:
                    out.push({ field: fieldPath(pointer), message: error.message ?? error.keyword });
            }
        }
    }
    return out;
}
/**
 * Checks every rendered object against the Kubernetes schemas of one minor, offline: a kind that
 * minor does not serve, a field it does not have, a value of the wrong type. Unknown fields are errors
 * (the API server would drop them silently, which hides typos).
 */
class KubeSchemaValidator {
    schemas;
    ajv;
    groups;
    compiled = new Map();
    constructor(schemas, ajv) {
        this.schemas = schemas;
        this.ajv = ajv;
        this.groups = new Set(Object.keys(schemas.kinds).map((key) => groupOf(key.split(' ')[0])));
    }
    static async create(kubeVersion) {
        const schemas = await loadKubeSchemas(kubeVersion);
        // Loaded only now: a failed input check never pays for the schema compiler.
        const { default: AjvClass } = await __webpack_require__.e(/* import() */ 463).then(__webpack_require__.t.bind(__webpack_require__, 2463, 23));
        const ajv = new AjvClass({ allErrors: true, strict: false, verbose: true, allowUnionTypes: true });
        ajv.addSchema({ $id: 'kube', definitions: schemas.definitions });
        return new KubeSchemaValidator(schemas, ajv);
    }
    get kubeVersion() {
        return this.schemas.kubeVersion;
    }
    isClusterScoped = (apiVersion, kind) => this.schemas.kinds[`${apiVersion} ${kind}`]?.namespaced === false;
    validatorFor(schema) {
        let validate = this.compiled.get(schema);
        if (!validate) {
            validate = this.ajv.getSchema(`kube#/definitions/${schema}`);
            if (!validate)
                throw new Error(`bundled schema ${schema} is missing`);
            this.compiled.set(schema, validate);
        }
        return validate;
    }
    /** The served apiVersions of a kind, to suggest when a template uses one that is gone. */
    servedVersions(kind) {
        return Object.keys(this.schemas.kinds)
            .filter((key) => key.endsWith(` ${kind}`))
            .map((key) => key.split(' ')[0]);
    }
    validate(documents, ids) {
        const problems = [];
        const unchecked = [];
        let checked = 0;
        const minor = this.kubeVersion.split('.').slice(0, 2).join('.');
        documents.forEach((document, index) => {
            const id = ids[index];
            const object = describeObject(id);
            const entry = this.schemas.kinds[`${id.apiVersion} ${id.kind}`];
            if (!entry) {
                if (!this.groups.has(groupOf(id.apiVersion))) {
                    unchecked.push(id);
                    return;
                }
                const served = this.servedVersions(id.kind);
                problems.push({
                    object,
                    source: document.source,
                    field: 'apiVersion',
                    message: served.length > 0
                        ? `${id.apiVersion} ${id.kind} is not served by Kubernetes ${minor}; use ${served.join(' or ')}`
                        : `Kubernetes ${minor} has no kind ${id.kind} in ${id.apiVersion}`,
                });
                return;
            }
            checked++;
            const validate = this.validatorFor(entry.schema);
            if (validate(withoutNulls(document.object)))
                return;
            for (const { field, message } of describeErrors(validate.errors ?? [])) {
                problems.push({ object, source: document.source, field, message });
            }
        });
        return { problems, unchecked, checked };
    }
}
/** One line per problem: object, template, field, what is wrong. */
function formatSchemaProblem(problem) {
    const where = problem.source ? ` (${problem.source})` : '';
    return `${problem.object}${where}: ${problem.field === '' ? '' : `${problem.field} `}${problem.message}`;
}

;// CONCATENATED MODULE: ./packages/helm/plan.ts







/**
 * Checks everything the inputs mean before anything runs: files exist, values parse, the chart source
 * is complete, the helm and Kubernetes versions are ones the action can pin and validate. Every problem
 * is reported at once.
 */
function planRender(request) {
    const problems = [];
    const workspace = external_node_path_.resolve(request.workspace);
    // Every file the chart is rendered from, and the folder written to, stays inside the workspace.
    const contained = (input, value) => {
        try {
            return (0,kit/* resolveInWorkspace */.z1)(input, value, { workspace });
        }
        catch (error) {
            if (error instanceof kit/* InputError */.dz)
                problems.push(...error.problems);
            else
                throw error;
            return undefined;
        }
    };
    const source = resolveChartSource({
        chart: request.chart,
        chartName: request.chartName,
        version: request.version,
        builtin: request.builtinChart,
        workspace,
    });
    if ('problem' in source)
        problems.push(source.problem);
    else if (source.kind === 'local')
        contained('chart', request.chart.trim());
    const helm = resolveHelmVersion(request.helmVersion);
    if ('reason' in helm)
        problems.push((0,kit/* describeProblem */.BJ)('helm-version', request.helmVersion, 'a pinned helm release', false, helm.reason));
    if (!supportedKubeMinor(request.kubeVersion)) {
        problems.push((0,kit/* describeProblem */.BJ)('kube-version', request.kubeVersion, `a Kubernetes version whose schemas ship with the action: ${supportedKubeVersions().join(', ')}`));
    }
    const valuesFiles = [];
    for (const file of request.valuesFiles) {
        const full = contained('values-files', file);
        if (full === undefined)
            continue;
        if (!(0,external_node_fs_.existsSync)(full) || !(0,external_node_fs_.statSync)(full).isFile())
            problems.push(`Input "values-files" lists "${file}", which is not a file in the workspace.`);
        else
            valuesFiles.push(full);
    }
    const assignments = (input, lines) => {
        const out = [];
        for (const line of lines) {
            const parsed = parseAssignment(line);
            if ('reason' in parsed)
                problems.push(`Input "${input}" line "${line}" ${parsed.reason}.`);
            else
                out.push(parsed);
        }
        return out;
    };
    const set = assignments('set', request.set);
    const setString = assignments('set-string', request.setString);
    const setFile = assignments('set-file', request.setFile).map(({ key, value }) => {
        const checked = contained('set-file', value);
        const full = checked ?? external_node_path_.resolve(workspace, value);
        if (checked !== undefined && (!(0,external_node_fs_.existsSync)(full) || !(0,external_node_fs_.statSync)(full).isFile()))
            problems.push(`Input "set-file" sets ${key} from "${value}", which is not a file in the workspace.`);
        return { key, value: full };
    });
    let image;
    if (request.imageRef) {
        const ref = parseImageRef(request.imageRef);
        const paths = [];
        for (const line of request.imageValuePaths) {
            const parsed = parseImageValuePath(line);
            if ('reason' in parsed)
                problems.push(`Input "image-value-paths" line "${line}" ${parsed.reason}.`);
            else
                paths.push(parsed);
        }
        if (!ref) {
            problems.push((0,kit/* describeProblem */.BJ)('image-ref', request.imageRef, 'an image pinned by digest, such as registry/app@sha256:<64 hex>'));
        }
        else if (paths.length === 0) {
            problems.push('Input "image-value-paths" is empty, so image-ref would go nowhere: give at least one value path.');
        }
        else {
            image = { ref, paths };
        }
    }
    const outputDir = contained('output-dir', request.outputDir) ?? external_node_path_.resolve(workspace, request.outputDir);
    const hasUser = Boolean(request.registryUsername);
    const hasPassword = Boolean(request.registryPassword);
    if (hasUser !== hasPassword)
        problems.push('Inputs "registry-username" and "registry-password" go together: give both or neither.');
    else if (hasUser && !('kind' in source && source.kind === 'oci'))
        problems.push('Inputs "registry-username" and "registry-password" apply to oci:// charts only.');
    if (problems.length > 0 || 'problem' in source || 'reason' in helm)
        throw new kit/* InputError */.dz(problems);
    return {
        source,
        options: {
            release: request.release,
            namespace: request.namespace,
            valuesFiles,
            set,
            setString,
            setFile,
            ...(image ? { image } : {}),
            kubeVersion: request.kubeVersion.trim().replace(/^v/, ''),
            apiVersions: request.apiVersions,
            dependencyUpdate: request.dependencyUpdate,
            cwd: workspace,
        },
        helmVersion: helm.version,
        ...(request.helmMirror ? { helmMirror: request.helmMirror } : {}),
        ...(hasUser
            ? {
                credentials: {
                    username: request.registryUsername,
                    password: request.registryPassword,
                },
            }
            : {}),
        plainHttp: request.plainHttp,
        lint: request.lint,
        requireDigests: request.requireDigests,
        workspace,
        outputDir,
        manifestsFile: external_node_path_.join(outputDir, `${request.release}.yaml`),
    };
}

;// CONCATENATED MODULE: ./packages/helm/render.ts







/** The helm the plan pins: reused from the tool cache or PATH when it is exactly that version. */
async function installHelm(plan) {
    const helm = await Helm.install(plan.helmVersion, plan.helmMirror ? { mirror: plan.helmMirror } : {});
    kit/* log */.Rm.info(`helm ${helm.version} (${helm.source}): ${helm.binary}`);
    return helm;
}
/** The chart on disk: logged in and pulled when remote, dependencies updated when asked. */
async function prepareChart(helm, plan) {
    if (plan.credentials && plan.source.kind === 'oci') {
        const host = plan.source.ref.slice('oci://'.length).split('/')[0];
        await helm.registryLogin(host, plan.credentials.username, plan.credentials.password, plan.plainHttp);
        kit/* log */.Rm.info(`logged in to ${(0,kit/* safe */.gB)(host)} as ${(0,kit/* safe */.gB)(plan.credentials.username)}`);
    }
    const chart = await fetchChart(helm, plan.source, { plainHttp: plan.plainHttp, workspace: plan.workspace });
    kit/* log */.Rm.info(`chart ${(0,kit/* safe */.gB)(chart.name)} ${(0,kit/* safe */.gB)(chart.version)} (${(0,kit/* safe */.gB)(chart.label)})`);
    if (plan.options.dependencyUpdate) {
        await helm.dependencyUpdate(chartFiles(chart, plan.workspace));
        kit/* log */.Rm.info('dependencies updated');
    }
    return chart;
}
/** Lints (when asked) and renders the chart with the plan's values and target cluster. */
async function renderChart(helm, chart, plan) {
    const files = chartFiles(chart, plan.workspace);
    let lintReport;
    if (plan.lint) {
        lintReport = await helm.lint(files, plan.options);
        kit/* log */.Rm.info('helm lint --strict: no findings that fail');
    }
    const text = await helm.template(files, plan.options);
    const documents = splitManifests(text);
    kit/* log */.Rm.info(`rendered ${documents.length} objects`);
    return { chart, text, documents, ...(lintReport === undefined ? {} : { lintReport }) };
}
function firstLocation(files, source) {
    return source ? locationOf(files, source) : undefined;
}
/**
 * Everything the rendered objects must satisfy before anyone applies them: a name each, no object
 * twice, the Kubernetes schemas of the target version, images pinned by digest (when required), and the
 * injected image actually in use.
 */
async function inspectManifests(rendered, plan) {
    const validator = await KubeSchemaValidator.create(plan.options.kubeVersion);
    const files = chartFiles(rendered.chart, plan.workspace);
    const ids = rendered.documents.map((document) => objectId(document, plan.options.namespace, validator.isClusterScoped));
    assertUnique(ids, rendered.documents);
    const report = validator.validate(rendered.documents, ids);
    for (const id of report.unchecked)
        kit/* log */.Rm.info(`${(0,kit/* safe */.gB)(describeObject(id))} (${(0,kit/* safe */.gB)(id.apiVersion)}) is a custom resource: no bundled schema, not validated`);
    if (report.problems.length > 0) {
        const lines = report.problems.slice(0, 25).map((p) => `  - ${formatSchemaProblem(p)}`);
        if (report.problems.length > 25)
            lines.push(`  - … and ${report.problems.length - 25} more`);
        const location = firstLocation(files, report.problems[0]?.source);
        throw new kit/* UserError */.yo(`${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} against the Kubernetes ${validator.kubeVersion} schemas:\n${lines.join('\n')}`, {
            hint: 'Fix the named templates or values; the API server would reject or silently drop these fields.',
            ...(location ? { location } : {}),
        });
    }
    kit/* log */.Rm.info(`${report.checked} objects match the Kubernetes ${validator.kubeVersion} schemas`);
    const images = [];
    const unpinned = [];
    let unpinnedSource;
    rendered.documents.forEach((document, index) => {
        for (const image of imagesOf(document.object)) {
            if (!images.includes(image))
                images.push(image);
            if (!isPinnedByDigest(image)) {
                unpinned.push(`${describeObject(ids[index])} (${document.source ?? 'no template'}) runs ${image}`);
                unpinnedSource ??= document.source;
            }
        }
    });
    if (plan.requireDigests && unpinned.length > 0) {
        const location = firstLocation(files, unpinnedSource);
        throw new kit/* UserError */.yo(`require-digests is on, and ${unpinned.length} image${unpinned.length === 1 ? ' is' : 's are'} not pinned by digest:\n${unpinned.map((l) => `  - ${l}`).join('\n')}`, {
            hint: 'Pass image-ref from build-image (repo@sha256:…), set the digest in the values, or set require-digests: false.',
            ...(location ? { location } : {}),
        });
    }
    const injected = plan.options.image;
    const usesInjected = (image) => image.startsWith(injected?.ref.repository ?? '') && image.endsWith(`@${injected?.ref.digest}`);
    if (injected && !images.some(usesInjected)) {
        const paths = injected.paths.map((p) => `${p.repository} + ${p.digest}`).join(', ');
        throw new kit/* UserError */.yo(`image-ref ${injected.ref.ref} was set at ${paths}, but no rendered container uses it (images: ${images.join(', ') || 'none'}).`, { hint: 'Point image-value-paths at the values the chart builds its image from.' });
    }
    return {
        objects: ids.map((id, index) => ({ ...id, source: rendered.documents[index]?.source })),
        images,
        kubeVersion: validator.kubeVersion,
        unchecked: report.unchecked,
    };
}
/** Writes the manifests exactly as helm rendered them; returns the file and the digest deploys record. */
async function writeManifests(plan, rendered) {
    await (0,promises_.mkdir)(plan.outputDir, { recursive: true });
    await (0,promises_.writeFile)(plan.manifestsFile, rendered.text);
    return {
        file: plan.manifestsFile,
        digest: (0,kit/* manifestDigest */.It)(rendered.documents.map((d) => d.object)),
    };
}

;// CONCATENATED MODULE: ./packages/helm/index.ts
// helm install, chart rendering, values and manifest validation. This file is the package's only door.











/***/ })

};
