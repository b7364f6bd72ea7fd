// A server that hands back the same continue token would be read forever (found by a hostile review:
// 11,000 list requests in 10 s, no output, memory growing). The listing stops at the repeat, exit 1.
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { pki } from './fake-apiserver.js';
import { writeKubeconfig } from './kubeconfig-file.js';
import { runCli } from './run.js';

let close: (() => void) | undefined;
afterEach(() => close?.());

it.each(['rollouts'])('status -A --chunk-size 1, the %s list always "continue: same": exit 1 after the repeat', async (looping) => {
  let requests = 0;
  const p = pki();
  const srv = createServer({ cert: p.cert, key: p.key }, (req, res) => {
    requests++;
    const kind = /\/(rollouts|replicasets|services)\b/.exec(req.url ?? '')?.[1] ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: kind === looping ? { continue: 'same' } : {}, items: [] }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  close = () => srv.close();
  const server = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const file = writeKubeconfig({ server, 'insecure-skip-tls-verify': true }, { token: 't' });
  const r = await runCli(['status', '-A', '--chunk-size', '1'], { env: { KUBECONFIG: file, LANG: 'en_US.UTF-8' } });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('the same continue token twice');
  expect(requests).toBeLessThan(10);
});
