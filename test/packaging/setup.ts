// Builds what the packaging tests look at, so `npm run test:package` works on a fresh machine (after
// scripts/install-packaging-deps.sh): the release archives and manifest (incremental: a no-op when
// nothing changed), krew and validate-krew-manifest from the Go module proxy, and kubectl.
import type { TestProject } from 'vitest/node';
import { goTool } from '../../scripts/packaging/cache.js';
import { packageRelease } from '../../scripts/package.js';
import { kubectlBin } from './helpers.js';

export default async function setup(project: TestProject): Promise<void> {
  const built = await packageRelease();
  project.provide('executables', Object.fromEntries(built.map((b) => [`${b.target.os}_${b.target.arch}`, b.executable])));
  project.provide('krew', goTool('krew'));
  project.provide('validateKrewManifest', goTool('validate-krew-manifest'));
  project.provide('kubectl', kubectlBin());
}

declare module 'vitest' {
  export interface ProvidedContext {
    executables: Record<string, string>;
    krew: string;
    validateKrewManifest: string;
    kubectl: string;
  }
}
