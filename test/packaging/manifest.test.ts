// krew-manifest.yaml and the release archives against krew's rules: the validator's
// (sigs.k8s.io/krew internal/index/validation, cmd/validate-krew-manifest) and krew-index review's.
// krew itself runs in krew.test.ts; these say which rule broke.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { renderManifest } from '../../scripts/packaging/krew-manifest.js';
import { archiveName, exeName, REPO_URL, TARGETS } from '../../scripts/packaging/targets.js';
import { MANIFEST, packageVersion, readArchive, RELEASE_DIR, ROOT } from './helpers.js';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
interface Platform {
  selector?: Selector;
  uri?: string;
  sha256?: string;
  bin?: string;
  files?: Array<{ from?: string; to?: string }>;
}
interface Plugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    homepage?: string;
    shortDescription: string;
    description?: string;
    caveats?: string;
    platforms: Platform[];
  };
}

const text = readFileSync(MANIFEST, 'utf8');
const plugin = yaml.load(text) as Plugin;
const version = packageVersion();

// validate-krew-manifest's list of platforms a selector must match.
const KREW_PLATFORMS = [
  ['windows', '386'],
  ['windows', 'amd64'],
  ['windows', 'arm64'],
  ['linux', '386'],
  ['linux', 'amd64'],
  ['linux', 'arm'],
  ['linux', 'arm64'],
  ['linux', 'ppc64le'],
  ['darwin', '386'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
] as const;

const WINDOWS_RESERVED = ['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])];
// semver 2.0.0 with krew's mandatory "v" (k8s.io/apimachinery ParseSemantic).
const SEMVER =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function matches(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = { In: inValues, NotIn: !inValues, Exists: has, DoesNotExist: !has }[e.operator];
    if (!ok) return false;
  }
  return true;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('krew-manifest.yaml: structure (krew validation.ValidatePlugin)', () => {
  it('has the only accepted apiVersion and kind', () => {
    expect(plugin.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(plugin.kind).toBe('Plugin');
  });

  it('has a safe plugin name, the one krew-index files it under', () => {
    const name = plugin.metadata.name;
    expect(name).toMatch(/^[\w-]+$/);
    expect(WINDOWS_RESERVED).not.toContain(name.toUpperCase());
    expect(name).toBe('bluegreen');
  });

  it('has version "v" + semver, the one in package.json', () => {
    expect(plugin.spec.version).toMatch(SEMVER);
    expect(plugin.spec.version).toBe(`v${version}`);
    for (const bad of ['0.1.0', 'v1.2', 'v 1.0.0', 'v01.0.0']) expect(bad).not.toMatch(SEMVER);
  });

  it('has a one-line shortDescription of at most 50 characters without "plugin" or "Kubernetes"', () => {
    const s = plugin.spec.shortDescription;
    expect(s).toBeTruthy();
    expect(s).not.toMatch(/[\r\n]/);
    expect(s.length).toBeLessThanOrEqual(50);
    expect(s).not.toMatch(/plugin|kubernetes/i);
  });

  it('has a description wrapped at 80 columns, without usage examples or flags', () => {
    const d = plugin.spec.description ?? '';
    expect(d.trim().length).toBeGreaterThan(100);
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('  description: |'));
    const block = lines.slice(
      start + 1,
      lines.findIndex((l, i) => i > start && /^ {2}\S/.test(l)),
    );
    expect(block.length).toBeGreaterThan(1);
    for (const l of block) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(d).not.toMatch(/(^|\s)--?[a-zA-Z]/);
    expect(d).not.toMatch(/^\s*(\$|kubectl )/m);
  });

  it('says in caveats how to start and what the cluster needs', () => {
    expect(plugin.spec.caveats).toContain('kubectl bluegreen status -A');
    expect(plugin.spec.caveats).toMatch(/Argo Rollouts CRDs/);
  });

  it('has an https homepage', () => {
    expect(plugin.spec.homepage).toBe(REPO_URL);
  });

  it('has platforms, each with uri, lowercase sha256, bin, files and an os/arch selector', () => {
    expect(plugin.spec.platforms.length).toBeGreaterThan(0);
    for (const p of plugin.spec.platforms) {
      expect(p.uri).toMatch(/^https:\/\//);
      expect(p.sha256).toMatch(/^[a-f0-9]{64}$/);
      expect(p.bin).toBeTruthy();
      // `files` may be omitted (copy everything); when present it is non-empty and each has from and to.
      expect(p.files?.length).toBeGreaterThan(0);
      for (const f of p.files!) {
        expect(f.from).toBeTruthy();
        expect(f.to).toBeTruthy();
      }
      const sel = p.selector!;
      expect(sel).toBeTruthy();
      expect(sel.matchLabels !== undefined || (sel.matchExpressions ?? []).length > 0).toBe(true);
      if (sel.matchLabels) expect(Object.keys(sel.matchLabels).length).toBeGreaterThan(0);
      const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
      for (const k of keys) expect(['os', 'arch']).toContain(k);
    }
  });
});

describe('krew-manifest.yaml: platforms (validate-krew-manifest)', () => {
  it('every selector matches at least one platform krew knows', () => {
    for (const p of plugin.spec.platforms) {
      expect(
        KREW_PLATFORMS.some(([os, arch]) => matches(p.selector!, { os, arch })),
        JSON.stringify(p.selector),
      ).toBe(true);
    }
  });

  it('no platform is matched by two selectors', () => {
    for (const [os, arch] of KREW_PLATFORMS) {
      const n = plugin.spec.platforms.filter((p) => matches(p.selector!, { os, arch })).length;
      expect(n, `${os}/${arch}`).toBeLessThanOrEqual(1);
    }
  });

  it('covers the five release platforms, each with its own archive as a release asset URL', () => {
    expect(plugin.spec.platforms).toHaveLength(TARGETS.length);
    for (const t of TARGETS) {
      const p = plugin.spec.platforms.find((x) => matches(x.selector!, { os: t.os, arch: t.arch }));
      expect(p, `${t.os}/${t.arch}`).toBeTruthy();
      expect(p!.uri).toBe(`${REPO_URL}/releases/download/v${version}/${archiveName(t)}`);
      expect(p!.bin).toBe(exeName(t));
      expect(p!.files).toEqual([
        { from: exeName(t), to: '.' },
        { from: 'LICENSE', to: '.' },
      ]);
    }
  });
});

describe('release archives', () => {
  const license = readFileSync(join(ROOT, 'LICENSE'));
  const sums = readFileSync(join(RELEASE_DIR, 'sha256sums.txt'), 'utf8');

  it('LICENSE is the Apache License 2.0', () => {
    expect(license.toString()).toContain('Apache License');
    expect(license.toString()).toContain('Version 2.0, January 2004');
    // The canonical text from apache.org.
    expect(sha256(license)).toBe('cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30');
  });

  it('sha256sums.txt lists every archive, lowercase, in sha256sum format, sorted by name', () => {
    const lines = sums.trimEnd().split('\n');
    expect(lines).toHaveLength(TARGETS.length);
    for (const l of lines) expect(l).toMatch(/^[a-f0-9]{64} {2}kubectl-bluegreen_[a-z]+_[a-z0-9]+\.(tar\.gz|zip)$/);
    const names = lines.map((l) => l.slice(66));
    expect(names).toEqual([...names].sort());
    expect(names.sort()).toEqual(TARGETS.map(archiveName).sort());
  });

  for (const t of TARGETS) {
    describe(archiveName(t), () => {
      const path = join(RELEASE_DIR, archiveName(t));

      it('has the sha256 in the manifest and in sha256sums.txt', () => {
        const sum = sha256(readFileSync(path));
        const p = plugin.spec.platforms.find((x) => matches(x.selector!, { os: t.os, arch: t.arch }))!;
        expect(p.sha256).toBe(sum);
        expect(sums).toContain(`${sum}  ${archiveName(t)}\n`);
      });

      it('holds exactly the executable (mode 755) and LICENSE (644), with one fixed mtime', () => {
        const entries = readArchive(path);
        expect(entries.map((e) => e.name)).toEqual([exeName(t), 'LICENSE']);
        const [exe, lic] = entries;
        expect(exe!.mode.toString(8)).toBe('755');
        expect(lic!.mode.toString(8)).toBe('644');
        expect(lic!.data.equals(license)).toBe(true);
        expect(exe!.data.length).toBeGreaterThan(50 << 20);
        expect(exe!.mtime).toBe(lic!.mtime);
        expect(exe!.mtime % 2).toBe(0);
        // Applying the manifest's `files`: every `from` exists, and `bin` lands in the install dir.
        const p = plugin.spec.platforms.find((x) => matches(x.selector!, { os: t.os, arch: t.arch }))!;
        for (const f of p.files!) expect(entries.map((e) => e.name)).toContain(f.from);
        expect(p.files!.find((f) => f.from === p.bin)?.to).toBe('.');
      });
    });
  }

  it('the manifest is the one rendered from these archives (not stale, not hand-edited)', () => {
    const assets = TARGETS.map((t) => ({ target: t, sha256: sha256(readFileSync(join(RELEASE_DIR, archiveName(t)))) }));
    expect(text).toBe(renderManifest(version, assets));
  });
});
