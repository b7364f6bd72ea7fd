// Completion offers exactly what the parser accepts: every flag it offers appears in that command's
// --help, and values come from the spec's choices.
import { describe, expect, it } from 'vitest';
import { OFFERED_GLOBAL_FLAGS } from '../../src/cli/complete.js';
import { COMMANDS } from '../../src/cli/spec.js';
import { runCli } from '../cli/run.js';

describe('completion table', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: every flag offered exists', async (name, spec) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    const flags = spec.options.filter((o) => !('hidden' in o)).flatMap((o) => [`--${o.name}`, ...('alias' in o ? [`-${o.alias}`] : [])]);
    for (const flag of [...flags, ...OFFERED_GLOBAL_FLAGS]) {
      const re = flag.startsWith('--') ? new RegExp(`${flag}\\b`) : new RegExp(`(^|\\s)${flag},`, 'm');
      expect(r.stdout, `${name} ${flag}`).toMatch(re);
    }
  });

  it('offers commands, flag values from the spec, and no rollout names without a cluster', async () => {
    const top = await runCli(['__complete', 'pro']);
    expect(top.stdout).toBe('promote\n:4\n');
    expect((await runCli(['__complete', 'status', '-o', ''])).stdout).toBe('table\nwide\njson\nyaml\n:4\n');
    expect((await runCli(['__complete', 'promote', 'x', '-o', ''])).stdout).toBe('json\nyaml\n:4\n');
    expect((await runCli(['__complete', 'wait', 'x', '--for', 'p'])).stdout).toBe('paused\npromoted\n:4\n');
    const none = await runCli(['__complete', 'status', ''], { env: { KUBECONFIG: '/nonexistent' } });
    expect(none.stdout).toBe(':4\n');
  });

  it('offers -A only where it works (status)', async () => {
    expect((await runCli(['__complete', 'status', '-'])).stdout).toContain('-A\n');
    expect((await runCli(['__complete', 'promote', 'x', '-'])).stdout).not.toContain('-A\n');
  });

  it('prints bash and zsh scripts that call __complete', async () => {
    expect((await runCli(['completion', 'bash'])).stdout).toContain('kubectl-bluegreen __complete');
    expect((await runCli(['completion', 'zsh'])).stdout).toContain('bashcompinit');
  });
});
