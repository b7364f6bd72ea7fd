// The operating system's trust store, for a kubeconfig that names no certificate authority: kubectl
// (Go's crypto/x509) then verifies the server against the OS store, Node against its bundled Mozilla
// roots. Read only when a connection with Node's roots failed as "unknown authority", because parsing
// a whole bundle into a TLS context is slow (measured: ~1 ms per certificate on Node 20, ~0.3 ms on
// Node 26; a Debian bundle has ~140).
//
// Linux and other Unix systems: Go's loadSystemRoots, exactly: SSL_CERT_FILE, else the first of the
// well-known bundle files that exists; plus SSL_CERT_DIR (colon-separated), else /etc/ssl/certs and
// /etc/pki/tls/certs, skipping symlinks that point inside the same directory (OpenSSL's hash links).
// macOS and Windows: Node's own reader of the platform store (tls.getCACertificates('system'),
// Node >= 22.15 / 23.8; the single executables run Node 26). On Node 20 there it is not available.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as tls from 'node:tls';

export const CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine
];
export const CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

export interface CaFs {
  readFile(path: string): string;
  /** Entries with whether each is a symlink. */
  readDir(path: string): Array<{ name: string; symlink: boolean }>;
  readLink(path: string): string;
}

const realFs: CaFs = {
  readFile: (p) => readFileSync(p, 'utf8'),
  readDir: (p) => readdirSync(p, { withFileTypes: true }).map((d) => ({ name: d.name, symlink: d.isSymbolicLink() })),
  readLink: (p) => readlinkSync(p),
};

const PEM = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;

function pems(text: string): string[] {
  return text.match(PEM) ?? [];
}

/** The certificates of the OS store as PEM strings, without duplicates (empty when there is none). */
export function systemCertificates(
  env: Record<string, string | undefined>,
  opts: { platform?: NodeJS.Platform; fs?: CaFs } = {},
): string[] {
  const platform = opts.platform ?? process.platform;
  if (platform === 'darwin' || platform === 'win32') {
    const get = (tls as unknown as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
    return get ? [...new Set(get('system'))] : [];
  }
  const fs = opts.fs ?? realFs;
  // Keyed by the base64 body: the bundle file and the directory hold the same certificates.
  const found = new Map<string, string>();
  const add = (text: string) => {
    for (const p of pems(text)) found.set(p.replace(/-----[A-Z ]+-----|\s/g, ''), p);
  };
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : CERT_FILES;
  for (const file of files) {
    try {
      add(fs.readFile(file));
      break;
    } catch {
      /* try the next file */
    }
  }
  const dirs = env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':') : CERT_DIRS;
  for (const dir of dirs) {
    let entries: Array<{ name: string; symlink: boolean }>;
    try {
      entries = fs.readDir(dir);
    } catch {
      continue;
    }
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      if (e.symlink) {
        try {
          if (!fs.readLink(path).includes('/')) continue; // a hash link to a file beside it
        } catch {
          continue;
        }
      }
      try {
        add(fs.readFile(path));
      } catch {
        /* a directory or an unreadable file */
      }
    }
  }
  return [...found.values()];
}
