#!/usr/bin/env node
// A client-go exec credential plugin (client.authentication.k8s.io ExecCredential) for the local
// control plane's token webhook (tools/cluster/transport-server.mjs), shaped like `aws eks get-token`:
// it holds a long-lived credential and mints a short-lived token from it on every run.
//
//   env BLUEGREEN_E2E_CREDENTIAL   a JSON file {id, secret, ttlSeconds}
//   env KUBERNETES_EXEC_INFO       required (set by the client), answered with the same apiVersion
//
// Each run appends a line to <credential file>.runs (time, apiVersion, interactive, cluster server if
// the client provided cluster info), so tests can count the runs.
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';

function fail(why) {
  process.stderr.write(`exec-credential: ${why}\n`);
  process.exit(1);
}

const infoText = process.env.KUBERNETES_EXEC_INFO;
if (!infoText) fail('KUBERNETES_EXEC_INFO is not set: not run as a credential plugin');
let info;
try {
  info = JSON.parse(infoText);
} catch {
  fail('KUBERNETES_EXEC_INFO is not JSON');
}
if (info.kind !== 'ExecCredential') fail(`KUBERNETES_EXEC_INFO kind is ${info.kind}`);
const file = process.env.BLUEGREEN_E2E_CREDENTIAL;
if (!file) fail('BLUEGREEN_E2E_CREDENTIAL is not set');
const cred = JSON.parse(readFileSync(file, 'utf8'));
const exp = Date.now() + cred.ttlSeconds * 1000;
const nonce = randomBytes(6).toString('hex');
const sig = createHmac('sha256', cred.secret).update(`${cred.id}.${exp}.${nonce}`).digest('hex');
appendFileSync(
  `${file}.runs`,
  `${JSON.stringify({ time: new Date().toISOString(), apiVersion: info.apiVersion, interactive: info.spec?.interactive, cluster: info.spec?.cluster?.server ?? null })}\n`,
);
process.stdout.write(
  JSON.stringify({
    apiVersion: info.apiVersion,
    kind: 'ExecCredential',
    status: { token: `bgw1.${cred.id}.${exp}.${nonce}.${sig}`, expirationTimestamp: new Date(exp).toISOString().replace(/\.\d+Z$/, 'Z') },
  }),
);
