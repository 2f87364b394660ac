import { ExecError, UserError, exec, registerSecret } from '@swiss-deploy/kit';

const node = process.execPath;

describe('exec', () => {
  it('passes arguments as an array, never through a shell', async () => {
    const tricky = '$(touch /tmp/pwned); `id` && echo "quoted" | cat';
    const result = await exec(node, ['-e', 'process.stdout.write(process.argv[1])', tricky]);
    expect(result.stdout).toBe(tricky);
    expect(result.exitCode).toBe(0);
  });

  it('captures stdout and stderr and hands stdin over', async () => {
    const result = await exec(
      node,
      ['-e', 'process.stdin.on("data", d => { process.stdout.write("got " + d); console.error("err") })'],
      {
        input: 'password-from-stdin',
      },
    );
    expect(result.stdout).toBe('got password-from-stdin');
    expect(result.stderr.trim()).toBe('err');
  });

  it('fails with the command, the exit code and the tail of stderr', async () => {
    const failure = exec(node, ['-e', 'console.error("first"); console.error("boom"); process.exit(3)']);
    await expect(failure).rejects.toBeInstanceOf(ExecError);
    await expect(failure).rejects.toThrow(/failed with exit code 3:\nfirst\nboom/);
  });

  it('lets the caller accept other exit codes', async () => {
    const result = await exec(node, ['-e', 'process.exit(2)'], { okExitCodes: 'any' });
    expect(result.exitCode).toBe(2);
  });

  it('masks registered secrets in captured output and in its error', async () => {
    registerSecret('s3cr3t-value');
    const result = await exec(node, ['-e', 'console.log("token=s3cr3t-value")']);
    expect(result.stdout.trim()).toBe('token=***');
    await expect(
      exec(node, ['-e', 'console.error("bad s3cr3t-value"); process.exit(1)', 's3cr3t-value']),
    ).rejects.toThrow(/^(?!.*s3cr3t-value)[\s\S]*bad \*\*\*/);
  });

  it('stops a process (and its children) that outlives the timeout', async () => {
    const started = Date.now();
    await expect(exec('/bin/sh', ['-c', 'sleep 30 & sleep 30; wait'], { timeoutMs: 300 })).rejects.toThrow(
      /timed out after 300ms/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('says what to install when the program is missing', async () => {
    const failure = exec('swiss-no-such-tool', [], { missingHint: 'Install it from the moon.' });
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toMatchObject({ hint: 'Install it from the moon.' });
  });

  it('reports each output line to onLine, masked', async () => {
    registerSecret('line-secret');
    const lines: string[] = [];
    await exec(node, ['-e', 'console.log("a\\nline-secret b"); console.error("c")'], {
      onLine: (l) => lines.push(l),
    });
    expect(lines.sort()).toEqual(['*** b', 'a', 'c']);
  });

  it("keeps the step's inputs and the runner's tokens out of the child's environment", async () => {
    Object.assign(process.env, {
      INPUT_PASSWORD: 'registry-pass-123',
      INPUT_KUBECONFIG: 'apiVersion: v1',
      'INPUT_GITHUB-TOKEN': 'ghs_input_token',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token',
      GITHUB_TOKEN: 'ghs_env_token',
      GITHUB_WORKSPACE: '/work/space',
      SWISS_KEPT: 'kept',
    });
    const printEnv = ['-e', 'console.log(JSON.stringify(process.env))'];
    const seen = JSON.parse((await exec(node, printEnv)).stdout) as Record<string, string>;
    expect(Object.keys(seen).filter((name) => /^(INPUT_|ACTIONS_)|^GITHUB_TOKEN$/i.test(name))).toEqual([]);
    expect(seen).toMatchObject({ GITHUB_WORKSPACE: '/work/space', SWISS_KEPT: 'kept' });
    expect(seen.PATH).toBe(process.env.PATH);
  });

  it('passes a withheld variable only when the caller names it or gives its value', async () => {
    process.env.ACTIONS_RUNTIME_TOKEN = 'runtime-token';
    process.env.ACTIONS_CACHE_URL = 'https://cache.example';
    const printEnv = ['-e', 'console.log(JSON.stringify(process.env))'];
    const seen = JSON.parse(
      (await exec(node, printEnv, { passEnv: ['ACTIONS_CACHE_URL'], env: { GITHUB_TOKEN: 'explicit' } }))
        .stdout,
    ) as Record<string, string>;
    expect(seen.ACTIONS_CACHE_URL).toBe('https://cache.example');
    expect(seen.GITHUB_TOKEN).toBe('explicit');
    expect(seen.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
  });
});
