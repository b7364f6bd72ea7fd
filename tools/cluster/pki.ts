// Throw-away PKI for one cluster run, made with the openssl CLI: a CA, the API server's serving cert
// (also used as the serving cert of KCM and the scheduler, so every health check verifies against the
// CA), an admin client cert in system:masters, and the service-account signing key pair. Plus a static
// token file for the token-authenticated test users. All keys are ECDSA P-256: generating three RSA-2048
// keys took 1-1.8 s on the 2-core test machine, P-256 takes a few milliseconds.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

export async function makePki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (f: string): string => join(dir, f);
  const days = '30';
  const newEcKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  // Distinct random serials (rather than -CAcreateserial, which would race on ca.srl).
  const signedByCa = (csr: string, ext: string, out: string): string[] => [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '0x' + randomBytes(12).toString('hex'),
    '-sha256',
    '-days',
    days,
    '-extfile',
    ext,
    '-out',
    out,
  ];

  await openssl(dir, [
    'req',
    '-x509',
    ...newEcKey,
    '-sha256',
    '-days',
    days,
    '-subj',
    '/CN=kubectl-bluegreen-e2e-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  writeFileSync(
    p('serving.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,' +
      'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' +
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  writeFileSync(p('client.ext'), 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');

  // The leaf key pairs and the SA key do not depend on each other: make them in parallel.
  await Promise.all([
    openssl(dir, ['req', ...newEcKey, '-subj', '/CN=kube-apiserver', '-keyout', 'apiserver.key', '-out', 'apiserver.csr']),
    openssl(dir, ['req', ...newEcKey, '-subj', '/O=system:masters/CN=e2e-admin', '-keyout', 'admin.key', '-out', 'admin.csr']),
    // Service-account token signing key (PKCS#8); the API server signs with ES256.
    openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key']),
  ]);
  await Promise.all([
    openssl(dir, signedByCa('apiserver.csr', 'serving.ext', 'apiserver.crt')),
    openssl(dir, signedByCa('admin.csr', 'client.ext', 'admin.crt')),
    openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']),
  ]);

  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

export interface TokenUser {
  /** Kubeconfig user and context name. */
  name: string;
  token: string;
  groups: string[];
  /** false: the token is deliberately absent from the server's token file (always 401). */
  known: boolean;
}

/** The token users of every run. Tokens are random per run. */
export function makeTokenUsers(): TokenUser[] {
  const token = (): string => randomBytes(24).toString('hex');
  return [
    { name: 'e2e-token-admin', token: token(), groups: ['system:masters'], known: true },
    { name: 'e2e-viewer', token: token(), groups: [], known: true },
    { name: 'e2e-nostatus', token: token(), groups: [], known: true },
    // Simulates an expired or revoked credential: the API server has never heard of this token.
    { name: 'e2e-expired', token: token(), groups: [], known: false },
  ];
}

/** Writes the --token-auth-file CSV: token,user,uid[,"group1,group2"]. */
export function writeTokenFile(path: string, users: TokenUser[]): void {
  const lines = users
    .filter((u) => u.known)
    .map((u) => {
      const base = `${u.token},${u.name},uid-${u.name}`;
      return u.groups.length ? `${base},"${u.groups.join(',')}"` : base;
    });
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
}
