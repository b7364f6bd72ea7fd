// The plugin's version, set by the build (esbuild define) from package.json.
declare const __BLUEGREEN_VERSION__: string | undefined;
export const VERSION: string = typeof __BLUEGREEN_VERSION__ === 'string' ? __BLUEGREEN_VERSION__ : 'v0.0.0-dev';
