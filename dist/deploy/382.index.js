export const id = 382;
export const ids = [382];
export const modules = {

/***/ 2382:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  recordDeployment: () => (/* reexport */ recordDeployment)
});

// UNUSED EXPORTS: GitHubApiError, GitHubClient, GitHubDeployment

// EXTERNAL MODULE: ./packages/kit/index.ts + 15 modules
var kit = __webpack_require__(2379);
;// CONCATENATED MODULE: ./packages/github/client.ts

/** An answer GitHub refused, with its status and message. */
class GitHubApiError extends Error {
    status;
    method;
    path;
    constructor(status, method, path, message) {
        super(`GitHub API ${method} ${path}: ${status} ${message}`);
        this.status = status;
        this.method = method;
        this.path = path;
        this.name = 'GitHubApiError';
    }
}
/** A small REST client on fetch: JSON in and out, the documented headers, retries on 5xx and network errors. */
class GitHubClient {
    options;
    apiUrl;
    owner;
    repo;
    constructor(options) {
        this.options = options;
        this.apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
        const [owner, repo] = options.repository.split('/');
        if (!owner || !repo)
            throw new kit/* UserError */.yo(`GITHUB_REPOSITORY is "${options.repository}": expected owner/name.`);
        this.owner = owner;
        this.repo = repo;
    }
    /** `/repos/{owner}/{repo}` + rest */
    repoPath(rest) {
        return `/repos/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repo)}${rest}`;
    }
    async request(method, path, body) {
        return (0,kit/* retry */.L5)(async () => {
            const response = await fetch(this.apiUrl + path, {
                method,
                headers: {
                    Accept: 'application/vnd.github+json',
                    Authorization: `Bearer ${this.options.token}`,
                    'X-GitHub-Api-Version': '2022-11-28',
                    'User-Agent': 'swiss-deploy',
                    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            const text = await response.text();
            if (!response.ok) {
                let message = text.slice(0, 300);
                try {
                    message = JSON.parse(text).message ?? message;
                }
                catch {
                    // not JSON: keep the text
                }
                throw new GitHubApiError(response.status, method, path, message);
            }
            return (text === '' ? undefined : JSON.parse(text));
        }, {
            attempts: 3,
            baseDelayMs: 500,
            retryable: (error) => !(error instanceof GitHubApiError) || error.status >= 500,
        }).catch((error) => {
            if (error instanceof GitHubApiError &&
                (error.status === 401 || error.status === 403 || error.status === 404)) {
                throw new kit/* UserError */.yo(`${error.message}`, {
                    hint: error.status === 401
                        ? 'The github-token input is not a valid token.'
                        : 'Give the job `permissions: deployments: write` (and check the repository name), or leave the environment input empty to skip GitHub Deployments.',
                    cause: error,
                });
            }
            throw new kit/* WorldError */.nM(`GitHub's API failed: ${error.message}`, { cause: error });
        });
    }
}

;// CONCATENATED MODULE: ./packages/github/deployments.ts
/**
 * One GitHub Deployment of one run: created `in_progress`, finished `success` or `failure`. On success the
 * previous successful deployment of the environment is marked `inactive`, production environments included
 * (where GitHub's auto_inactive does not reach).
 */
class GitHubDeployment {
    client;
    deployment;
    constructor(client, deployment) {
        this.client = client;
        this.deployment = deployment;
    }
    static async create(client, options) {
        const deployment = await client.request('POST', client.repoPath('/deployments'), {
            ref: options.ref,
            environment: options.environment,
            description: options.description?.slice(0, 140),
            payload: options.payload ?? {},
            auto_merge: false,
            required_contexts: [],
            transient_environment: false,
            production_environment: options.productionEnvironment ?? false,
        });
        return new GitHubDeployment(client, deployment);
    }
    get id() {
        return this.deployment.id;
    }
    async setStatus(update) {
        return this.client.request('POST', this.client.repoPath(`/deployments/${this.id}/statuses`), {
            state: update.state,
            description: update.description?.slice(0, 140),
            environment_url: update.environmentUrl,
            log_url: update.logUrl,
            ...(update.state === 'success' ? { auto_inactive: true } : {}),
        });
    }
    /** Marks `inactive` every earlier deployment of the environment whose latest status is `success`. */
    async deactivatePrevious() {
        const earlier = await this.client.request('GET', this.client.repoPath(`/deployments?environment=${encodeURIComponent(this.deployment.environment)}&per_page=10`));
        const deactivated = [];
        for (const deployment of earlier.filter((d) => d.id !== this.id)) {
            const [latest] = await this.client.request('GET', this.client.repoPath(`/deployments/${deployment.id}/statuses?per_page=1`));
            if (latest?.state !== 'success')
                continue;
            await this.client.request('POST', this.client.repoPath(`/deployments/${deployment.id}/statuses`), {
                state: 'inactive',
                description: `superseded by deployment ${this.id}`,
            });
            deactivated.push(deployment.id);
        }
        return deactivated;
    }
}

;// CONCATENATED MODULE: ./packages/github/record.ts



const none = { progress: async () => undefined, finish: async () => undefined };
/**
 * Records the run as a GitHub Deployment of `environment` (in_progress now, success or failure at the end,
 * the previous one made inactive on success). Best effort, for every entry alike: the cluster is the truth,
 * so a GitHub API problem is a warning and never fails, or seems to fail, a deploy that already moved traffic.
 */
async function recordDeployment(options) {
    if (!options.environment || !options.token)
        return none;
    const env = options.env ?? process.env;
    const { environment, environmentUrl, logUrl, warn } = options;
    let deployment;
    try {
        const client = new GitHubClient({
            token: options.token,
            repository: env.GITHUB_REPOSITORY ?? '',
            apiUrl: env.GITHUB_API_URL,
        });
        deployment = await GitHubDeployment.create(client, {
            ref: env.GITHUB_SHA ?? env.GITHUB_REF ?? 'HEAD',
            environment,
            description: options.description,
            payload: options.payload,
        });
        await deployment.setStatus({ state: 'in_progress', logUrl, environmentUrl });
        options.info?.(`GitHub Deployment ${deployment.id} to ${environment} is in progress.`);
    }
    catch (error) {
        warn(`Could not record a GitHub Deployment to ${environment}: ${(0,kit/* errorMessage */.gJ)(error)}`);
        return none;
    }
    const status = async (state, description) => {
        try {
            await deployment.setStatus({ state, description: description.slice(0, 140), logUrl, environmentUrl });
            if (state === 'success')
                await deployment.deactivatePrevious();
        }
        catch (error) {
            warn(`Could not mark GitHub Deployment ${deployment.id} ${state}: ${(0,kit/* errorMessage */.gJ)(error)}`);
        }
    };
    return { progress: (description) => status('in_progress', description), finish: status };
}

;// CONCATENATED MODULE: ./packages/github/index.ts
// GitHub's REST API for what a deploy reports: Deployments and their statuses. The package's only door.





/***/ })

};
