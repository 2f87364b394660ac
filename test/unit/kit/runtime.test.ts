import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  InputError,
  JobSummary,
  SavedState,
  UserError,
  WorldError,
  code,
  defineOutputs,
  link,
  registerSecret,
  runAction,
} from '@swiss-deploy/kit';
import { reportFailure } from '../../../packages/kit/action';

function commandFiles() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kit-'));
  const files = {
    GITHUB_OUTPUT: path.join(dir, 'output'),
    GITHUB_STATE: path.join(dir, 'state'),
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
  };
  for (const [key, file] of Object.entries(files)) {
    writeFileSync(file, '');
    process.env[key] = file;
  }
  return files;
}

function captureStdout(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return { text: () => chunks.join(''), restore: () => spy.mockRestore() };
}

describe('outputs', () => {
  it('writes declared outputs, objects as JSON', () => {
    const files = commandFiles();
    const out = defineOutputs(['digest', 'tags'] as const);
    out.set('digest', 'sha256:abc');
    out.set('tags', ['a', 'b']);
    const text = readFileSync(files.GITHUB_OUTPUT, 'utf8');
    expect(text).toMatch(/^digest<<ghadelimiter_[\w-]+\nsha256:abc\n/);
    expect(text).toContain('\n["a","b"]\n');
    expect(out.written()).toEqual({ digest: 'sha256:abc', tags: '["a","b"]' });
  });

  it('refuses to write a secret into an output', () => {
    commandFiles();
    registerSecret('registry-password-1');
    const out = defineOutputs(['login'] as const);
    expect(() => out.set('login', 'user:registry-password-1')).toThrow('would expose a secret');
  });
});

describe('SavedState', () => {
  it('strips secret fields and refuses hidden secrets', () => {
    const files = commandFiles();
    registerSecret('kubeconfig-token-xyz');
    const state = new SavedState<{ lease: string; token: string }, 'token'>('deploy', ['token']);
    state.save({ lease: 'app-lock', token: 'kubeconfig-token-xyz' });
    expect(readFileSync(files.GITHUB_STATE, 'utf8')).toContain('{"lease":"app-lock"}');
    expect(() => state.save({ lease: 'kubeconfig-token-xyz', token: '' })).toThrow('would store a secret');
  });

  it('loads what main saved, as the runner hands it back to post', () => {
    process.env.STATE_deploy = '{"lease":"app-lock"}';
    expect(new SavedState<{ lease: string }>('deploy').load()).toEqual({ lease: 'app-lock' });
    expect(new SavedState<{ lease: string }>('other').load()).toBeUndefined();
  });
});

describe('JobSummary', () => {
  it('writes escaped, masked tables with trusted links and code', async () => {
    const files = commandFiles();
    registerSecret('summary-secret');
    await new JobSummary()
      .heading('Deploy <app>')
      .table(
        ['Color', 'Digest', 'Run'],
        [['blue', code('sha256:1'), link('run', 'https://example.test/run?a=1&b=2')]],
      )
      .facts({ token: 'summary-secret', replicas: 3, missing: undefined })
      .write();
    const html = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    expect(html).toContain('<h3>Deploy &lt;app&gt;</h3>');
    expect(html).toContain('<td><code>sha256:1</code></td>');
    expect(html).toContain('<a href="https://example.test/run?a=1&amp;b=2">run</a>');
    expect(html).toContain('<td>***</td>');
    expect(html).toContain('<td>–</td>');
    expect(html).not.toContain('summary-secret');
  });

  it('does nothing outside a runner', async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(new JobSummary().paragraph('x').write()).resolves.toBeUndefined();
  });
});

describe('reportFailure', () => {
  it('prints a user error as one annotation with its hint and location', () => {
    const out = captureStdout();
    try {
      reportFailure(
        new UserError('Chart is invalid', {
          hint: 'Fix values.yaml',
          location: { file: 'values.yaml', line: 7 },
        }),
      );
    } finally {
      out.restore();
    }
    expect(out.text()).toBe(
      '::error title=values.yaml,file=values.yaml,line=7::Chart is invalid%0AFix values.yaml\n',
    );
    expect(process.exitCode).toBe(1);
  });

  it('prints a world error with its cause and what was left untouched', () => {
    const out = captureStdout();
    try {
      reportFailure(
        new WorldError('Readiness gate timed out', {
          cause: new Error('watch closed'),
          untouched: 'live traffic still goes to blue',
          hint: 'Check the pods of green.',
        }),
      );
    } finally {
      out.restore();
    }
    expect(out.text()).toBe(
      '::error::Readiness gate timed out%0ACause: watch closed%0ALeft untouched: live traffic still goes to blue%0ACheck the pods of green.\n',
    );
  });

  it('masks secrets in any error message', () => {
    registerSecret('leaky-password');
    const out = captureStdout();
    try {
      reportFailure(new Error('login failed for leaky-password'));
    } finally {
      out.restore();
    }
    expect(out.text()).not.toContain('leaky-password');
    expect(out.text()).toContain('Unexpected error: login failed for ***');
  });
});

describe('runAction', () => {
  it('runs main, marks the post step, and reports an input error without running further', async () => {
    const files = commandFiles();
    const out = captureStdout();
    let reached = false;
    try {
      await runAction({
        main: async () => {
          throw new InputError(['Input "x" is "y": expected z.']);
        },
        post: async () => {
          reached = true;
        },
      });
    } finally {
      out.restore();
    }
    expect(reached).toBe(false);
    expect(out.text()).toContain('::error::Input "x" is "y": expected z.');
    expect(readFileSync(files.GITHUB_STATE, 'utf8')).toContain('swiss-deploy-post');
  });

  it('runs only post when the runner hands back the flag', async () => {
    process.env['STATE_swiss-deploy-post'] = 'true';
    const ran: string[] = [];
    await runAction({ main: async () => void ran.push('main'), post: async () => void ran.push('post') });
    expect(ran).toEqual(['post']);
  });
});

describe('registerSecret', () => {
  it('masks a multi-line secret whole and its secret material, not its structure', async () => {
    const { maskSecrets } = await import('@swiss-deploy/kit');
    registerSecret(
      [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        '- name: deployer',
        '  user:',
        '    token: eyJhbGciOiJSUzI1NiIsImtpZCI6Ij',
        '    client-key-data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t',
      ].join('\n'),
    );
    expect(maskSecrets('token eyJhbGciOiJSUzI1NiIsImtpZCI6Ij used')).toBe('token *** used');
    expect(maskSecrets('key LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t')).toBe('key ***');
    expect(maskSecrets('apiVersion: v1\nkind: Config')).toBe('apiVersion: v1\nkind: Config');
  });
});
