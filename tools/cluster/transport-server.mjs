#!/usr/bin/env node
// The token webhook authenticator of the local control plane (started by tools/cluster/transport.ts),
// plain JavaScript so that it runs on bare Node. kube-apiserver POSTs a TokenReview to /authenticate
// for every bearer token it does not know itself (--authentication-token-webhook-config-file, as on
// EKS). Tokens are minted by tools/cluster/exec-credential.mjs:
//
//   bgw1.<credential id>.<expiry, epoch ms>.<nonce>.<HMAC-SHA256(secret, "<id>.<expiry>.<nonce>") hex>
//
// A token is accepted while its expiry is in the future, its HMAC matches the credential's secret in
// the credential store (a JSON file, read again for every review), and that credential is not revoked.
// Each decision is logged as one JSON line on stdout (the component's log).
//
// It also probes the proxies for the harness's health checks: GET /probe?http=PORT (a CONNECT gets
// an HTTP answer) and /probe?socks=PORT (a SOCKS5 greeting gets a SOCKS5 answer).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { connect } from 'node:net';

const arg = (name) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  if (!a) throw new Error(`--${name} is required`);
  return a.slice(name.length + 3);
};
const port = Number(arg('port'));
const credentialsFile = arg('credentials');

function log(entry) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

function review(token) {
  const parts = token.split('.');
  if (parts.length !== 5 || parts[0] !== 'bgw1') return { ok: false, why: 'not a token of this webhook' };
  const [, id, exp, nonce, sig] = parts;
  let creds;
  try {
    creds = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  } catch (e) {
    return { ok: false, why: `credential store unreadable: ${e.message}` };
  }
  const cred = Object.hasOwn(creds, id) ? creds[id] : undefined;
  if (!cred) return { ok: false, id, why: 'unknown credential' };
  const want = createHmac('sha256', cred.secret).update(`${id}.${exp}.${nonce}`).digest();
  const got = Buffer.from(sig, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, id, why: 'bad signature' };
  if (cred.revoked) return { ok: false, id, why: 'credential revoked' };
  const left = Number(exp) - Date.now();
  if (!(left > 0)) return { ok: false, id, why: 'token expired', expiredMsAgo: -left };
  return { ok: true, id, user: { username: cred.user, uid: `uid-${id}`, groups: cred.groups ?? [] }, expiresInMs: left };
}

function probe(query, res) {
  const http = query.get('http');
  const socks = query.get('socks');
  const p = Number(http ?? socks);
  const done = (ok, detail) => {
    res.writeHead(ok ? 200 : 503).end(ok ? 'ok' : detail);
  };
  const s = connect(p, '127.0.0.1');
  s.setTimeout(2000, () => {
    s.destroy();
    done(false, 'no answer');
  });
  s.on('error', (e) => done(false, e.message));
  s.on('connect', () => s.write(http ? 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n' : Buffer.from([5, 1, 0])));
  s.once('data', (d) => {
    s.destroy();
    const ok = http ? d.toString('latin1').startsWith('HTTP/1.') : d[0] === 5;
    done(ok, ok ? '' : 'unexpected answer');
  });
}

const server = createServer({ cert: readFileSync(arg('cert')), key: readFileSync(arg('key')) }, (req, res) => {
  const url = new URL(req.url, 'https://webhook');
  if (req.method === 'GET' && url.pathname === '/healthz') return res.end('ok');
  if (req.method === 'GET' && url.pathname === '/probe') return probe(url.searchParams, res);
  if (req.method !== 'POST' || url.pathname !== '/authenticate') return res.writeHead(404).end();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return res.writeHead(400).end('not JSON');
    }
    const r = review(String(body?.spec?.token ?? ''));
    const { user, ...rest } = r;
    log({ decision: r.ok ? 'accepted' : 'rejected', ...rest, username: user?.username });
    const status = r.ok ? { authenticated: true, user: r.user } : { authenticated: false, error: r.why };
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: body?.apiVersion ?? 'authentication.k8s.io/v1', kind: 'TokenReview', status }));
  });
});
server.listen(port, '127.0.0.1', () => log({ listening: port }));
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 500).unref());
