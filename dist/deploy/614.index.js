export const id = 614;
export const ids = [614];
export const modules = {

/***/ 4614:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  planSmokeTest: () => (/* reexport */ planSmokeTest),
  runSmokeTest: () => (/* reexport */ runSmokeTest)
});

// UNUSED EXPORTS: LOAD_LIMITS, ProbeError, SERVICE_PATTERN, describeFailure, isInlineChecks, isSensitiveHeader, parseChecks, parseJsonPath, parseLoadSpec, parseStatusRange, percentile, probe, resolveUrl, runCheck, runChecks, runLoad, smokeSummary, summariseLatencies, urlCheck, valueAt

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./packages/kit/index.ts + 15 modules
var kit = __webpack_require__(2379);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./packages/smoke/json-path.ts
/**
 * Parses the small JSON path language of the checks file: `$.status`, `$.items[0].name`,
 * `$['content-type']`, `$.items[-1]` (the last item). The leading `$` may be left out.
 * Returns the steps, or a reason the path is not valid.
 */
function parseJsonPath(path) {
    let rest = path.trim();
    if (rest.startsWith('$'))
        rest = rest.slice(1);
    else if (rest !== '' && !rest.startsWith('[') && !rest.startsWith('.'))
        rest = `.${rest}`;
    const steps = [];
    while (rest !== '') {
        let match;
        if ((match = /^\.([^.[\]\s'"]+)/.exec(rest))) {
            steps.push(match[1]);
        }
        else if ((match = /^\[\s*(-?\d+)\s*\]/.exec(rest))) {
            steps.push(Number(match[1]));
        }
        else if ((match = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) ||
            (match = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) {
            steps.push(match[1].replace(/\\(.)/g, '$1'));
        }
        else {
            return { error: `cannot read "${rest}" in JSON path "${path}"` };
        }
        rest = rest.slice(match[0].length);
    }
    return { steps };
}
/** The value at `steps` inside `document`, or found: false when some step does not exist. */
function valueAt(document, steps) {
    let current = document;
    for (const step of steps) {
        if (typeof step === 'number') {
            if (!Array.isArray(current))
                return { found: false };
            const index = step < 0 ? current.length + step : step;
            if (index < 0 || index >= current.length)
                return { found: false };
            current = current[index];
        }
        else {
            if (current === null || typeof current !== 'object' || Array.isArray(current))
                return { found: false };
            if (!Object.prototype.hasOwnProperty.call(current, step))
                return { found: false };
            current = current[step];
        }
    }
    return { found: true, value: current };
}
/** Structural equality of JSON values; object key order does not matter. */
function jsonEqual(a, b) {
    if (a === b)
        return true;
    if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object')
        return false;
    if (Array.isArray(a) !== Array.isArray(b))
        return false;
    if (Array.isArray(a)) {
        const other = b;
        return a.length === other.length && a.every((item, i) => jsonEqual(item, other[i]));
    }
    const left = a;
    const right = b;
    const keys = Object.keys(left);
    return (keys.length === Object.keys(right).length &&
        keys.every((key) => Object.prototype.hasOwnProperty.call(right, key) && jsonEqual(left[key], right[key])));
}

;// CONCATENATED MODULE: ./packages/smoke/suggest.ts
/** Edit distance between two words (insertions, deletions, substitutions, adjacent swaps). */
function editDistance(a, b) {
    const rows = a.length + 1;
    const cols = b.length + 1;
    const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i < rows; i++) {
        for (let j = 1; j < cols; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            const row = d[i];
            const above = d[i - 1];
            row[j] = Math.min(above[j] + 1, row[j - 1] + 1, above[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                row[j] = Math.min(row[j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}
/** The known word closest to `word`, when it is close enough to be a likely typo. */
function closest(word, known) {
    const normalised = word.toLowerCase().replace(/_/g, '-');
    let best;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const distance = editDistance(normalised, candidate);
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    const allowed = Math.max(2, Math.floor(word.length / 3));
    return bestDistance <= allowed ? best : undefined;
}

;// CONCATENATED MODULE: ./packages/smoke/url-credentials.ts

/**
 * Takes `user:pass@` out of an http(s) URL and turns it into Basic credentials, as curl does. Node's
 * http client would drop the userinfo silently, and every name, log line and summary cell built from the
 * URL would show the password; so the URL keeps no credentials and the header value is masked.
 */
function takeUrlCredentials(url) {
    if (!URL.canParse(url))
        return { url };
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password)
        return { url };
    // The userinfo is percent-encoded in the URL; the credentials are its decoded text (curl decodes too).
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    (0,kit/* registerSecret */.cl)(password);
    (0,kit/* registerSecret */.cl)(parsed.password);
    const token = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    (0,kit/* registerSecret */.cl)(token);
    parsed.username = '';
    parsed.password = '';
    // URL.href turns `http://h` into `http://h/`; keep the text as given, less the userinfo.
    const stripped = url.replace(/^(https?:\/\/)[^/?#]*@/i, '$1');
    return { url: URL.canParse(stripped) ? stripped : parsed.href, authorization: `Basic ${token}` };
}
/** `http://user:pass@host` as `http://user:***@host`, for messages about a URL that did not parse. */
function redactUrlCredentials(text) {
    return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i, (_whole, scheme, userinfo) => {
        const user = userinfo.split(':')[0] ?? '';
        return `${scheme}${user}${userinfo.includes(':') ? ':***' : ''}@`;
    });
}
/** Adds the URL's credentials unless the check already sends its own Authorization (which wins, as in curl). */
function withUrlAuthorization(headers, authorization) {
    if (!authorization || Object.keys(headers).some((name) => name.toLowerCase() === 'authorization'))
        return headers;
    return { ...headers, Authorization: authorization };
}

;// CONCATENATED MODULE: ./packages/smoke/checks-file.ts





const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const TOP_FIELDS = ['env', 'defaults', 'checks'];
/**
 * Names a checks file may never read: the runner's own credentials and the step's inputs (a kubeconfig,
 * a password) are not the checks file's to send anywhere, whoever wrote it.
 */
function isReservedEnvName(name) {
    const upper = name.toUpperCase();
    return RESERVED_ENV_PREFIXES.some((prefix) => upper.startsWith(`${prefix}_`)) || upper === 'GITHUB_TOKEN';
}
const RESERVED_ENV_PREFIXES = ['INPUT', 'ACTIONS', 'RUNNER'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const POLICY_FIELDS = [
    'timeout',
    'retries',
    'interval',
    'consecutive-successes',
    'follow-redirects',
    'max-redirects',
];
const DEFAULT_FIELDS = ['headers', ...POLICY_FIELDS];
const CHECK_FIELDS = [
    'name',
    'method',
    'path',
    'url',
    'headers',
    'body',
    'expect',
    ...POLICY_FIELDS,
];
const EXPECT_FIELDS = ['status', 'body-contains', 'body-matches', 'json', 'headers', 'max-latency'];
/** 2xx and 3xx: what a plain `url` check, and a check without `expect.status`, accepts. */
const DEFAULT_STATUS = [{ min: 200, max: 399, text: '2xx or 3xx' }];
/** Header names whose values are credentials: masked in every log, summary and message. */
function isSensitiveHeader(name) {
    return (/^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) ||
        /token|secret|key|auth|pass|session/i.test(name));
}
/** Registers header values that are credentials, and the credential after a scheme (`Bearer abc` → `abc`). */
function maskHeaderSecrets(headers, alsoMask = new Set()) {
    for (const [name, value] of Object.entries(headers)) {
        if (!isSensitiveHeader(name) && !alsoMask.has(name.toLowerCase()))
            continue;
        (0,kit/* registerSecret */.cl)(value);
        const credential = /^\s*[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)?.[1];
        if (credential)
            (0,kit/* registerSecret */.cl)(credential);
    }
}
/** `200`, `2xx`, `200-299`: one status range, or a reason it is not one. */
function parseStatusRange(text) {
    const value = text.trim();
    let match;
    if ((match = /^([1-5])xx$/i.exec(value))) {
        const first = Number(match[1]) * 100;
        return { min: first, max: first + 99, text: `${match[1]}xx` };
    }
    if ((match = /^(\d{3})$/.exec(value))) {
        const code = Number(match[1]);
        if (code >= 100 && code <= 599)
            return { min: code, max: code, text: value };
    }
    if ((match = /^(\d{3})\s*-\s*(\d{3})$/.exec(value))) {
        const [min, max] = [Number(match[1]), Number(match[2])];
        if (min >= 100 && max <= 599 && min <= max)
            return { min, max, text: `${min}-${max}` };
    }
    return `"${value}" is not a status: use a code (200), a class (2xx) or a range (200-299) from 100 to 599`;
}
/** `/pattern/flags` or a bare pattern, as a RegExp, or the reason it does not compile. */
function parsePattern(text) {
    const literal = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
    try {
        return literal ? new RegExp(literal[1], literal[2]) : new RegExp(text);
    }
    catch (error) {
        return `"${text}" is not a valid regular expression: ${error.message}`;
    }
}
/** The one check a bare `url` input means: GET it, expect 2xx or 3xx. */
function urlCheck(url, defaults) {
    return {
        name: url,
        method: 'GET',
        target: url,
        headers: { ...defaults.headers },
        expect: { status: [...DEFAULT_STATUS], bodyContains: [], bodyMatches: [], json: [], headers: [] },
        policy: { ...defaults.policy },
        followRedirects: defaults.followRedirects,
        maxRedirects: defaults.maxRedirects,
    };
}
/**
 * Reads the checks file (or inline YAML) into checks, validating everything at once: a YAML error, an
 * unknown field (named, with the closest known one), a value of the wrong kind. Every problem carries
 * its line; all of them are reported in one UserError whose location is the first.
 *
 * The file is either a list of checks, or a mapping with `checks` and optional `env` and `defaults`.
 * `${NAME}` in headers, body, path and url is replaced by the environment variable NAME (`$${` escapes it),
 * but only for a NAME the file declares in `env`: the file is repository content, and the step's
 * environment also holds the runner's tokens and the action's secret inputs. Every expanded value is
 * masked for the rest of the run, as are header values that name a credential.
 */
function parseChecks(source, defaults, env = process.env) {
    const lines = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(source.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const problems = [];
    const where = source.file ? source.file : 'The checks input';
    for (const error of doc.errors) {
        const pos = lines.linePos(error.pos[0]);
        problems.push({ message: firstLine(error.message), line: pos.line, column: pos.col });
    }
    if (problems.length > 0)
        throw checksError(where, source, problems);
    const at = (node) => {
        const offset = node && 'range' in node ? node.range?.[0] : undefined;
        if (offset === undefined) {
            const keyNode = node && 'key' in node ? node.key : undefined;
            const keyOffset = keyNode?.range?.[0];
            if (keyOffset === undefined)
                return {};
            const pos = lines.linePos(keyOffset);
            return { line: pos.line, column: pos.col };
        }
        const pos = lines.linePos(offset);
        return { line: pos.line, column: pos.col };
    };
    const problem = (node, message) => problems.push({ message, ...at(node) });
    const root = doc.contents;
    const reader = new FieldReader(problem, env, doc);
    const topFields = (0,dist/* isMap */.jh)(root) ? reader.fields(root, TOP_FIELDS, 'the top level') : undefined;
    reader.declared = declaredEnv(topFields?.get('env'), problem);
    let fileDefaults;
    let checkNodes = [];
    if ((0,dist/* isSeq */.oP)(root)) {
        checkNodes = root.items;
    }
    else if ((0,dist/* isMap */.jh)(root)) {
        const fields = topFields;
        const checks = fields.get('checks');
        if (!checks)
            problem(root, 'the top level has no "checks" list');
        else if (!(0,dist/* isSeq */.oP)(checks.value))
            problem(checks.value ?? checks.key, '"checks" must be a list of checks');
        else
            checkNodes = checks.value.items;
        const defaultsNode = fields.get('defaults');
        if (defaultsNode) {
            if ((0,dist/* isMap */.jh)(defaultsNode.value))
                fileDefaults = defaultsNode.value;
            else
                problem(defaultsNode.value ?? defaultsNode.key, '"defaults" must be a mapping');
        }
    }
    else if (root === null || ((0,dist/* isScalar */.jn)(root) && (root.value === null || root.value === ''))) {
        problem(root, 'there are no checks: write a list of checks, or a mapping with a "checks" list');
    }
    else {
        problem(root, 'the checks must be a list, or a mapping with a "checks" list');
    }
    let base = {
        headers: { ...defaults.headers },
        fromEnv: new Set(),
        policy: { ...defaults.policy },
        followRedirects: defaults.followRedirects,
        maxRedirects: defaults.maxRedirects,
    };
    if (fileDefaults) {
        reader.context = '"defaults"';
        base = reader.settings(fileDefaults, base, DEFAULT_FIELDS, '"defaults"');
    }
    if (checkNodes.length === 0 && (0,dist/* isSeq */.oP)(root))
        problem(root, 'the list of checks is empty');
    const checks = [];
    const names = new Map();
    checkNodes.forEach((node, index) => {
        const check = reader.check(node, index, base);
        if (!check)
            return;
        const line = at(node).line;
        if (names.has(check.name)) {
            const first = names.get(check.name);
            problem(node, `check name "${check.name}" is used twice${first ? ` (first on line ${first})` : ''}: names must be unique`);
        }
        names.set(check.name, line);
        if (source.file)
            check.location = { file: source.file, ...at(node) };
        checks.push(check);
    });
    if (problems.length > 0)
        throw checksError(where, source, problems);
    return checks;
}
/** The `env` list: the only names `${NAME}` may read. Reserved and malformed names are refused here. */
function declaredEnv(field, problem) {
    const names = new Set();
    if (!field)
        return names;
    if (!(0,dist/* isSeq */.oP)(field.value)) {
        problem(field.value ?? field.key, '"env" must be a list of environment variable names, e.g. [SMOKE_TOKEN]');
        return names;
    }
    for (const item of field.value.items) {
        const name = (0,dist/* isScalar */.jn)(item) && typeof item.value === 'string' ? item.value : undefined;
        if (name === undefined || !ENV_NAME.test(name)) {
            problem(item, `"env" lists ${JSON.stringify((0,dist/* isScalar */.jn)(item) ? item.value : '…')}, which is not an environment variable name`);
        }
        else if (isReservedEnvName(name)) {
            problem(item, reservedEnvMessage(name, '"env" declares'));
        }
        else {
            names.add(name);
        }
    }
    return names;
}
function reservedEnvMessage(name, who) {
    return (`${who} \${${name}}, which a checks file may not read: ` +
        `${RESERVED_ENV_PREFIXES.map((prefix) => `${prefix}_*`).join(', ')} and GITHUB_TOKEN ` +
        "hold the step's inputs and the runner's credentials");
}
function firstLine(message) {
    return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').trim();
}
function checksError(where, source, problems) {
    const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    const describe = (p) => (p.line ? `line ${p.line}: ${p.message}` : p.message);
    const first = sorted[0];
    const message = sorted.length === 1
        ? `${where}, ${describe(first)}.`
        : `${where} has ${sorted.length} problems:\n${sorted.map((p) => `  - ${describe(p)}`).join('\n')}`;
    const location = source.file
        ? { file: source.file, line: first.line, column: first.column }
        : undefined;
    return new kit/* UserError */.yo(message, {
        hint: source.file
            ? `Fix ${source.file}; no request was sent.`
            : 'Fix the checks input of the step; no request was sent.',
        location,
    });
}
/** Reads typed values out of YAML nodes, reporting each problem against its node. */
class FieldReader {
    problem;
    env;
    doc;
    /** What is being read, for messages: `"defaults"` or `check "health"`. */
    context = 'the checks';
    constructor(problem, env, doc) {
        this.problem = problem;
        this.env = env;
        this.doc = doc;
    }
    /** The names the file's `env` list declares: the only ones `${NAME}` may read. */
    declared = new Set();
    /** The pairs of a mapping by key; unknown keys are reported with the closest known one. */
    fields(map, known, what, hint) {
        const found = new Map();
        for (const pair of map.items) {
            const keyNode = pair.key;
            const key = (0,dist/* isScalar */.jn)(keyNode) ? String(keyNode.value) : undefined;
            if (key === undefined) {
                this.problem(keyNode, `${what} has a key that is not a plain word`);
                continue;
            }
            if (!known.includes(key)) {
                const suggestion = closest(key, known);
                const extra = hint?.(key);
                this.problem(keyNode, `unknown field "${key}" in ${what}` +
                    (extra
                        ? `: ${extra}`
                        : suggestion
                            ? `: did you mean "${suggestion}"?`
                            : `; known fields: ${known.join(', ')}`));
                continue;
            }
            found.set(key, { key: keyNode, value: pair.value });
        }
        return found;
    }
    scalar(node, field) {
        if ((0,dist/* isScalar */.jn)(node) && node.value !== null && ['string', 'number', 'boolean'].includes(typeof node.value))
            return node.value;
        this.problem(node, `"${field}" must be a single value`);
        return undefined;
    }
    string(node, field) {
        const value = this.scalar(node, field);
        return value === undefined ? undefined : String(value);
    }
    integer(node, field, min, max) {
        const value = this.scalar(node, field);
        if (value === undefined)
            return undefined;
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
            this.problem(node, `"${field}" is ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
            return undefined;
        }
        return value;
    }
    boolean(node, field) {
        const value = this.scalar(node, field);
        if (value === undefined)
            return undefined;
        if (typeof value !== 'boolean') {
            this.problem(node, `"${field}" is ${JSON.stringify(value)}: expected true or false`);
            return undefined;
        }
        return value;
    }
    duration(node, field, minMs = 1, maxMs = 3_600_000) {
        const value = this.scalar(node, field);
        if (value === undefined)
            return undefined;
        const ms = typeof value === 'string' ? (0,kit/* parseDuration */.E9)(value) : undefined;
        if (ms === undefined) {
            const unit = typeof value === 'number' ? ` (add a unit, e.g. ${value}s)` : '';
            this.problem(node, `"${field}" is ${JSON.stringify(value)}: expected a duration such as 500ms, 10s or 2m${unit}`);
            return undefined;
        }
        if (ms < minMs || ms > maxMs) {
            this.problem(node, `"${field}" is ${value}: expected between ${minMs}ms and ${maxMs / 1000}s`);
            return undefined;
        }
        return ms;
    }
    /** One string or a list of strings. */
    strings(node, field) {
        if ((0,dist/* isSeq */.oP)(node)) {
            return node.items.flatMap((item) => {
                const value = this.string(item, field);
                return value === undefined ? [] : [value];
            });
        }
        const value = this.string(node, field);
        return value === undefined ? [] : [value];
    }
    /**
     * Replaces `${NAME}` with the environment variable when the file declares NAME in `env`; `$${` stays a
     * literal `${`. The value is masked from here on: it lands in URLs, bodies and headers that are logged.
     */
    expand(node, field, text) {
        let fromEnv = false;
        const expanded = text.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped, name) => {
            if (escaped)
                return whole.slice(1);
            if (!ENV_NAME.test(name)) {
                this.problem(node, `"${field}" refers to \${${name}}, which is not an environment variable name`);
                return whole;
            }
            if (isReservedEnvName(name)) {
                this.problem(node, reservedEnvMessage(name, `${this.context} "${field}" uses`));
                return whole;
            }
            if (!this.declared.has(name)) {
                this.problem(node, `${this.context} "${field}" uses \${${name}}, which the file does not declare: add ${name} to its "env" list`);
                return whole;
            }
            const value = this.env[name];
            if (value === undefined) {
                this.problem(node, `"${field}" uses \${${name}}, but the environment variable ${name} is not set`);
                return whole;
            }
            (0,kit/* registerSecret */.cl)(value);
            fromEnv = true;
            return value;
        });
        return { text: expanded, fromEnv };
    }
    headers(node, field, into, fromEnv) {
        if (!(0,dist/* isMap */.jh)(node)) {
            this.problem(node, `"${field}" must be a mapping of header names to values`);
            return;
        }
        for (const pair of node.items) {
            const keyNode = pair.key;
            const name = (0,dist/* isScalar */.jn)(keyNode) ? String(keyNode.value) : '';
            if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
                this.problem(keyNode, `"${name}" is not a valid header name`);
                continue;
            }
            const raw = this.string(pair.value, `${field}.${name}`);
            if (raw === undefined)
                continue;
            const { text, fromEnv: expanded } = this.expand(pair.value, `${field}.${name}`, raw);
            if (/[\r\n]/.test(text)) {
                this.problem(pair.value, `header "${name}" has a line break in its value`);
                continue;
            }
            // A later source of the same header (any case) replaces the earlier one.
            for (const existing of Object.keys(into))
                if (existing.toLowerCase() === name.toLowerCase())
                    delete into[existing];
            into[name] = text;
            if (expanded)
                fromEnv.add(name.toLowerCase());
            else
                fromEnv.delete(name.toLowerCase());
        }
    }
    /** `defaults` and the policy fields of a check: each given field replaces the inherited value. */
    settings(map, inherited, known, what, given) {
        const fields = given ?? this.fields(map, known, what);
        const result = {
            headers: { ...inherited.headers },
            fromEnv: new Set(inherited.fromEnv),
            policy: { ...inherited.policy },
            followRedirects: inherited.followRedirects,
            maxRedirects: inherited.maxRedirects,
        };
        const value = (name) => fields.get(name)?.value ?? null;
        if (fields.has('headers'))
            this.headers(value('headers'), 'headers', result.headers, result.fromEnv);
        if (fields.has('timeout'))
            result.policy.timeoutMs =
                this.duration(value('timeout'), 'timeout', 1, 600_000) ?? result.policy.timeoutMs;
        if (fields.has('interval'))
            result.policy.intervalMs =
                this.duration(value('interval'), 'interval', 0, 600_000) ?? result.policy.intervalMs;
        if (fields.has('retries'))
            result.policy.retries = this.integer(value('retries'), 'retries', 0, 1000) ?? result.policy.retries;
        if (fields.has('consecutive-successes'))
            result.policy.consecutiveSuccesses =
                this.integer(value('consecutive-successes'), 'consecutive-successes', 1, 100) ??
                    result.policy.consecutiveSuccesses;
        if (fields.has('follow-redirects'))
            result.followRedirects =
                this.boolean(value('follow-redirects'), 'follow-redirects') ?? result.followRedirects;
        if (fields.has('max-redirects'))
            result.maxRedirects =
                this.integer(value('max-redirects'), 'max-redirects', 0, 50) ?? result.maxRedirects;
        return result;
    }
    check(node, index, base) {
        if (!(0,dist/* isMap */.jh)(node)) {
            this.problem(node, `check ${index + 1} must be a mapping with fields such as name, path and expect`);
            return undefined;
        }
        const fields = this.fields(node, CHECK_FIELDS, `check ${index + 1}`, (key) => EXPECT_FIELDS.includes(key) && key !== 'headers'
            ? `"${key}" is an expectation: put it under "expect"`
            : undefined);
        const value = (name) => fields.get(name)?.value ?? null;
        const givenName = value('name');
        this.context =
            (0,dist/* isScalar */.jn)(givenName) && givenName.value !== null
                ? `check ${JSON.stringify(String(givenName.value))}`
                : `check ${index + 1}`;
        const settings = this.settings(node, base, CHECK_FIELDS, `check ${index + 1}`, fields);
        let method = 'GET';
        if (fields.has('method')) {
            const given = this.string(value('method'), 'method');
            if (given !== undefined) {
                const upper = given.toUpperCase();
                if (METHODS.includes(upper))
                    method = upper;
                else
                    this.problem(value('method'), `"method" is "${given}": expected one of ${METHODS.join(', ')}`);
            }
        }
        let target = '';
        let urlAuthorization;
        if (fields.has('path') && fields.has('url')) {
            this.problem(fields.get('url')?.key, 'a check has "path" or "url", not both');
        }
        else if (fields.has('path')) {
            const path = this.string(value('path'), 'path');
            if (path !== undefined) {
                target = this.expand(value('path'), 'path', path).text;
                if (!target.startsWith('/'))
                    this.problem(value('path'), `"path" is "${path}": it must start with /`);
            }
        }
        else if (fields.has('url')) {
            const url = this.string(value('url'), 'url');
            if (url !== undefined) {
                target = this.expand(value('url'), 'url', url).text;
                if (!/^https?:\/\/[^/]/i.test(target) || !URL.canParse(target))
                    this.problem(value('url'), `"url" is "${redactUrlCredentials(url)}": expected an absolute http:// or https:// URL`);
                else
                    ({ url: target, authorization: urlAuthorization } = takeUrlCredentials(target));
            }
        }
        const headers = withUrlAuthorization({ ...settings.headers }, urlAuthorization);
        let body;
        if (fields.has('body')) {
            const bodyNode = value('body');
            if ((0,dist/* isMap */.jh)(bodyNode) || (0,dist/* isSeq */.oP)(bodyNode)) {
                body = JSON.stringify(bodyNode.toJS(this.doc));
                if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
                    headers['Content-Type'] = 'application/json';
            }
            else {
                const text = this.string(bodyNode, 'body');
                if (text !== undefined)
                    body = this.expand(bodyNode, 'body', text).text;
            }
            if (method === 'GET' || method === 'HEAD')
                this.problem(fields.get('body')?.key, `a ${method} check cannot send a body: set "method" to POST, PUT or PATCH`);
        }
        const expect = fields.has('expect') ? this.expectations(value('expect'), index) : undefined;
        let name = `${method} ${target || '/'}`;
        if (fields.has('name'))
            name = this.string(value('name'), 'name') ?? name;
        maskHeaderSecrets(headers, settings.fromEnv);
        return {
            name,
            method,
            target,
            headers,
            body,
            expect: expect ?? {
                status: [...DEFAULT_STATUS],
                bodyContains: [],
                bodyMatches: [],
                json: [],
                headers: [],
            },
            policy: settings.policy,
            followRedirects: settings.followRedirects,
            maxRedirects: settings.maxRedirects,
        };
    }
    expectations(node, index) {
        const result = { status: [], bodyContains: [], bodyMatches: [], json: [], headers: [] };
        if (!(0,dist/* isMap */.jh)(node)) {
            this.problem(node, `"expect" of check ${index + 1} must be a mapping`);
            return { ...result, status: [...DEFAULT_STATUS] };
        }
        const fields = this.fields(node, EXPECT_FIELDS, `"expect" of check ${index + 1}`);
        const value = (name) => fields.get(name)?.value ?? null;
        if (fields.has('status')) {
            const statusNode = value('status');
            const items = (0,dist/* isSeq */.oP)(statusNode) ? statusNode.items : [statusNode];
            for (const item of items) {
                const raw = this.scalar(item, 'status');
                if (raw === undefined)
                    continue;
                const range = parseStatusRange(String(raw));
                if (typeof range === 'string')
                    this.problem(item, range);
                else
                    result.status.push(range);
            }
        }
        if (result.status.length === 0)
            result.status = [...DEFAULT_STATUS];
        if (fields.has('body-contains'))
            result.bodyContains = this.strings(value('body-contains'), 'body-contains');
        if (fields.has('body-matches')) {
            const patternNode = value('body-matches');
            const items = (0,dist/* isSeq */.oP)(patternNode) ? patternNode.items : [patternNode];
            for (const item of items) {
                const text = this.string(item, 'body-matches');
                if (text === undefined)
                    continue;
                const pattern = parsePattern(text);
                if (typeof pattern === 'string')
                    this.problem(item, pattern);
                else
                    result.bodyMatches.push(pattern);
            }
        }
        if (fields.has('json')) {
            const jsonNode = value('json');
            if (!(0,dist/* isMap */.jh)(jsonNode)) {
                this.problem(jsonNode, '"json" must map JSON paths to expected values, e.g. $.status: ok');
            }
            else {
                for (const pair of jsonNode.items) {
                    const keyNode = pair.key;
                    const path = (0,dist/* isScalar */.jn)(keyNode) ? String(keyNode.value) : '';
                    const parsed = parseJsonPath(path);
                    if ('error' in parsed) {
                        this.problem(keyNode, parsed.error);
                        continue;
                    }
                    const expected = {
                        path,
                        equals: pair.value === null ? null : pair.value.toJS(this.doc),
                    };
                    result.json.push(expected);
                }
            }
        }
        if (fields.has('headers')) {
            const headersNode = value('headers');
            if (!(0,dist/* isMap */.jh)(headersNode)) {
                this.problem(headersNode, '"expect.headers" must map header names to a value, a /pattern/, true or false');
            }
            else {
                for (const pair of headersNode.items) {
                    const keyNode = pair.key;
                    const name = (0,dist/* isScalar */.jn)(keyNode) ? String(keyNode.value).toLowerCase() : '';
                    const raw = this.scalar(pair.value, `expect.headers.${name}`);
                    if (raw === undefined)
                        continue;
                    const header = { name };
                    if (typeof raw === 'boolean')
                        header.present = raw;
                    else if (/^\/.*\/[a-z]*$/s.test(String(raw))) {
                        const pattern = parsePattern(String(raw));
                        if (typeof pattern === 'string') {
                            this.problem(pair.value, pattern);
                            continue;
                        }
                        header.matches = pattern;
                    }
                    else
                        header.equals = String(raw);
                    result.headers.push(header);
                }
            }
        }
        if (fields.has('max-latency'))
            result.maxLatencyMs = this.duration(value('max-latency'), 'max-latency', 1, 600_000);
        return result;
    }
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
;// CONCATENATED MODULE: ./packages/smoke/expectations.ts

/** A short, one-line piece of a body for messages: whitespace folded, cut at `max` characters. */
function expectations_excerpt(text, max = 200) {
    const folded = text.replace(/\s+/g, ' ').trim();
    return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded;
}
function expectations_describeStatuses(ranges) {
    return ranges.map((r) => r.text).join(' or ');
}
function statusAllowed(status, ranges) {
    return ranges.some((r) => status >= r.min && status <= r.max);
}
function show(value) {
    if (value === undefined)
        return 'nothing';
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
/**
 * Every expectation the response does not meet, each worded "expected …, got …". An empty list means the
 * response passes. A wrong status is reported alone. `latency: false` leaves out the latency budget (load mode gates on p95 instead).
 */
function unmetExpectations(expect, response, options = {}) {
    const problems = [];
    if (!statusAllowed(response.status, expect.status)) {
        // The body of an error page says nothing about the body expectations: report the status alone.
        return [
            `expected status ${expectations_describeStatuses(expect.status)}, got ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
        ];
    }
    for (const text of expect.bodyContains) {
        if (!response.body.includes(text))
            problems.push(`expected the body to contain ${show(text)}`);
    }
    for (const pattern of expect.bodyMatches) {
        pattern.lastIndex = 0;
        if (!pattern.test(response.body))
            problems.push(`expected the body to match ${pattern}`);
    }
    if (expect.json.length > 0) {
        let document;
        let parsed = true;
        try {
            document = JSON.parse(response.body);
        }
        catch {
            parsed = false;
        }
        if (!parsed) {
            const type = response.headers['content-type'];
            problems.push(`expected a JSON body for ${expect.json.map((j) => j.path).join(', ')}, got ${response.bodyTruncated ? 'a body too large to read whole' : `something else${type ? ` (${type})` : ''}`}`);
        }
        else {
            for (const { path, equals } of expect.json) {
                const steps = parseJsonPath(path);
                if ('error' in steps)
                    continue; // refused when the checks were read
                const found = valueAt(document, steps.steps);
                if (!found.found)
                    problems.push(`expected ${path} to be ${show(equals)}, but the body has no ${path}`);
                else if (!jsonEqual(found.value, equals))
                    problems.push(`expected ${path} to be ${show(equals)}, got ${show(found.value)}`);
            }
        }
    }
    for (const header of expect.headers) {
        const value = response.headers[header.name];
        if (header.present === false) {
            if (value !== undefined)
                problems.push(`expected no header ${header.name}, got ${show(value)}`);
        }
        else if (value === undefined) {
            problems.push(`expected header ${header.name}, got none`);
        }
        else if (header.equals !== undefined && value !== header.equals) {
            problems.push(`expected header ${header.name} to be ${show(header.equals)}, got ${show(value)}`);
        }
        else if (header.matches) {
            header.matches.lastIndex = 0;
            if (!header.matches.test(value))
                problems.push(`expected header ${header.name} to match ${header.matches}, got ${show(value)}`);
        }
    }
    if ((options.latency ?? true) &&
        expect.maxLatencyMs !== undefined &&
        response.latencyMs > expect.maxLatencyMs) {
        problems.push(`expected an answer within ${expect.maxLatencyMs}ms, took ${Math.round(response.latencyMs)}ms`);
    }
    return problems;
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
;// CONCATENATED MODULE: ./packages/smoke/http-probe.ts





/** An exchange that got no HTTP answer worth judging, and whether trying again could help. */
class ProbeError extends Error {
    kind;
    retryable;
    latencyMs;
    url;
    constructor(kind, message, retryable, latencyMs, url) {
        super(message);
        this.kind = kind;
        this.retryable = retryable;
        this.latencyMs = latencyMs;
        this.url = url;
        this.name = 'ProbeError';
    }
}
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const SENSITIVE_ON_REDIRECT = /^(authorization|proxy-authorization|cookie)$/i;
const USER_AGENT = 'swiss-deploy-smoke-test';
/** The URL as the server sees it: the virtual host, when one is set. */
function virtualUrl(hop) {
    if (!hop.host)
        return hop.connect;
    return new URL(`${hop.connect.pathname}${hop.connect.search}`, `${hop.connect.protocol}//${hop.host}`);
}
/**
 * Sends one request with node's own http/https, so that TLS (extra CAs, insecure), redirects (followed
 * up to a cap, loops detected), the deadline and the latency are all under our control. Resolves with
 * any HTTP answer (a 500 is an answer); rejects with a ProbeError when there is none.
 */
async function probe(options) {
    const started = external_node_perf_hooks_.performance.now();
    const elapsed = () => external_node_perf_hooks_.performance.now() - started;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    const headers = { 'User-Agent': USER_AGENT, Accept: '*/*', ...options.headers };
    let hop = {
        connect: new URL(options.url),
        host: options.hostHeader,
        method: options.method,
        body: options.body,
        headers,
    };
    const redirects = [];
    const seen = [`${hop.method} ${virtualUrl(hop).href}`];
    try {
        for (;;) {
            const answer = await exchange(hop, options, controller.signal).catch((error) => {
                throw toProbeError(error, controller.signal.aborted, options, elapsed(), virtualUrl(hop).href);
            });
            const location = answer.headers.location;
            if (!options.followRedirects || !REDIRECTS.has(answer.status) || !location) {
                return { ...answer, latencyMs: elapsed(), url: virtualUrl(hop).href, redirects };
            }
            const from = virtualUrl(hop);
            redirects.push(from.href);
            let next;
            try {
                next = new URL(location, from);
            }
            catch {
                throw new ProbeError('network', `${from.href} redirects to an invalid location "${location}"`, false, elapsed(), from.href);
            }
            hop = nextHop(hop, next, answer.status);
            const key = `${hop.method} ${virtualUrl(hop).href}`;
            if (seen.includes(key)) {
                const chain = [...redirects, virtualUrl(hop).href].map((u) => shortUrl(u)).join(' → ');
                throw new ProbeError('redirect-loop', `redirect loop: ${chain}`, false, elapsed(), options.url);
            }
            if (redirects.length > options.maxRedirects) {
                throw new ProbeError('too-many-redirects', `more than ${options.maxRedirects} redirects: ${[...redirects, virtualUrl(hop).href].map((u) => shortUrl(u)).join(' → ')}`, false, elapsed(), options.url);
            }
            seen.push(key);
        }
    }
    finally {
        clearTimeout(timer);
    }
}
/** Where a redirect leads, with the method and credentials a browser would use. */
function nextHop(hop, next, status) {
    const from = virtualUrl(hop);
    const sameVirtualHost = hop.host !== undefined && next.protocol === from.protocol && next.host === from.host;
    const connect = sameVirtualHost ? new URL(`${next.pathname}${next.search}`, hop.connect.origin) : next;
    const changesToGet = status === 303 ? hop.method !== 'HEAD' : (status === 301 || status === 302) && hop.method === 'POST';
    const headers = { ...hop.headers };
    if (changesToGet) {
        for (const name of Object.keys(headers))
            if (/^content-(type|length)$/i.test(name))
                delete headers[name];
    }
    if (next.origin !== from.origin) {
        for (const name of Object.keys(headers))
            if (SENSITIVE_ON_REDIRECT.test(name))
                delete headers[name];
    }
    if (!sameVirtualHost)
        for (const name of Object.keys(headers))
            if (/^host$/i.test(name))
                delete headers[name];
    return {
        connect,
        host: sameVirtualHost ? hop.host : undefined,
        method: changesToGet ? 'GET' : hop.method,
        body: changesToGet ? undefined : hop.body,
        headers,
    };
}
function shortUrl(url) {
    return url.length > 80 ? `${url.slice(0, 77)}…` : url;
}
function exchange(hop, options, signal) {
    const secure = hop.connect.protocol === 'https:';
    if (!secure && hop.connect.protocol !== 'http:') {
        return Promise.reject(new ProbeError('network', `cannot request ${hop.connect.href}: only http and https`, false, 0, hop.connect.href));
    }
    const headers = { ...hop.headers };
    if (hop.host) {
        for (const name of Object.keys(headers))
            if (/^host$/i.test(name))
                delete headers[name];
        headers.Host = hop.host;
    }
    if (hop.body !== undefined)
        headers['Content-Length'] = String(Buffer.byteLength(hop.body));
    const serverName = hop.host ? hostnameOf(hop.host) : undefined;
    const request = {
        method: hop.method,
        protocol: hop.connect.protocol,
        hostname: hop.connect.hostname.replace(/^\[|\]$/g, ''),
        port: hop.connect.port || (secure ? 443 : 80),
        path: `${hop.connect.pathname}${hop.connect.search}`,
        headers,
        signal,
        agent: secure ? (options.agents?.https ?? false) : (options.agents?.http ?? false),
    };
    if (secure) {
        request.rejectUnauthorized = !options.tls.insecure;
        if (options.tls.ca)
            request.ca = [...external_node_tls_.rootCertificates, options.tls.ca];
        if (serverName && (0,external_node_net_.isIP)(serverName) === 0)
            request.servername = serverName;
    }
    const limit = options.maxBodyBytes ?? 1024 * 1024;
    return new Promise((resolve, reject) => {
        const req = (secure ? external_node_https_ : external_node_http_).request(request, (res) => {
            const chunks = [];
            let kept = 0;
            let truncated = false;
            res.on('data', (chunk) => {
                if (kept >= limit) {
                    truncated = true;
                    return;
                }
                const slice = chunk.subarray(0, limit - kept);
                if (slice.length < chunk.length)
                    truncated = true;
                chunks.push(slice);
                kept += slice.length;
            });
            res.on('error', reject);
            res.on('aborted', () => reject(Object.assign(new Error('the response was cut off'), { code: 'ECONNRESET' })));
            res.on('end', () => {
                const responseHeaders = {};
                for (const [name, value] of Object.entries(res.headers)) {
                    if (value !== undefined)
                        responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
                }
                resolve({
                    status: res.statusCode ?? 0,
                    statusText: res.statusMessage ?? '',
                    headers: responseHeaders,
                    body: Buffer.concat(chunks).toString('utf8'),
                    bodyTruncated: truncated,
                });
            });
        });
        req.on('error', reject);
        req.end(hop.body);
    });
}
function hostnameOf(host) {
    const bracketed = /^\[([^\]]+)\]/.exec(host);
    if (bracketed)
        return bracketed[1];
    return host.replace(/:\d+$/, '');
}
const TLS_CODES = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/;
/** What went wrong, in words, and whether another try might go better. */
function toProbeError(error, aborted, options, latencyMs, url) {
    if (error instanceof ProbeError)
        return error;
    const code = error?.code ?? '';
    // Duck-typed: an error from node's core may come from another realm (a test runner's vm).
    const given = error?.message;
    const message = typeof given === 'string' ? given : String(error);
    if (aborted || error?.name === 'AbortError') {
        return new ProbeError('timeout', `no complete answer within ${options.timeoutMs}ms`, true, latencyMs, url);
    }
    if (code === 'ECONNREFUSED')
        return new ProbeError('connection-refused', 'connection refused', true, latencyMs, url);
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED')
        return new ProbeError('connection-reset', `connection closed without a complete answer (${message})`, true, latencyMs, url);
    if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT')
        return new ProbeError('timeout', `connect timed out (${message})`, true, latencyMs, url);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
        return new ProbeError('dns', `the host name does not resolve (${code})`, true, latencyMs, url);
    if (TLS_CODES.test(code)) {
        const hint = options.tls.ca
            ? 'the certificate is not signed by the given ca-file, or does not name this host'
            : 'pass the issuing CA as ca-file (or, for a throwaway environment only, insecure: true)';
        return new ProbeError('tls', `TLS verification failed: ${message} (${code}); ${hint}`, false, latencyMs, url);
    }
    return new ProbeError('network', `${message}${code ? ` (${code})` : ''}`, true, latencyMs, url);
}

;// CONCATENATED MODULE: ./packages/smoke/percentiles.ts
/**
 * The p-th percentile by the nearest-rank method: the smallest sample with at least p% of the samples at
 * or below it. Always a latency that was really measured; undefined for no samples.
 */
function percentile(samples, p) {
    if (samples.length === 0)
        return undefined;
    const sorted = [...samples].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[Math.min(rank, sorted.length) - 1];
}
function summariseLatencies(samples) {
    const round = (value) => (value === undefined ? undefined : Math.round(value));
    return {
        count: samples.length,
        p50: round(percentile(samples, 50)),
        p95: round(percentile(samples, 95)),
        p99: round(percentile(samples, 99)),
        max: round(samples.length ? Math.max(...samples) : undefined),
    };
}

;// CONCATENATED MODULE: ./packages/smoke/run-checks.ts




/** A check's target as a URL: absolute targets as they are, paths appended to the base URL's path. */
function resolveUrl(target, baseUrl) {
    if (/^https?:\/\//i.test(target))
        return target;
    if (!baseUrl)
        throw new Error(`no base URL to resolve "${target}" against`);
    if (target === '')
        return baseUrl;
    const base = new URL(baseUrl);
    return `${base.origin}${base.pathname.replace(/\/+$/, '')}${target}`;
}
/** Sends the check once and judges the answer. */
async function attemptCheck(check, context, attempt) {
    const url = resolveUrl(check.target, context.baseUrl);
    try {
        const response = await probe({
            method: check.method,
            url,
            headers: check.headers,
            body: check.body,
            timeoutMs: check.policy.timeoutMs,
            followRedirects: check.followRedirects,
            maxRedirects: check.maxRedirects,
            hostHeader: context.hostHeader,
            tls: context.tls,
        });
        const problems = unmetExpectations(check.expect, response);
        return {
            attempt,
            passed: problems.length === 0,
            url,
            response,
            problems,
            latencyMs: response.latencyMs,
            retryable: true,
        };
    }
    catch (error) {
        if (!(error instanceof ProbeError))
            throw error;
        return {
            attempt,
            passed: false,
            url,
            failure: { kind: error.kind, message: error.message },
            problems: [],
            latencyMs: error.latencyMs,
            retryable: error.retryable,
        };
    }
}
/** One line about one attempt: `503 Service Unavailable in 3ms` or `connection refused after 1ms`. */
function describeAttempt(attempt) {
    const ms = `${Math.round(attempt.latencyMs)}ms`;
    if (attempt.failure)
        return `${attempt.failure.message} (after ${ms})`;
    const response = attempt.response;
    if (!response)
        return 'no answer';
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const problems = attempt.problems.length ? `: ${attempt.problems.join('; ')}` : '';
    return `${status} in ${ms}${problems}`;
}
/** What makes two attempts "the same" for the log: it prints a line only when this changes. */
function signature(attempt) {
    if (attempt.passed)
        return 'passed';
    if (attempt.failure)
        return attempt.failure.kind;
    return `${attempt.response?.status}|${attempt.problems.map((p) => p.replace(/\d+ms/g, '')).join('|')}`;
}
/**
 * Tries a check until it passes `consecutiveSuccesses` times in a row, or it has failed `retries + 1`
 * times, or it fails in a way no retry mends (TLS verification, a redirect loop). Every other failure is
 * retried: connection refused, resets, timeouts, 5xx, and wrong answers too, since right after a deploy
 * or a switch an old pod may still answer for a moment. Logs one line per change, not per try.
 */
async function runCheck(check, context) {
    const wait = context.sleep ?? kit/* sleep */.yy;
    const { retries, intervalMs, consecutiveSuccesses } = check.policy;
    const started = external_node_perf_hooks_.performance.now();
    const latencies = [];
    let failures = 0;
    let streak = 0;
    let bestStreak = 0;
    let lastSignature = '';
    for (let attempt = 1;; attempt++) {
        const result = await attemptCheck(check, context, attempt);
        if (result.response)
            latencies.push(result.latencyMs);
        const finish = (passed) => ({
            check,
            passed,
            tries: attempt,
            last: result,
            latencies,
            durationMs: external_node_perf_hooks_.performance.now() - started,
            bestStreak,
        });
        if (result.passed) {
            streak++;
            bestStreak = Math.max(bestStreak, streak);
            if (streak >= consecutiveSuccesses) {
                const inARow = consecutiveSuccesses > 1 ? `, ${consecutiveSuccesses} times in a row` : '';
                context.log.info(`✓ ${check.name}: passed on try ${attempt}${inARow} (${describeAttempt(result)})`);
                return finish(true);
            }
        }
        else {
            streak = 0;
            failures++;
            if (!result.retryable || failures > retries) {
                context.log.info(`✗ ${check.name}: try ${attempt}: ${describeAttempt(result)}`);
                return finish(false);
            }
        }
        const now = signature(result);
        if (now !== lastSignature) {
            const mark = result.passed ? '·' : '✗';
            const progress = result.passed
                ? `passed ${streak} of ${consecutiveSuccesses} in a row`
                : `${retries - failures + 1} ${retries - failures + 1 === 1 ? 'retry' : 'retries'} left, every ${(0,kit/* formatDuration */.a3)(intervalMs)}`;
            context.log.info(`${mark} ${check.name}: try ${attempt}: ${describeAttempt(result)} (${progress})`);
            lastSignature = now;
        }
        await wait(intervalMs);
    }
}
/** Runs every check, at most `concurrency` at a time; results come back in the checks' order. */
async function runChecks(checks, context, concurrency) {
    return mapConcurrently(checks, concurrency, (check) => runCheck(check, context));
}
async function mapConcurrently(items, limit, work) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index], index);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return results;
}
/**
 * Why a check failed, for a person: which check, what was expected, what came back (status, a body
 * excerpt, latency), after how many tries.
 */
function run_checks_describeFailure(result) {
    const { check, last } = result;
    const tries = `${result.tries} ${result.tries === 1 ? 'try' : 'tries'}`;
    const lines = [
        `Check "${check.name}" failed after ${tries} in ${formatDuration(result.durationMs)}: ${check.method} ${last.url}`,
    ];
    if (last.failure) {
        lines.push(`  ${last.failure.message} (after ${Math.round(last.latencyMs)}ms)`);
        if (!last.retryable)
            lines.push('  Not tried again: this failure does not mend itself.');
    }
    else if (last.response) {
        for (const problem of last.problems)
            lines.push(`  ${problem}`);
        const response = last.response;
        const body = excerpt(response.body);
        lines.push(`  Got ${response.status}${response.statusText ? ` ${response.statusText}` : ''} in ${Math.round(response.latencyMs)}ms` +
            (response.redirects.length
                ? ` from ${response.url} after ${response.redirects.length} redirect(s)`
                : '') +
            `, body: ${body ? JSON.stringify(body) : '(empty)'}`);
    }
    if (result.hint)
        lines.push(`  ${result.hint}`);
    if (check.policy.consecutiveSuccesses > 1) {
        lines.push(`  Needed ${check.policy.consecutiveSuccesses} passes in a row; the longest run was ${result.bestStreak}.`);
    }
    return lines.join('\n');
}
/** The status column of the summary: what came back last, in a few words. */
function run_checks_outcomeCell(result) {
    const last = result.last;
    if (last.failure)
        return last.failure.kind.replace(/-/g, ' ');
    return last.response ? String(last.response.status) : '–';
}
function run_checks_expectedCell(check) {
    const parts = [describeStatuses(check.expect.status)];
    if (check.expect.bodyContains.length)
        parts.push(`body ∋ ${check.expect.bodyContains.map((t) => JSON.stringify(t)).join(', ')}`);
    if (check.expect.bodyMatches.length)
        parts.push(`body ~ ${check.expect.bodyMatches.join(', ')}`);
    for (const json of check.expect.json)
        parts.push(`${json.path} = ${JSON.stringify(json.equals)}`);
    for (const header of check.expect.headers)
        parts.push(`header ${header.name}`);
    if (check.expect.maxLatencyMs !== undefined)
        parts.push(`≤ ${check.expect.maxLatencyMs}ms`);
    return parts.join('; ');
}

;// CONCATENATED MODULE: ./packages/smoke/load-test.ts








/** Hard limits, so a typo cannot turn a smoke test into a denial of service or an hour-long job. */
const LOAD_LIMITS = { maxRequests: 10_000, maxRate: 1000, maxDurationMs: 10 * 60_000 };
function percent(fraction) {
    return `${(fraction * 100).toFixed(fraction < 0.01 && fraction > 0 ? 2 : 1).replace(/\.0+$/, '')}%`;
}
/**
 * Sends `spec.requests` requests over the checks in turn, started at `spec.rate` per second (open loop:
 * a slow answer does not slow the schedule) with at most `concurrency` in flight, over keep-alive
 * connections. A request is an error when it gets no answer or an answer that misses the check's
 * expectations (its latency budget aside: here p95 is the gate). Latency percentiles are over the
 * requests that got an answer.
 */
async function runLoad(checks, spec, context) {
    const concurrency = Math.max(1, context.concurrency);
    const agents = {
        http: new external_node_http_.Agent({ keepAlive: true, maxSockets: concurrency }),
        https: new external_node_https_.Agent({ keepAlive: true, maxSockets: concurrency }),
    };
    const latencies = [];
    const errorCounts = new Map();
    let errors = 0;
    let started = 0;
    const planned = spec.rate ? (spec.requests / spec.rate) * 1000 : 0;
    // Without a rate the burst is bounded by time too: a slow target must not hold the job for long.
    const stopStartingAt = Math.min(LOAD_LIMITS.maxDurationMs, planned + 60_000);
    const t0 = external_node_perf_hooks_.performance.now();
    const inFlight = new Set();
    const send = async (index) => {
        const check = checks[index % checks.length];
        try {
            const response = await probe({
                method: check.method,
                url: resolveUrl(check.target, context.baseUrl),
                headers: check.headers,
                body: check.body,
                timeoutMs: check.policy.timeoutMs,
                followRedirects: check.followRedirects,
                maxRedirects: check.maxRedirects,
                hostHeader: context.hostHeader,
                tls: context.tls,
                agents,
            });
            latencies.push(response.latencyMs);
            const problems = unmetExpectations(check.expect, response, { latency: false });
            if (problems.length > 0) {
                errors++;
                const key = `${check.name}: ${problems[0]}`;
                errorCounts.set(key, (errorCounts.get(key) ?? 0) + 1);
            }
        }
        catch (error) {
            errors++;
            const key = `${check.name}: ${error instanceof ProbeError ? error.message : String(error)}`;
            errorCounts.set(key, (errorCounts.get(key) ?? 0) + 1);
        }
    };
    try {
        for (let index = 0; index < spec.requests; index++) {
            if (spec.rate) {
                const due = t0 + (index * 1000) / spec.rate;
                const wait = due - external_node_perf_hooks_.performance.now();
                if (wait > 0)
                    await (0,kit/* sleep */.yy)(wait);
            }
            while (inFlight.size >= concurrency)
                await Promise.race(inFlight);
            if (external_node_perf_hooks_.performance.now() - t0 > stopStartingAt) {
                context.log.warning(`load: stopped starting requests after ${index}, past the time limit`);
                break;
            }
            const request = send(index).finally(() => inFlight.delete(request));
            inFlight.add(request);
            started++;
        }
        await Promise.all(inFlight);
    }
    finally {
        agents.http.destroy();
        agents.https.destroy();
    }
    const durationMs = external_node_perf_hooks_.performance.now() - t0;
    const summary = summariseLatencies(latencies);
    const errorRate = started === 0 ? 0 : errors / started;
    const problems = [];
    if (errorRate > spec.maxErrorRate) {
        problems.push(`error rate ${percent(errorRate)} (${errors} of ${started}) is over the ${percent(spec.maxErrorRate)} allowed`);
    }
    if (spec.p95BudgetMs !== undefined) {
        if (summary.p95 === undefined)
            problems.push(`no request got an answer, so p95 cannot be within ${spec.p95BudgetMs}ms`);
        else if (summary.p95 > spec.p95BudgetMs)
            problems.push(`p95 latency ${summary.p95}ms is over the ${spec.p95BudgetMs}ms budget`);
    }
    return {
        spec,
        requests: started,
        errors,
        errorRate,
        p50: summary.p50,
        p95: summary.p95,
        p99: summary.p99,
        maxMs: summary.max,
        durationMs,
        achievedRate: durationMs > 0 ? (started / durationMs) * 1000 : 0,
        errorSamples: [...errorCounts.entries()]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 5)
            .map(([message, count]) => ({ message, count })),
        passed: problems.length === 0,
        problems,
    };
}

;// CONCATENATED MODULE: ./packages/smoke/load-spec.ts



const LOAD_FIELDS = ['requests', 'rate', 'max-error-rate', 'p95-budget'];
/**
 * Reads the `load` input: `requests` (required), `rate` (per second: `50` or `50/s`), `max-error-rate`
 * (`0.01` or `1%`, default 0) and `p95-budget` (a duration). Every problem is reported at once.
 */
function parseLoadSpec(value) {
    const problems = [];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw loadError([
            'it must be a mapping such as {requests: 200, rate: 50, max-error-rate: 1%, p95-budget: 300ms}',
        ]);
    }
    const fields = value;
    for (const key of Object.keys(fields)) {
        if (LOAD_FIELDS.includes(key))
            continue;
        const suggestion = closest(key, LOAD_FIELDS);
        problems.push(`unknown field "${key}"${suggestion ? `: did you mean "${suggestion}"?` : `; known fields: ${LOAD_FIELDS.join(', ')}`}`);
    }
    let requests = 0;
    const rawRequests = fields.requests;
    if (rawRequests === undefined)
        problems.push('"requests" is required: how many requests to send');
    else if (typeof rawRequests !== 'number' ||
        !Number.isInteger(rawRequests) ||
        rawRequests < 1 ||
        rawRequests > LOAD_LIMITS.maxRequests)
        problems.push(`"requests" is ${JSON.stringify(rawRequests)}: expected a whole number from 1 to ${LOAD_LIMITS.maxRequests}`);
    else
        requests = rawRequests;
    let rate;
    if (fields.rate !== undefined) {
        const text = String(fields.rate)
            .trim()
            .replace(/\s*\/\s*s$/, '');
        const parsed = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
        if (!(parsed > 0 && parsed <= LOAD_LIMITS.maxRate))
            problems.push(`"rate" is ${JSON.stringify(fields.rate)}: expected requests per second, more than 0 and at most ${LOAD_LIMITS.maxRate}`);
        else
            rate = parsed;
    }
    let maxErrorRate = 0;
    if (fields['max-error-rate'] !== undefined) {
        const raw = fields['max-error-rate'];
        const text = String(raw).trim();
        const parsed = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
        if (text === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1)
            problems.push(`"max-error-rate" is ${JSON.stringify(raw)}: expected a fraction from 0 to 1, or a percentage such as 1%`);
        else
            maxErrorRate = parsed;
    }
    let p95BudgetMs;
    if (fields['p95-budget'] !== undefined) {
        const raw = fields['p95-budget'];
        const ms = typeof raw === 'string' ? (0,kit/* parseDuration */.E9)(raw) : undefined;
        if (ms === undefined || ms < 1)
            problems.push(`"p95-budget" is ${JSON.stringify(raw)}: expected a duration such as 300ms or 1s${typeof raw === 'number' ? ` (add a unit, e.g. ${raw}ms)` : ''}`);
        else
            p95BudgetMs = ms;
    }
    if (rate && requests && (requests / rate) * 1000 > LOAD_LIMITS.maxDurationMs) {
        problems.push(`${requests} requests at ${rate}/s take longer than the ${LOAD_LIMITS.maxDurationMs / 60_000} minutes allowed: send fewer or faster`);
    }
    if (problems.length > 0)
        throw loadError(problems);
    return { requests, rate, maxErrorRate, p95BudgetMs };
}
function loadError(problems) {
    const message = problems.length === 1
        ? `Input "load": ${problems[0]}.`
        : `Input "load" has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
    return new kit/* UserError */.yo(message, { hint: 'Fix the load input of the step; no request was sent.' });
}

;// CONCATENATED MODULE: ./packages/smoke/plan.ts






const SERVICE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?:([0-9]{1,5}|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;
/** True when the `checks` input holds YAML rather than the path of a file. */
function isInlineChecks(text) {
    const value = text.trim();
    return /[\n\r]/.test(value) || /^[-[{]/.test(value) || /:\s/.test(value) || value.endsWith(':');
}
/** `Name: value` lines into headers; each bad line is named. */
function parseHeaderLines(lines) {
    const headers = {};
    const problems = [];
    lines.forEach((line, index) => {
        const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(line.trim());
        if (!match)
            problems.push(`line ${index + 1} is not "Name: value"`);
        else
            headers[match[1]] = match[2].trim();
    });
    if (problems.length > 0) {
        throw (0,kit/* inputConflict */.Jq)(`Input "headers": ${problems.join('; ')}.`, 'Write one header per line, e.g. "Authorization: Bearer …".');
    }
    return headers;
}
function displayPath(file, workspace) {
    const relative = external_node_path_.relative(workspace, file);
    return relative && !relative.startsWith('..') && !external_node_path_.isAbsolute(relative) ? relative : file;
}
function readFileInput(name, given, workspace) {
    const file = external_node_path_.resolve(workspace, given);
    if (!(0,external_node_fs_.existsSync)(file) || !(0,external_node_fs_.statSync)(file).isFile()) {
        throw new kit/* UserError */.yo(`Input "${name}" names ${given}, which does not exist (looked for ${file}).`, {
            hint: 'Give a path relative to the workspace (check out the repository first), or inline YAML.',
        });
    }
    try {
        return { text: (0,external_node_fs_.readFileSync)(file, 'utf8'), file };
    }
    catch (error) {
        throw new kit/* UserError */.yo(`Input "${name}": ${given} could not be read: ${(0,kit/* errorMessage */.gJ)(error)}`);
    }
}
/**
 * Turns the inputs into a plan, reading and validating the checks, the CA file and the load settings.
 * Nothing is sent and no cluster is contacted here: a mistake in the inputs costs no request.
 */
function planSmokeTest(settings, env = process.env) {
    const { checks: checksInput, service } = settings;
    const shownUrl = settings.url === undefined ? undefined : redactUrlCredentials(settings.url);
    if (!settings.url && !checksInput && !service) {
        throw (0,kit/* inputConflict */.Jq)('Give the smoke test something to test: "url", "checks" or "service".');
    }
    if (settings.url && service) {
        throw (0,kit/* inputConflict */.Jq)('Inputs "url" and "service" both say where to send the requests; give one.', 'Use "service" to reach a Service through the API server, "url" for anything reachable from the runner.');
    }
    if (settings.url && !/^https?:\/\/[^/]/i.test(settings.url)) {
        throw (0,kit/* inputConflict */.Jq)(`Input "url" is "${shownUrl}": expected an absolute http:// or https:// URL.`);
    }
    if (settings.url && !URL.canParse(settings.url))
        throw (0,kit/* inputConflict */.Jq)(`Input "url" is "${shownUrl}", which is not a valid URL.`);
    // From here on the base URL has no userinfo: its credentials travel as a masked Authorization header.
    const { url, authorization: baseAuthorization } = settings.url
        ? takeUrlCredentials(settings.url)
        : { url: undefined, authorization: undefined };
    if (service && !SERVICE_PATTERN.test(service)) {
        throw (0,kit/* inputConflict */.Jq)(`Input "service" is "${service}": expected namespace/name:port, e.g. shop/web-preview:80 or shop/web-preview:http.`);
    }
    if (settings.hostHeader !== undefined &&
        !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(settings.hostHeader)) {
        throw (0,kit/* inputConflict */.Jq)(`Input "host-header" is "${settings.hostHeader}": expected a host name, optionally with :port.`);
    }
    const policy = {
        timeoutMs: settings.timeoutMs,
        intervalMs: settings.intervalMs,
        retries: settings.retries,
        consecutiveSuccesses: settings.consecutiveSuccesses,
    };
    const headers = parseHeaderLines(settings.headers);
    maskHeaderSecrets(headers);
    const defaults = { policy, headers, followRedirects: true, maxRedirects: 5 };
    let checks;
    let checksSource;
    if (checksInput) {
        if (isInlineChecks(checksInput)) {
            checks = parseChecks({ text: checksInput }, defaults, env);
            checksSource = 'the checks input';
        }
        else {
            const { text, file } = readFileInput('checks', checksInput, settings.workspace);
            const shown = displayPath(file, settings.workspace);
            checks = parseChecks({ text, file: shown }, defaults, env);
            checksSource = shown;
        }
        // The base URL's credentials go with the requests sent to it, not to a check's own absolute URL.
        checks = checks.map((check) => /^https?:\/\//i.test(check.target)
            ? check
            : { ...check, headers: withUrlAuthorization(check.headers, baseAuthorization) });
        if (!url && !service) {
            const relative = checks.filter((c) => !/^https?:\/\//i.test(c.target));
            if (relative.length > 0) {
                throw (0,kit/* inputConflict */.Jq)(`Check${relative.length > 1 ? 's' : ''} ${relative.map((c) => `"${c.name}"`).join(', ')} ${relative.length > 1 ? 'have' : 'has'} a path but no base to resolve it against.`, 'Give "url" (or "service") as the base, or write a full "url" in each check.');
            }
        }
    }
    else {
        checks = [urlCheck(url ?? '', defaults)];
        checks[0].headers = withUrlAuthorization(checks[0].headers, baseAuthorization);
        if (service) {
            checks = [{ ...checks[0], name: `GET / on ${service}`, target: '' }];
        }
        checksSource = url ? 'the url input' : 'the service input';
    }
    let ca;
    if (settings.caFile) {
        ca = readFileInput('ca-file', settings.caFile, settings.workspace).text;
        if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
            throw new kit/* UserError */.yo(`Input "ca-file": ${settings.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
        }
    }
    const load = settings.load === undefined || settings.load === null ? undefined : parseLoadSpec(settings.load);
    return {
        target: service
            ? { kind: 'service', service, kubeconfig: settings.kubeconfig }
            : { kind: 'url', baseUrl: url },
        checks,
        hostHeader: settings.hostHeader,
        tls: { ca, insecure: settings.insecure },
        concurrency: settings.concurrency,
        load,
        checksSource,
    };
}

// EXTERNAL MODULE: ./packages/kube/index.ts + 9 modules
var kube = __webpack_require__(1797);
;// CONCATENATED MODULE: ./packages/smoke/smoke-test.ts




/**
 * Runs a planned smoke test: opens the port-forward when the target is a Service, runs every check with
 * its retries, then (only when all passed) the load burst, and always closes what it opened.
 */
async function runSmokeTest(plan, options) {
    const phase = options.phase ?? ((_title, work) => work());
    const { log } = options;
    const started = Date.now();
    if (plan.tls.insecure) {
        log.warning('insecure is true: TLS certificates are not verified, so anything between the runner and the target could answer in its place. Pass the issuing CA as ca-file instead.');
    }
    let forward;
    let baseUrl = plan.target.kind === 'url' ? plan.target.baseUrl : undefined;
    let target = baseUrl ?? 'the URLs of the checks';
    if (plan.target.kind === 'service') {
        const { service, kubeconfig } = plan.target;
        forward = await phase(`Port-forward to ${service} through the API server`, () => (0,kube/* openPortForward */.BV)(service, { kubeConfig: kubeconfig, onEvent: (line) => log.info(line) }));
        baseUrl = forward.url;
        target = `Service ${service} (${forward.backends.ready.map((b) => `pod ${b.pod}:${b.port}`).join(', ')}) through the API server`;
    }
    try {
        const context = {
            baseUrl,
            hostHeader: plan.hostHeader,
            tls: plan.tls,
            log,
            sleep: options.sleep,
        };
        const checkWord = plan.checks.length === 1 ? 'check' : 'checks';
        const results = await phase(`${plan.checks.length} ${checkWord} against ${target}`, () => runChecks(plan.checks, context, plan.concurrency));
        const failedChecks = results.filter((r) => !r.passed).map((r) => r.check.name);
        // A connection the port-forward could not carry ends as a bare reset here; say what the node said.
        const forwardProblem = forward?.lastProblem;
        if (forwardProblem) {
            for (const result of results) {
                if (!result.passed && result.last.failure)
                    result.hint = `The port-forward reported: ${forwardProblem}`;
            }
        }
        let load;
        if (plan.load && failedChecks.length === 0) {
            const spec = plan.load;
            load = await phase(`Load: ${spec.requests} requests${spec.rate ? ` at ${spec.rate}/s` : ''}, ${plan.concurrency} at a time`, () => runLoad(plan.checks, spec, { ...context, concurrency: plan.concurrency }));
            log.info(`load: ${load.requests} requests, ${load.errors} errors, p50 ${load.p50 ?? '–'}ms, p95 ${load.p95 ?? '–'}ms` +
                (load.passed ? '' : `: ${load.problems.join('; ')}`));
        }
        else if (plan.load) {
            log.info('load: skipped, because a check failed');
        }
        const checkLatencies = results.flatMap((r) => r.latencies);
        const latency = load ? { p50: load.p50, p95: load.p95 } : summariseLatencies(checkLatencies);
        return {
            target,
            results,
            load,
            passed: failedChecks.length === 0 && (load?.passed ?? true),
            failedChecks,
            requests: results.reduce((sum, r) => sum + r.tries, 0) + (load?.requests ?? 0),
            p50: latency.p50,
            p95: latency.p95,
            durationMs: Date.now() - started,
        };
    }
    finally {
        await forward?.close();
    }
}

;// CONCATENATED MODULE: ./packages/smoke/report.ts


function ms(value) {
    return value === undefined ? '–' : `${Math.round(value)}ms`;
}
function report_percent(fraction) {
    return `${(fraction * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}
/** The job summary: one row per check, the load figures, and the failures spelled out. */
function smokeSummary(report) {
    const passedCount = report.results.filter((r) => r.passed).length;
    const summary = new JobSummary()
        .heading(`Smoke test ${report.passed ? 'passed' : 'failed'}`)
        .facts({
        target: report.target,
        checks: `${passedCount} of ${report.results.length} passed`,
        requests: report.requests,
        'latency p50 / p95': `${ms(report.p50)} / ${ms(report.p95)}`,
        duration: formatDuration(report.durationMs),
    })
        .table(['check', 'result', 'got', 'latency', 'tries', 'expected'], report.results.map((r) => [
        code(r.check.name),
        r.passed ? '✅ passed' : '❌ failed',
        outcomeCell(r),
        ms(r.last.latencyMs),
        r.tries,
        expectedCell(r.check),
    ]));
    if (report.load) {
        const load = report.load;
        summary
            .heading('Load')
            .table(['requests', 'errors', 'error rate', 'p50', 'p95', 'p99', 'max', 'rate', 'result'], [
            [
                load.requests,
                load.errors,
                `${report_percent(load.errorRate)} (≤ ${report_percent(load.spec.maxErrorRate)})`,
                ms(load.p50),
                `${ms(load.p95)}${load.spec.p95BudgetMs !== undefined ? ` (≤ ${load.spec.p95BudgetMs}ms)` : ''}`,
                ms(load.p99),
                ms(load.maxMs),
                `${load.achievedRate.toFixed(1)}/s`,
                load.passed ? '✅ passed' : `❌ ${load.problems.join('; ')}`,
            ],
        ]);
        if (load.errorSamples.length > 0) {
            summary.details('Load errors', load.errorSamples.map((e) => `${e.count}× ${e.message}`).join('\n'));
        }
    }
    for (const result of report.results.filter((r) => !r.passed)) {
        summary.details(`Why "${result.check.name}" failed`, describeFailure(result));
    }
    return summary;
}

;// CONCATENATED MODULE: ./packages/smoke/index.ts
// The HTTP check engine of the smoke-test action. This file is the package's only door.












/***/ })

};
