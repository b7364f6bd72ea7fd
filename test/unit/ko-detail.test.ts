// Korean messages say the plugin's own English details in Korean (found by a Korean-speaking review:
// "connection refused", "not found on PATH", "no such file" and the phase messages stood in English
// inside Korean sentences). The phrases are read from the code that makes them, so a new one without
// its translation fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { koDetail, koPhaseMessage } from '../../src/i18n/ko-detail.js';

const src = (file: string) => readFileSync(join(__dirname, '../../src', file), 'utf8');
const all = (re: RegExp, text: string) => [...text.matchAll(re)].map((m) => m[1]!);
/** The body of `function name(` up to the next top-level closing brace. */
const body = (text: string, name: string) => {
  const start = text.indexOf(`function ${name}(`);
  expect(start, name).toBeGreaterThan(-1);
  return text.slice(start, text.indexOf('\n}\n', start));
};

describe('every detail phrase the code makes has its Korean', () => {
  const http = src('kube/http.ts');
  const exec = src('kube/exec.ts');
  const kubeconfig = src('kube/kubeconfig.ts');
  const words = http.slice(http.indexOf('const WORDS'), http.indexOf('};', http.indexOf('const WORDS')));
  const phrases = [
    ...all(/new NetworkError\(\s*'[^']*',\s*'[^']*',\s*'([^']*)'/g, http),
    ...all(/^\s+[A-Z_0-9]+: '([^']*)',$/gm, words),
    ...all(/return '([^']*)';/g, body(http, 'tlsDetail')),
    ...all(/new ExecError\(exec\.command, '([^']*)'/g, exec),
    ...all(/fail\('([^']*)'\)/g, exec),
    ...all(/return '([^']*)';/g, body(kubeconfig, 'fileProblem')),
  ];

  it('finds the phrases (the scan still matches the code)', () => {
    expect(phrases.length).toBeGreaterThan(25);
  });

  it.each(phrases)('%s', (phrase) => {
    expect(koDetail(phrase)).not.toBe(phrase);
  });

  it('phrases with values, and a proxy before them', () => {
    expect(koDetail('it exited with code 3')).toBe('종료 코드 3(으)로 끝남');
    expect(koDetail('no answer within 500 ms')).toBe('500 ms 안에 응답 없음');
    expect(koDetail('through the proxy http://p:3128 (from HTTPS_PROXY): connection refused')).toBe(
      '프록시 http://p:3128(HTTPS_PROXY에서 설정)를 거쳐: 연결이 거부됨',
    );
    expect(koDetail('through the proxy http://p:3128 (from HTTPS_PROXY): it answered 403 to CONNECT')).toContain('CONNECT에 403');
    expect(koDetail('the exec plugin of admin')).toBe('admin의 exec 플러그인');
    // The server's or the system's own words pass as they came.
    expect(koDetail('EMFILE: too many open files')).toBe('EMFILE: too many open files');
  });
});

describe("Argo Rollouts' phase messages, in Korean for people", () => {
  const phase = src('rollout/phase.ts');
  const messages = all(/message: '([^']+)'/g, phase);

  it('finds the messages', () => {
    expect(messages.length).toBeGreaterThan(8);
  });

  it.each(messages)('%s', (m) => {
    expect(koPhaseMessage(m)).not.toBe(m);
  });

  it("a reason with the controller's words stays as it came", () => {
    expect(koPhaseMessage('ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.')).toContain('ProgressDeadlineExceeded');
  });
});
