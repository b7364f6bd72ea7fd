// The OS trust store read as Go's crypto/x509 reads it on Linux (root_unix.go loadSystemRoots).
import { describe, expect, it } from 'vitest';
import { systemCertificates, type CaFs } from '../../src/kube/system-ca.js';

const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

function fakeFs(files: Record<string, string>, links: Record<string, string> = {}): CaFs & { read: string[] } {
  const read: string[] = [];
  return {
    read,
    readFile(p) {
      read.push(p);
      if (p in files) return files[p]!;
      if (p in links) return files[links[p]!.includes('/') ? links[p]! : p.replace(/[^/]+$/, links[p]!)] ?? '';
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
    readDir(dir) {
      const names = [...Object.keys(files), ...Object.keys(links)].filter(
        (p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'),
      );
      if (!names.length) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return names.map((p) => ({ name: p.slice(dir.length + 1), symlink: p in links }));
    },
    readLink: (p) => links[p]!,
  };
}

describe('systemCertificates on Linux', () => {
  it('the first bundle file that exists, then the directories; duplicates once', () => {
    const fs = fakeFs(
      {
        '/etc/pki/tls/certs/ca-bundle.crt': `${pem('QUFB')}\n${pem('QkJC')}`,
        '/etc/ssl/cert.pem': pem('Tk9UUkVBRA=='), // later in the list: not read
        '/usr/share/ca/one.crt': pem('QUFB'),
        '/usr/share/ca/extra.crt': pem('Q0ND'),
      },
      {
        '/etc/ssl/certs/one.pem': '/usr/share/ca/one.crt',
        '/etc/ssl/certs/extra.pem': '/usr/share/ca/extra.crt',
        '/etc/ssl/certs/abcd1234.0': 'extra.pem',
      },
    );
    const got = systemCertificates({}, { platform: 'linux', fs });
    expect(got.map((p) => p.split('\n')[1])).toEqual(['QUFB', 'QkJC', 'Q0ND']);
    expect(fs.read).not.toContain('/etc/ssl/cert.pem');
    expect(fs.read).not.toContain('/etc/ssl/certs/abcd1234.0'); // a hash link beside its target is skipped, as Go does
  });

  it('SSL_CERT_FILE replaces the file list; SSL_CERT_DIR (colon-separated) the directories', () => {
    const fs = fakeFs({
      '/tmp/bundle.pem': pem('RklMRQ=='),
      '/etc/ssl/certs/ca-certificates.crt': pem('REVG'),
      '/d1/a.pem': pem('RDE='),
      '/d2/b.pem': pem('RDI='),
    });
    const got = systemCertificates({ SSL_CERT_FILE: '/tmp/bundle.pem', SSL_CERT_DIR: '/d1:/d2' }, { platform: 'linux', fs });
    expect(got.map((p) => p.split('\n')[1])).toEqual(['RklMRQ==', 'RDE=', 'RDI=']);
  });

  it('nothing there: empty', () => {
    expect(systemCertificates({ SSL_CERT_FILE: '/nope', SSL_CERT_DIR: '/nope' }, { platform: 'linux', fs: fakeFs({}) })).toEqual([]);
  });
});
