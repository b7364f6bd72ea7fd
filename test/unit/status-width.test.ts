// The status picture on terminals of every width: the boxes keep their shape and fit (from 40 columns),
// say the same things, and the picture for a pipe or a wide terminal is the one of the golden files.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../src/render/status.js';
import { scanWidth, width } from '../../src/render/text.js';
import { oneLine } from '../../src/cli/spinner.js';
import { buildRolloutView } from '../../src/rollout/view.js';
import { nextActions } from '../../src/rollout/actions.js';
import { translator } from '../../src/i18n/index.js';
import { loadFixture } from '../fixtures/load.js';

const now = new Date('2026-11-23T12:00:00Z');

function picture(fixture: string, lang: 'en' | 'ko', columns: number | undefined, image?: string): string {
  const f = loadFixture(fixture);
  if (image) {
    f.rollout.spec!.template!.spec!.containers![0]!.image = image;
    for (const rs of f.replicaSets) rs.spec!.template!.spec!.containers![0]!.image = image;
  }
  const view = buildRolloutView({
    rollout: f.rollout,
    replicaSets: f.replicaSets,
    activeService: f.services.active,
    previewService: f.services.preview,
  });
  return renderStatus(translator(lang), view, nextActions(view, f.rollout, now), false, { now, columns });
}

const boxLines = (s: string) => s.split('\n').filter((l) => /^ {2}[┌│└]/.test(l));

function expectBoxesFit(s: string, columns: number): void {
  const lines = boxLines(s);
  expect(lines.length).toBeGreaterThanOrEqual(8);
  for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(Math.max(40, columns));
  // intact: one width for every line of both boxes, two tops, two bottoms
  expect(new Set(lines.map(width)).size, lines.join('\n')).toBe(1);
  expect(lines.filter((l) => l.startsWith('  ┌') && l.endsWith('┐'))).toHaveLength(2);
  expect(lines.filter((l) => l.startsWith('  └') && l.endsWith('┘'))).toHaveLength(2);
}

describe('status boxes and the terminal width', () => {
  it('without a width, or when the picture fits, it is the golden picture', () => {
    const plain = picture('christmas.yaml', 'en', undefined);
    for (const columns of [0, 62, 80, 120, 200]) expect(picture('christmas.yaml', 'en', columns)).toBe(plain);
  });

  for (const lang of ['en', 'ko'] as const) {
    it(`fits ${lang} boxes into 40..61 columns and keeps what they say`, () => {
      for (let columns = 40; columns <= 61; columns++) {
        const s = picture('christmas.yaml', lang, columns);
        expectBoxesFit(s, columns);
        for (const x of [
          'frontend:v1.054',
          'frontend:v1.053',
          'revision 8',
          'revision 9',
          'frontend-5f6d8c9b77',
          'frontend-6c8d7f5b9d',
          'frontend-preview',
        ]) {
          expect(boxLines(s).join('\n'), `${columns} columns`).toContain(x);
        }
      }
    });
  }

  it('a long image reference is shortened in the middle: its name and tag stay', () => {
    const image = `registry.example.com/${'team/'.repeat(12)}frontend:v1.054-hotfix.2`;
    const s = picture('christmas.yaml', 'en', 40, image);
    expectBoxesFit(s, 40);
    expect(s).toContain('│ registry…/frontend:v1.054-hotfix.2 │');
    // shorter ones keep more of their path
    expect(picture('christmas.yaml', 'en', 40)).toContain('│ registry.exam…/apc/frontend:v1.054 │');
  });

  it('a Korean title too long for a 40-column border keeps its first part there, the rest inside', () => {
    const s = picture('christmas.yaml', 'ko', 40);
    expect(s).toContain('┌─ PREVIEW ─');
    expect(s).toMatch(/│ 대기 중, 사용자 접속 없음 *│/);
  });

  it('terminals narrower than 40 columns get the 40-column picture', () => {
    for (const columns of [1, 20, 39]) expect(picture('christmas.yaml', 'en', columns)).toBe(picture('christmas.yaml', 'en', 40));
  });

  it('any image reference, at any width from 40: the boxes fit', () => {
    const part = fc.stringMatching(/^[a-z0-9가-힣._-]{1,30}$/);
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 8 }), part, fc.integer({ min: 40, max: 160 }), (path, tag, columns) => {
        const s = picture('christmas.yaml', 'en', columns, `${path.join('/')}:${tag}`);
        expectBoxesFit(s, columns);
      }),
      { numRuns: 200 },
    );
  });
});

describe('spinner line', () => {
  it('is one line that never wraps, without control characters', () => {
    expect(oneLine('waiting for rollout frontend (now Paused - BlueGreenPause)', 20)).toBe('waiting for rollout…');
    expect(width(oneLine('롤아웃 frontend 기다리는 중', 10))).toBeLessThanOrEqual(10);
    expect(oneLine('evil\u001b[2J\nmessage', 80)).toBe('evil message');
    expect(oneLine('short', 80)).toBe('short');
  });
});

describe('width: the printable-ASCII shortcut counts as the full scan does', () => {
  it('for any text, ASCII or not', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.stringMatching(/^[ -~]{0,40}$/),
      fc.constantFrom('\u001b[1mbold\u001b[0m', 'tab\there', '롤아웃 frontend', 'é', 'e\u0301', '\u200b', '\x7f'),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(width(s), JSON.stringify(s)).toBe(scanWidth(s));
      }),
      { numRuns: 1000 },
    );
    expect(width('frontend:v1.054')).toBe(15);
    expect(width('롤아웃')).toBe(6);
    expect(width('\u001b[1mbold\u001b[0m')).toBe(4);
  });
});
