#!/usr/bin/env node
// Releases swiss/deploy as vX.Y.Z: the commit users pin, by tag or by SHA.
//
//   node scripts/release.mjs --version X.Y.Z [--remote origin] [--no-push] [--repo DIR]
//
// --repo releases another clone than the one the script is in (default: this checkout).
//
// 1. Checks everything before changing anything: the version (X.Y.Z, higher than every release tag),
//    a clean work tree on a branch, no vX.Y.Z tag here or on the remote, an Unreleased section with
//    entries in CHANGELOG.md.
// 2. Runs `npm run verify`: lint, types, a fresh build of dist/ compared with the committed one, every test.
// 3. Commits CHANGELOG.md (Unreleased becomes X.Y.Z) on the branch: commit A, whose actions and dist/ are
//    the release's.
// 4. Off the branch, rewrites every `swiss/deploy/<action>@<ref>` and `swiss/deploy@<ref>` in the
//    reusable workflows and workflow templates to A's SHA with a `# vX.Y.Z` comment (commit B), then every
//    `swiss/deploy/.github/workflows/<file>@<ref>` whose file is pinned throughout at B to B's SHA
//    (commit C), and so on, one commit per level, for reusable workflows that call reusable workflows
//    (preview.yml calls pipeline.yml). A commit cannot name its own SHA, so each reference names the
//    nearest commit whose referenced files are byte for byte the tagged commit's; the script checks that
//    before tagging.
// 5. Tags the last commit vX.Y.Z, moves vX to it, and pushes the branch and both tags in one atomic push.
// The branch keeps the major-tag references (the workflows there run the actions of the same checkout);
// only the tagged commit is pinned throughout.
//
// --skip-verify leaves out step 2. It exists for the script's own tests, which run it against a scratch
// clone; the release workflow never passes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const SHA = /^[0-9a-f]{40}$/;
const WORKFLOW_DIRS = ['.github/workflows', 'workflows-templates'];
const CHANGELOG = 'CHANGELOG.md';
const UNRELEASED = /^## \[Unreleased\][^\n]*\n/m;
// `uses: swiss/deploy[/path]@ref [# comment]`, quoted or not.
const OWN_USES = /(\buses:[ \t]*)(['"]?)(swiss\/deploy(?:\/[^@\s'"#]+)?)@([^\s'"#]+)\2([ \t]*#[^\n]*)?/g;

class ReleaseError extends Error {}

/** A value from the command line or a file as it may sit in one log line: quoted, escaped, inert. */
function shown(value) {
  return JSON.stringify(String(value)).replace(/##\[/g, '##\\[');
}

export function parseArgs(argv) {
  const options = { version: undefined, remote: 'origin', push: true, verify: true, repo: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new ReleaseError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--version') options.version = value();
    else if (arg.startsWith('--version=')) options.version = arg.slice('--version='.length);
    else if (arg === '--remote') options.remote = value();
    else if (arg === '--repo') options.repo = value();
    else if (arg === '--no-push') options.push = false;
    else if (arg === '--skip-verify') options.verify = false;
    else
      throw new ReleaseError(
        `unknown argument ${shown(arg)}; allowed: --version X.Y.Z, --remote NAME, --repo DIR, --no-push, --skip-verify`,
      );
  }
  if (options.version === undefined) throw new ReleaseError('--version is required (X.Y.Z, e.g. 1.4.0)');
  if (!VERSION.test(options.version))
    throw new ReleaseError(
      `--version is ${shown(options.version)}; allowed: X.Y.Z, three numbers without leading zeros (e.g. 1.4.0), no "v", no pre-release suffix`,
    );
  if (!/^[A-Za-z0-9][\w.-]*$/.test(options.remote))
    throw new ReleaseError(`--remote is ${shown(options.remote)}; allowed: the name of a git remote`);
  return options;
}

function compareVersions(a, b) {
  const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** CHANGELOG text with the Unreleased entries moved under `## [version] - date` and Unreleased left empty. */
export function releaseChangelog(text, version, date) {
  const heading = UNRELEASED.exec(text);
  if (!heading) throw new ReleaseError(`${CHANGELOG} has no "## [Unreleased]" section`);
  const start = heading.index + heading[0].length;
  const next = text.slice(start).search(/^## \[/m);
  const end = next < 0 ? text.length : start + next;
  const entries = text.slice(start, end).trim();
  if (!/^[-*] /m.test(entries))
    throw new ReleaseError(`${CHANGELOG}: the Unreleased section lists nothing to release`);
  return `${text.slice(0, start)}\n## [${version}] - ${date}\n\n${entries}\n\n${text.slice(end)}`.replace(
    /\n{3,}/g,
    '\n\n',
  );
}

/** The workflow files whose swiss/deploy references the release pins, relative to root. */
export function workflowFiles(root) {
  return WORKFLOW_DIRS.filter((dir) => existsSync(path.join(root, dir))).flatMap((dir) =>
    readdirSync(path.join(root, dir))
      .filter((file) => /\.ya?ml$/.test(file))
      .sort()
      .map((file) => `${dir}/${file}`),
  );
}

/** The swiss/deploy references of a workflow text: { target, ref } with target the path after the repo ('' for the root action). */
export function ownReferences(text) {
  return [...text.matchAll(OWN_USES)].map((m) => ({ target: m[3].slice('swiss/deploy'.length), ref: m[4] }));
}

const isWorkflowTarget = (target) => target.startsWith('/.github/workflows/');

/** Text with the chosen swiss/deploy references pointed at sha, the version in a comment. */
export function pinReferences(text, { sha, version, workflows }) {
  return text.replace(OWN_USES, (match, lead, quote, name, _ref) => {
    const target = name.slice('swiss/deploy'.length);
    if (isWorkflowTarget(target) !== workflows) return match;
    return `${lead}${quote}${name}@${sha}${quote} # v${version}`;
  });
}

function run(root, file, args, options = {}) {
  return execFileSync(file, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

function git(root, ...args) {
  return run(root, 'git', args).trim();
}

function gitOk(root, ...args) {
  return spawnSync('git', args, { cwd: root, stdio: 'ignore' }).status === 0;
}

/** What a reference resolves to that must be the same at its commit and at the tag: git object ids. */
function referencedObjects(root, commit, target) {
  if (isWorkflowTarget(target)) return [git(root, 'rev-parse', `${commit}:${target.slice(1)}`)];
  // An action is its folder (action.yml) and the bundles it runs from dist/.
  const folder = target === '' ? 'action.yml' : target.slice(1);
  return [git(root, 'rev-parse', `${commit}:${folder}`), git(root, 'rev-parse', `${commit}:dist`)];
}

function preflight(root, options) {
  const tag = `v${options.version}`;
  const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8' });
  if (top.status !== 0 || realpathSync(top.stdout.trim()) !== realpathSync(root))
    throw new ReleaseError(`--repo is ${shown(root)}; allowed: the top folder of a git work tree`);
  const branch = spawnSync('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (branch.status !== 0) throw new ReleaseError('HEAD is detached; check out the branch to release from');
  const status = git(root, 'status', '--porcelain');
  if (status !== '') throw new ReleaseError(`the work tree has uncommitted changes:\n${status}`);
  if (gitOk(root, 'rev-parse', '--quiet', '--verify', `refs/tags/${tag}`))
    throw new ReleaseError(`the tag ${tag} exists already`);
  const released = git(root, 'tag', '--list', 'v*')
    .split('\n')
    .map((t) => t.slice(1))
    .filter((v) => VERSION.test(v))
    .sort(compareVersions);
  const latest = released.at(-1);
  if (latest && compareVersions(options.version, latest) <= 0)
    throw new ReleaseError(
      `--version is ${shown(options.version)}; allowed: a version above the latest release, v${latest}`,
    );
  const identity = (key, env) =>
    process.env[env] || spawnSync('git', ['config', key], { cwd: root }).status === 0;
  if (!identity('user.name', 'GIT_COMMITTER_NAME') || !identity('user.email', 'GIT_COMMITTER_EMAIL'))
    throw new ReleaseError('git has no committer identity here: set user.name and user.email');
  if (options.push) {
    const remote = spawnSync('git', ['ls-remote', '--tags', options.remote, `refs/tags/${tag}`], {
      cwd: root,
      encoding: 'utf8',
    });
    if (remote.status !== 0)
      throw new ReleaseError(
        `cannot list the tags of the remote ${shown(options.remote)}: ${remote.stderr.trim()}`,
      );
    if (remote.stdout.trim() !== '')
      throw new ReleaseError(`the tag ${tag} exists already on ${shown(options.remote)}`);
  }
  if (!existsSync(path.join(root, CHANGELOG))) throw new ReleaseError(`${CHANGELOG} is missing`);
  releaseChangelog(readFileSync(path.join(root, CHANGELOG), 'utf8'), options.version, today());
  const files = workflowFiles(root);
  if (!files.some((file) => ownReferences(readFileSync(path.join(root, file), 'utf8')).length > 0))
    throw new ReleaseError(`no swiss/deploy reference found in ${WORKFLOW_DIRS.join(' or ')}`);
  return { branch: branch.stdout.trim(), tag, major: `v${options.version.split('.')[0]}`, files };
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

/** Rewrites one kind of reference in every workflow file to sha and commits; the new HEAD, or null. */
function pinRound(root, files, { sha, version, workflows, message }) {
  let changed = false;
  for (const file of files) {
    const full = path.join(root, file);
    const before = readFileSync(full, 'utf8');
    const after = pinReferences(before, { sha, version, workflows });
    if (after !== before) {
      writeFileSync(full, after);
      changed = true;
    }
  }
  if (!changed) return null;
  git(root, 'commit', '--quiet', '--all', '--message', message);
  return git(root, 'rev-parse', 'HEAD');
}

/**
 * Pins the reusable-workflow references level by level: each round points the references whose workflow is
 * pinned throughout at `head` (it refers to swiss/deploy by SHA only) at `head`, and commits. Such a file
 * has nothing left to rewrite, so it stays byte for byte what `head` holds. Returns the last commit, or null.
 */
function pinWorkflowRounds(root, files, { head, version, tag }) {
  let last = null;
  for (let round = 0; round < files.length; round++) {
    const pinnedAt = head;
    const ready = new Map();
    const isReady = (file) => {
      if (!ready.has(file)) {
        const text = gitOk(root, 'cat-file', '-e', `${pinnedAt}:${file}`)
          ? git(root, 'show', `${pinnedAt}:${file}`)
          : undefined;
        ready.set(file, text !== undefined && ownReferences(text).every((r) => SHA.test(r.ref)));
      }
      return ready.get(file);
    };
    let changed = false;
    for (const file of files) {
      const full = path.join(root, file);
      const before = readFileSync(full, 'utf8');
      const after = before.replace(OWN_USES, (match, lead, quote, name, ref) => {
        const target = name.slice('swiss/deploy'.length);
        if (!isWorkflowTarget(target) || SHA.test(ref) || !isReady(target.slice(1))) return match;
        return `${lead}${quote}${name}@${pinnedAt}${quote} # v${version}`;
      });
      if (after !== before) {
        writeFileSync(full, after);
        changed = true;
      }
    }
    if (!changed) break;
    git(
      root,
      'commit',
      '--quiet',
      '--all',
      '--message',
      `${tag}: swiss/deploy reusable workflows pinned to ${pinnedAt}`,
    );
    head = git(root, 'rev-parse', 'HEAD');
    last = head;
  }
  return last;
}

/** Every reference of the tagged commit is a SHA whose referenced files are the tag's own. */
function checkPinned(root, files, tagged) {
  const problems = [];
  for (const file of files) {
    for (const { target, ref } of ownReferences(git(root, 'show', `${tagged}:${file}`))) {
      const where = `${file}: swiss/deploy${target}@${ref}`;
      if (!SHA.test(ref)) problems.push(`${where} is not a commit SHA`);
      else if (!gitOk(root, 'merge-base', '--is-ancestor', ref, tagged))
        problems.push(`${where} is not an ancestor of the release commit`);
      else if (referencedObjects(root, ref, target).join() !== referencedObjects(root, tagged, target).join())
        problems.push(`${where} differs from the release commit's copy`);
      else if (isWorkflowTarget(target)) {
        const nested = ownReferences(git(root, 'show', `${ref}:${target.slice(1)}`));
        if (nested.some((n) => !SHA.test(n.ref)))
          problems.push(`${where} itself refers to swiss/deploy by a tag`);
      }
    }
  }
  if (problems.length > 0)
    throw new ReleaseError(`the release commit is not pinned:\n${problems.join('\n')}`);
}

export function release(root, options, log = (line) => console.log(line)) {
  const plan = preflight(root, options);
  const { version } = options;
  const { branch, tag, major, files } = plan;
  log(`release: ${tag} from ${branch} at ${git(root, 'rev-parse', '--short', 'HEAD')}`);

  if (options.verify) {
    log('release: npm run verify');
    const verify = spawnSync('npm', ['run', 'verify'], { cwd: root, stdio: 'inherit' });
    if (verify.status !== 0) throw new ReleaseError(`npm run verify failed (exit ${verify.status})`);
    if (git(root, 'status', '--porcelain') !== '')
      throw new ReleaseError('npm run verify left changes in the work tree (is dist/ stale?)');
  } else {
    log('release: --skip-verify: verify is not run');
  }

  const base = git(root, 'rev-parse', 'HEAD');
  const previousMajor = gitOk(root, 'rev-parse', '--quiet', '--verify', `refs/tags/${major}`)
    ? git(root, 'rev-parse', `refs/tags/${major}`)
    : null;
  const made = [];
  try {
    const changelog = path.join(root, CHANGELOG);
    writeFileSync(changelog, releaseChangelog(readFileSync(changelog, 'utf8'), version, today()));
    git(root, 'commit', '--quiet', '--message', `Release ${tag}`, '--', CHANGELOG);
    const actions = git(root, 'rev-parse', 'HEAD');
    log(`release: ${actions.slice(0, 12)} on ${branch}: ${CHANGELOG} for ${tag}`);

    git(root, 'checkout', '--quiet', '--detach');
    const pinnedActions = pinRound(root, files, {
      sha: actions,
      version,
      workflows: false,
      message: `${tag}: swiss/deploy actions pinned to ${actions}`,
    });
    const pinnedWorkflows = pinWorkflowRounds(root, files, { head: pinnedActions ?? actions, version, tag });
    const tagged = pinnedWorkflows ?? pinnedActions ?? actions;
    checkPinned(root, files, tagged);

    git(root, 'tag', '--annotate', tag, '--message', `swiss/deploy ${tag}`, tagged);
    made.push(tag);
    git(root, 'tag', '--force', '--annotate', major, '--message', `swiss/deploy ${major} (${tag})`, tagged);
    made.push(major);
    git(root, 'checkout', '--quiet', branch);
    log(`release: tagged ${tagged.slice(0, 12)} ${tag}; ${major} ${previousMajor ? 'moved' : 'created'}`);

    if (options.push) {
      git(
        root,
        'push',
        '--atomic',
        '--quiet',
        options.remote,
        `refs/heads/${branch}:refs/heads/${branch}`,
        `refs/tags/${tag}:refs/tags/${tag}`,
        `+refs/tags/${major}:refs/tags/${major}`,
      );
      log(`release: pushed ${branch}, ${tag} and ${major} to ${options.remote}`);
    }
    return { actions, tagged, tag, major, branch };
  } catch (error) {
    // Leave the repository as it was found: branch at its old commit, no new tags.
    spawnSync('git', ['checkout', '--quiet', '--force', branch], { cwd: root });
    spawnSync('git', ['reset', '--quiet', '--hard', base], { cwd: root });
    if (made.includes(tag)) spawnSync('git', ['tag', '--delete', tag], { cwd: root, stdio: 'ignore' });
    if (made.includes(major)) {
      const restore = previousMajor
        ? ['update-ref', `refs/tags/${major}`, previousMajor]
        : ['tag', '--delete', major];
      spawnSync('git', restore, { cwd: root, stdio: 'ignore' });
    }
    throw error;
  }
}

function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const options = parseArgs(process.argv.slice(2));
    const result = release(path.resolve(options.repo ?? root), options);
    console.log(`release: ${result.tag} is ${result.tagged}`);
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    console.error(`release: ${error.message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
