// Completion's table of commands and flags must match the real parser: every flag it offers appears in
// that command's --help.
import { describe, expect, it } from 'vitest';
import { COMMAND_SPECS as COMMANDS, GLOBAL_FLAGS } from '../../src/cli/complete.js';
import { runCli } from '../cli/run.js';

describe('completion table', () => {
  it.each(Object.entries(COMMANDS))('%s: every flag offered exists', async (name, spec) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    for (const flag of [...spec.flags, ...GLOBAL_FLAGS]) {
      const re = flag.startsWith('--') ? new RegExp(`${flag}\\b`) : new RegExp(`(^|\\s)${flag},`, 'm');
      expect(r.stdout, `${name} ${flag}`).toMatch(re);
    }
  });

  it('offers commands, flag values and no rollout names without a cluster', async () => {
    const top = await runCli(['__complete', 'pro']);
    expect(top.stdout).toBe('promote\n:4\n');
    const values = await runCli(['__complete', 'status', '-o', '']);
    expect(values.stdout).toBe('table\nwide\njson\nyaml\n:4\n');
    const none = await runCli(['__complete', 'status', ''], { env: { KUBECONFIG: '/nonexistent' } });
    expect(none.stdout).toBe(':4\n');
  });

  it('prints bash and zsh scripts that call __complete', async () => {
    expect((await runCli(['completion', 'bash'])).stdout).toContain('kubectl-bluegreen __complete');
    expect((await runCli(['completion', 'zsh'])).stdout).toContain('bashcompinit');
  });
});
