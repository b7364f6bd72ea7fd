// Proxy selection as kubectl (Go's httpproxy + client-go) does it: pure, table-driven.
import { describe, expect, it } from 'vitest';
import { chooseProxy, isLoopback, noProxyMatches, parseProxyUrl } from '../../src/kube/proxy.js';

const P = 'http://proxy.corp:3128';

describe('chooseProxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY', () => {
  const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
    ['no proxy variables: direct', 'https://api.example.com:6443', {}, undefined],
    ['HTTPS_PROXY applies to an https server', 'https://api.example.com:6443', { HTTPS_PROXY: P }, 'HTTPS_PROXY'],
    ['lower case https_proxy', 'https://api.example.com:6443', { https_proxy: P }, 'https_proxy'],
    ['upper case wins', 'https://api.example.com:6443', { HTTPS_PROXY: P, https_proxy: 'http://other:1' }, 'HTTPS_PROXY'],
    ['an empty upper case value falls back to lower case', 'https://api.example.com', { HTTPS_PROXY: '', https_proxy: P }, 'https_proxy'],
    ['HTTP_PROXY is not used for https', 'https://api.example.com', { HTTP_PROXY: P }, undefined],
    ['HTTP_PROXY for an http server', 'http://api.example.com:8080', { HTTP_PROXY: P }, 'HTTP_PROXY'],
    ['HTTP_PROXY refused in a CGI environment (as Go)', 'http://api.example.com:8080', { HTTP_PROXY: P, REQUEST_METHOD: 'GET' }, undefined],
    ['localhost is never proxied', 'https://localhost:6443', { HTTPS_PROXY: P }, undefined],
    ['127.0.0.1 is never proxied', 'https://127.0.0.1:6443', { HTTPS_PROXY: P }, undefined],
    ['127.x is loopback too', 'https://127.3.2.1:6443', { HTTPS_PROXY: P }, undefined],
    ['::1 is never proxied', 'https://[::1]:6443', { HTTPS_PROXY: P }, undefined],
    ['0.0.0.0 is not loopback', 'https://0.0.0.0:6443', { HTTPS_PROXY: P }, 'HTTPS_PROXY'],
    ['NO_PROXY=* disables the proxy', 'https://api.example.com', { HTTPS_PROXY: P, NO_PROXY: '*' }, undefined],
    ['lower case no_proxy', 'https://api.example.com', { HTTPS_PROXY: P, no_proxy: 'example.com' }, undefined],
    [
      'NO_PROXY upper case wins over lower case',
      'https://api.example.com',
      { HTTPS_PROXY: P, NO_PROXY: 'other.com', no_proxy: 'example.com' },
      'HTTPS_PROXY',
    ],
  ];
  for (const [name, server, env, source] of cases) {
    it(name, () => {
      expect(chooseProxy(server, undefined, env)?.source).toBe(source);
    });
  }

  it('a value without a scheme means http://', () => {
    const p = chooseProxy('https://api.example.com', undefined, { HTTPS_PROXY: 'proxy.corp:3128' })!;
    expect(p.url).toBe('http://proxy.corp:3128/');
  });

  it('the display form drops user and password', () => {
    const p = chooseProxy('https://api.example.com', undefined, { HTTPS_PROXY: 'http://bob:s3cret@proxy.corp:3128' })!;
    expect(p.display).toBe('http://proxy.corp:3128');
    expect(p.url).toContain('bob:s3cret@');
  });

  it('proxy-url applies to every address, loopback included, and NO_PROXY does not exempt it', () => {
    const p = chooseProxy('https://127.0.0.1:6443', 'socks5://127.0.0.1:1080', { NO_PROXY: '*' })!;
    expect(p.source).toBe('proxy-url');
    expect(p.display).toBe('socks5://127.0.0.1:1080');
  });
});

describe('NO_PROXY matching (Go httpproxy, apimachinery CIDRs)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    // [NO_PROXY, host, port, exempt]
    ['example.com', 'example.com', '443', true],
    ['example.com', 'api.example.com', '443', true],
    ['example.com', 'notexample.com', '443', false],
    ['.example.com', 'api.example.com', '443', true],
    ['.example.com', 'example.com', '443', false],
    ['*.example.com', 'api.example.com', '443', true],
    ['*.example.com', 'example.com', '443', false],
    ['example.com:6443', 'api.example.com', '6443', true],
    ['example.com:6443', 'api.example.com', '443', false],
    ['EXAMPLE.com', 'Api.Example.COM', '443', true],
    [' foo.com , example.com ', 'api.example.com', '443', true],
    ['10.0.0.1', '10.0.0.1', '443', true],
    ['10.0.0.1', '10.0.0.2', '443', false],
    ['10.0.0.1:6443', '10.0.0.1', '6443', true],
    ['10.0.0.1:6443', '10.0.0.1', '443', false],
    ['10.0.0.0/8', '10.200.3.4', '443', true],
    ['10.0.0.0/8', '11.0.0.1', '443', false],
    ['192.168.1.0/28', '192.168.1.15', '443', true],
    ['192.168.1.0/28', '192.168.1.16', '443', false],
    ['0.0.0.0/8', '0.0.0.0', '6443', true],
    ['fd00::/8', '[fd12::1]', '443', true],
    ['fd00::/8', '[fe80::1]', '443', false],
    ['[2001:db8::1]:6443', '[2001:db8::1]', '6443', true],
    ['2001:db8::1', '[2001:db8:0:0:0:0:0:1]', '443', true],
    ['10.0.0.0/8', 'ten.example.com', '443', false], // a CIDR never matches a name
    ['example.com', '10.0.0.1', '443', false], // a name never matches an address
    ['*', 'anything', '1', true],
    ['', 'example.com', '443', false],
  ];
  for (const [noProxy, host, port, exempt] of cases) {
    it(`NO_PROXY=${JSON.stringify(noProxy)} ${host}:${port} → ${exempt ? 'direct' : 'proxied'}`, () => {
      expect(noProxyMatches(noProxy, host, port)).toBe(exempt);
    });
  }

  it('the default port of the scheme is used for the port rule', () => {
    expect(chooseProxy('https://api.example.com', undefined, { HTTPS_PROXY: P, NO_PROXY: 'example.com:443' })).toBeUndefined();
    expect(chooseProxy('https://api.example.com', undefined, { HTTPS_PROXY: P, NO_PROXY: 'example.com:80' })?.source).toBe('HTTPS_PROXY');
  });
});

describe('loopback and proxy-url parsing', () => {
  it('loopback addresses', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '[::1]', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', 'localhost.example.com', '[::2]', 'api']) expect(isLoopback(h), h).toBe(false);
  });

  it('proxy-url accepts http, https and socks5 only, as kubectl', () => {
    expect(parseProxyUrl('http://p:3128')).toBeInstanceOf(URL);
    expect(parseProxyUrl('https://p:3128')).toBeInstanceOf(URL);
    expect(parseProxyUrl('socks5://p:1080')).toBeInstanceOf(URL);
    expect(parseProxyUrl('ftp://p:21')).toBe('unsupported scheme "ftp", must be http, https, or socks5');
    expect(parseProxyUrl('socks4://p:1080')).toMatch(/unsupported scheme/);
    expect(parseProxyUrl('not a url')).toBe('not a URL');
  });
});
