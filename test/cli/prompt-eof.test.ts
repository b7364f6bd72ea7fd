// The end of input is no answer, whatever was typed before it without Enter (found by a hostile review: on
// a terminal "y" then Ctrl-D twice confirmed a change, readline passing the unfinished line on).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { FakeApiServer } from './fake-apiserver.js';
import { runCli } from './run.js';
import { loadFixture } from '../fixtures/load.js';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.stop();
});

async function asked(fixture: string, argv: string[], input: string) {
  fake = await FakeApiServer.start({ token: 'sekret-token-0123456789abcdef' });
  fake.load(loadFixture(fixture) as never);
  const env = { KUBECONFIG: fake.kubeconfig(mkdtempSync(join(tmpdir(), 'bluegreen-eof-'))), LANG: 'en_US.UTF-8' };
  return runCli(argv, { env, tty: true, input });
}

it.each([
  ['forward-paused.yaml', ['abort', 'frontend'], 'y'],
  ['forward-paused.yaml', ['promote', 'frontend'], 'yes'],
  ['christmas.yaml', ['promote', 'frontend'], 'v1.053'],
])('%s %j: %j then the end of input, no Enter: not confirmed, nothing written', async (fixture, argv, typed) => {
  const r = await asked(fixture, argv, typed);
  expect(r.code).toBe(3);
  expect(fake.writes()).toHaveLength(0);
});

it.each([
  ['y\n', 0],
  ['y\r\n', 0],
  ['\uc608\n', 0],
  ['n\n', 3],
])('an answer ended by Enter (%j) is read as typed', async (input, code) => {
  const r = await asked('forward-paused.yaml', ['abort', 'frontend'], input);
  expect(r.code).toBe(code);
  expect(fake.writes().length > 0).toBe(code === 0);
});

it.each([
  ['v1.053', 0],
  ['frontend:v1.053', 0],
  ['registry.example.com/apc/frontend:v1.053', 0],
  ['registry.example.com:5000/apc/frontend:v1.053@sha256:' + 'e'.repeat(64), 0],
  ['registry.example.com/apc/frontend:v1.054', 3],
  ['y', 3],
])('the typed version of a downgrade: %j', async (typed, code) => {
  // Found by a hostile review: the whole reference with a digest after the tag was refused.
  const r = await asked('christmas.yaml', ['promote', 'frontend'], `${typed}\n`);
  expect(r.code).toBe(code);
  expect(fake.writes().length > 0).toBe(code === 0);
});

it.each([['\u001b[31mred'], ['a\u009bb'], ['\u202eevil']])(
  '--reason with a terminal control (%j): exit 2, nothing read or written',
  async (reason) => {
    const r = await asked('forward-paused.yaml', ['promote', 'frontend', '--yes', '--reason', reason], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reason holds control characters');
    expect(fake.requests).toHaveLength(0);
  },
);

it('--reason over two lines is text: accepted', async () => {
  const r = await asked('forward-paused.yaml', ['promote', 'frontend', '--yes', '--reason', 'INC-42\nrollback per on-call'], '');
  expect(r.code).toBe(0);
});
