// Decompression of gzip answers, in its own module so that node:zlib is loaded only when an answer is
// compressed (the API server compresses only bodies over 128 KiB: large lists).
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export function gunzip(body: Readable): Readable {
  // 64 KiB output chunks (the default is 16 KiB): a quarter of the callbacks for a list of megabytes.
  return body.pipe(createGunzip({ chunkSize: 64 * 1024 }));
}
