// The process ends when the command is done (src/main.ts runProcess): once stdout and stderr are written
// out, it exits with the command's code, whatever the event loop still holds, rather than waiting for
// Node to close what is left. A ref'd 30 s timer, preloaded, stands for anything left open.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kubectl-bluegreen');
const dir = mkdtempSync(join(tmpdir(), 'bluegreen-exit-'));
const preload = join(dir, 'hold.cjs');
writeFileSync(preload, 'setTimeout(() => {}, 30_000);\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[], hold: boolean) => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, LANG: 'en_US.UTF-8', NODE_DISABLE_COMPILE_CACHE: '1' };
  if (hold) env.NODE_OPTIONS = `--require ${preload}`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...argv], { env, encoding: 'utf8', timeout: 25_000 });
  return { ...r, ms: Date.now() - t0 };
};

describe('the process ends when the command is done', () => {
  it('a command that succeeds: exit 0 at once, its whole output written', () => {
    const held = run(['--help'], true);
    expect(held.signal).toBeNull();
    expect(held.status).toBe(0);
    expect(held.ms).toBeLessThan(15_000);
    expect(held.stdout).toBe(run(['--help'], false).stdout);
    expect(held.stdout.length).toBeGreaterThan(1000);
  });

  it('a command that fails: its exit code at once, the error written', () => {
    const held = run(['status', 'frontend', '--kubeconfig', join(dir, 'missing')], true);
    expect(held.signal).toBeNull();
    expect(held.status).toBe(1);
    expect(held.ms).toBeLessThan(15_000);
    expect(held.stderr).toMatch(/^error: .*missing/m);
  });
});

// Found by a hostile review: stdout a file on a full disk gave exit 0 and an empty file (and a stack trace
// for --version). Linux's /dev/full fails every write with ENOSPC.
describe.runIf(process.platform === 'linux')('output that cannot be written (a full disk)', () => {
  const toFull = (argv: string[]) => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, LANG: 'en_US.UTF-8', NODE_DISABLE_COMPILE_CACHE: '1' };
    return spawnSync('sh', ['-c', `exec "$0" "$@" > /dev/full`, process.execPath, BIN, ...argv], {
      env,
      encoding: 'utf8',
      timeout: 25_000,
    });
  };

  it.each([[['--help']], [['version', '--client']], [['--version']], [['completion', 'bash']]])(
    '%j: exit 1, one sentence, no stack',
    (argv) => {
      const r = toFull(argv);
      expect(r.status).toBe(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (!argv[0]!.includes('version')) expect(r.stderr).toContain('error: the output could not be written (ENOSPC');
    },
  );
});

// SIGTERM (kill, a CI runner's cancel) ended the process with 130, Ctrl-C's code; a shell reports a
// process that SIGTERM ended as 143, and scripts tell the two apart by it.
describe.runIf(process.platform !== 'win32')('stopped by a signal while a request hangs', () => {
  const stopWith = async (signal: NodeJS.Signals) => {
    const { createServer } = await import('node:net');
    const { spawn } = await import('node:child_process');
    const server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as { port: number }).port;
    const kc = join(dir, `kc-${signal}`);
    writeFileSync(
      kc,
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: ns1}\n`,
    );
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir, LANG: 'en_US.UTF-8', KUBECONFIG: kc };
    const child = spawn(process.execPath, [BIN, 'status', 'frontend', '--request-timeout=0'], { env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    // Once the request is on its way (the server has a connection); a process that ended before is a failure.
    const connected = await Promise.race([
      new Promise<boolean>((res) => server.once('connection', () => res(true))),
      exited.then(() => false),
    ]);
    expect(connected, stderr).toBe(true);
    child.kill(signal);
    const code = await exited;
    server.close();
    return { code, stderr };
  };

  it('SIGTERM: exit 143, the interruption said', async () => {
    const r = await stopWith('SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('interrupted');
  });

  it('SIGINT (Ctrl-C): exit 130', async () => {
    const r = await stopWith('SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted');
  });
});
