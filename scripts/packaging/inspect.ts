// Structural checks of executables this machine cannot run: the format and CPU, where the SEA blob sits
// (ELF note, Mach-O segment, PE resource, all named NODE_SEA_BLOB), and the Mach-O ad-hoc code signature
// recomputed from the file (what macOS checks page by page when it maps the binary).
import { createHash } from 'node:crypto';

export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const BLOB_NAME = 'NODE_SEA_BLOB';

export type Format =
  | { kind: 'elf'; machine: 'x86_64' | 'aarch64' | number }
  | { kind: 'macho'; cpu: 'x86_64' | 'arm64' | number }
  | { kind: 'pe'; machine: 'amd64' | 'arm64' | number; pe32plus: boolean }
  | { kind: 'unknown' };

export function detectFormat(b: Buffer): Format {
  if (b.length >= 64 && b.readUInt32BE(0) === 0x7f454c46) {
    const m = b.readUInt16LE(18);
    return { kind: 'elf', machine: m === 62 ? 'x86_64' : m === 183 ? 'aarch64' : m };
  }
  if (b.length >= 32 && b.readUInt32LE(0) === 0xfeedfacf) {
    const c = b.readUInt32LE(4);
    return { kind: 'macho', cpu: c === 0x01000007 ? 'x86_64' : c === 0x0100000c ? 'arm64' : c };
  }
  if (b.length >= 64 && b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (b.readUInt32BE(pe) === 0x50450000) {
      const m = b.readUInt16LE(pe + 4);
      return { kind: 'pe', machine: m === 0x8664 ? 'amd64' : m === 0xaa64 ? 'arm64' : m, pe32plus: b.readUInt16LE(pe + 24) === 0x20b };
    }
  }
  return { kind: 'unknown' };
}

/** Node flips the fuse from `:0` to `:1` when it writes a SEA blob into the binary. */
export function fuseState(b: Buffer): '0' | '1' | 'missing' {
  const at = b.indexOf(`${SEA_FUSE}:`, 0, 'latin1');
  if (at < 0) return 'missing';
  const c = String.fromCharCode(b[at + SEA_FUSE.length + 1]!);
  return c === '1' ? '1' : '0';
}

const cstr = (b: Buffer, at: number, max: number): string => {
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end < 0 || end > at + max ? at + max : end);
};

/** The SEA blob of an ELF executable: a note named NODE_SEA_BLOB in a PT_NOTE segment. */
function elfBlob(b: Buffer): Buffer | null {
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (b.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    const start = Number(b.readBigUInt64LE(ph + 8));
    const end = start + Number(b.readBigUInt64LE(ph + 32));
    for (let p = start; p + 12 <= end;) {
      const namesz = b.readUInt32LE(p);
      const descsz = b.readUInt32LE(p + 4);
      const name = cstr(b, p + 12, namesz);
      const desc = p + 12 + Math.ceil(namesz / 4) * 4;
      if (name === BLOB_NAME) return b.subarray(desc, desc + descsz);
      p = desc + Math.ceil(descsz / 4) * 4;
    }
  }
  return null;
}

interface MachoSegment {
  name: string;
  fileoff: number;
  filesize: number;
  sections: Array<{ name: string; offset: number; size: number }>;
}

interface Macho {
  segments: MachoSegment[];
  codeSignature: { dataoff: number; datasize: number } | null;
}

export function parseMacho(b: Buffer): Macho {
  if (b.readUInt32LE(0) !== 0xfeedfacf) throw new Error('not a 64-bit little-endian Mach-O (fat binaries are not expected)');
  const ncmds = b.readUInt32LE(16);
  const segments: MachoSegment[] = [];
  let codeSignature: Macho['codeSignature'] = null;
  let p = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = b.readUInt32LE(p);
    const size = b.readUInt32LE(p + 4);
    if (cmd === 0x19) {
      // LC_SEGMENT_64
      const seg: MachoSegment = {
        name: cstr(b, p + 8, 16),
        fileoff: Number(b.readBigUInt64LE(p + 40)),
        filesize: Number(b.readBigUInt64LE(p + 48)),
        sections: [],
      };
      const nsects = b.readUInt32LE(p + 64);
      for (let s = 0; s < nsects; s++) {
        const sp = p + 72 + s * 80;
        seg.sections.push({ name: cstr(b, sp, 16), size: Number(b.readBigUInt64LE(sp + 40)), offset: b.readUInt32LE(sp + 48) });
      }
      segments.push(seg);
    } else if (cmd === 0x1d) {
      // LC_CODE_SIGNATURE
      codeSignature = { dataoff: b.readUInt32LE(p + 8), datasize: b.readUInt32LE(p + 12) };
    }
    p += size;
  }
  return { segments, codeSignature };
}

/** The SEA blob of a Mach-O executable: section __NODE_SEA_BLOB of segment NODE_SEA. */
function machoBlob(b: Buffer): Buffer | null {
  for (const seg of parseMacho(b).segments) {
    if (seg.name !== 'NODE_SEA') continue;
    const sec = seg.sections.find((s) => s.name === '__NODE_SEA_BLOB');
    if (sec) return b.subarray(sec.offset, sec.offset + sec.size);
  }
  return null;
}

/** The SEA blob of a PE executable: the resource named NODE_SEA_BLOB (type RT_RCDATA). */
function peBlob(b: Buffer): Buffer | null {
  const pe = b.readUInt32LE(0x3c);
  const nsections = b.readUInt16LE(pe + 6);
  const optSize = b.readUInt16LE(pe + 20);
  const opt = pe + 24;
  if (b.readUInt16LE(opt) !== 0x20b) throw new Error('not PE32+');
  const rsrcRva = b.readUInt32LE(opt + 112 + 2 * 8); // data directory 2: resources
  if (!rsrcRva) return null;
  const sections: Array<{ va: number; vsize: number; raw: number }> = [];
  for (let i = 0; i < nsections; i++) {
    const s = opt + optSize + i * 40;
    sections.push({ vsize: b.readUInt32LE(s + 8), va: b.readUInt32LE(s + 12), raw: b.readUInt32LE(s + 20) });
  }
  const fileOf = (rva: number): number => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + x.vsize);
    if (!s) throw new Error(`PE: RVA ${rva} outside every section`);
    return rva - s.va + s.raw;
  };
  const root = fileOf(rsrcRva);
  const entries = (dir: number) => {
    const n = b.readUInt16LE(dir + 12) + b.readUInt16LE(dir + 14);
    return Array.from({ length: n }, (_, i) => {
      const e = dir + 16 + i * 8;
      const nameField = b.readUInt32LE(e);
      const target = b.readUInt32LE(e + 4);
      let name: string | number = nameField;
      if (nameField & 0x80000000) {
        const s = root + (nameField & 0x7fffffff);
        name = b.toString('utf16le', s + 2, s + 2 + 2 * b.readUInt16LE(s));
      }
      return { name, isDir: (target & 0x80000000) !== 0, at: root + (target & 0x7fffffff) };
    });
  };
  for (const type of entries(root)) {
    if (!type.isDir) continue;
    for (const named of entries(type.at)) {
      if (named.name !== BLOB_NAME || !named.isDir) continue;
      const lang = entries(named.at)[0];
      if (!lang || lang.isDir) return null;
      const at = fileOf(b.readUInt32LE(lang.at));
      return b.subarray(at, at + b.readUInt32LE(lang.at + 4));
    }
  }
  return null;
}

/** The PE certificate table (Authenticode) data directory: file offset and size, 0/0 when unsigned. */
export function peCertificateTable(b: Buffer): { offset: number; size: number } {
  const dir = b.readUInt32LE(0x3c) + 24 + 112 + 4 * 8; // data directory 4 of a PE32+ optional header
  return { offset: b.readUInt32LE(dir), size: b.readUInt32LE(dir + 4) };
}

/**
 * node.exe is Authenticode-signed; after --build-sea appends its .rsrc section the certificate table
 * entry still points at the old signature's offset, now the middle of the SEA resources. Windows would
 * see a malformed signature; dropping the entry makes the executable plainly unsigned.
 */
export function dropPeCertificateTable(b: Buffer): void {
  const dir = b.readUInt32LE(0x3c) + 24 + 112 + 4 * 8;
  b.writeUInt32LE(0, dir);
  b.writeUInt32LE(0, dir + 4);
}

/** Where the SEA blob sits in the executable, or null when there is none. */
export function seaBlob(b: Buffer): Buffer | null {
  const f = detectFormat(b);
  if (f.kind === 'elf') return elfBlob(b);
  if (f.kind === 'macho') return machoBlob(b);
  if (f.kind === 'pe') return peBlob(b);
  return null;
}

/** The blob's header: magic 0x0143da20, then flags (1 = no warning, 2 = snapshot, 4 = code cache). */
export function seaBlobHeader(blob: Buffer): { flags: number; codeCache: boolean } {
  if (blob.length < 8 || blob.readUInt32LE(0) !== 0x0143da20) throw new Error('not a SEA blob (bad magic)');
  const flags = blob.readUInt32LE(4);
  return { flags, codeCache: (flags & 4) !== 0 };
}

export interface CodeSignature {
  identifier: string;
  flags: number;
  adhoc: boolean;
  hardenedRuntime: boolean;
  hashType: number;
  pageSize: number;
  codeLimit: number;
  codeSlots: number;
  execSegFlags: bigint;
  /** SHA-256 of the CodeDirectory: what `codesign -dvvv` calls CDHash. */
  cdhash: string;
}

/**
 * Verifies a Mach-O's embedded ad-hoc signature the way the kernel does: the LC_CODE_SIGNATURE points at
 * the end of __LINKEDIT, the SuperBlob's CodeDirectory hashes every page up to codeLimit (= the start of
 * the signature), and the special slots hash the requirements/entitlements blobs. Throws on a mismatch.
 */
export function verifyMachoSignature(b: Buffer): CodeSignature {
  const m = parseMacho(b);
  const cs = m.codeSignature;
  if (!cs) throw new Error('no LC_CODE_SIGNATURE load command: unsigned');
  const linkedit = m.segments.find((s) => s.name === '__LINKEDIT');
  if (!linkedit) throw new Error('no __LINKEDIT segment');
  if (cs.dataoff + cs.datasize > b.length) throw new Error('signature extends past the end of the file');
  if (linkedit.fileoff + linkedit.filesize !== b.length) throw new Error('__LINKEDIT does not end at the end of the file');
  if (cs.dataoff < linkedit.fileoff) throw new Error('signature is not inside __LINKEDIT');

  const sb = b.subarray(cs.dataoff, cs.dataoff + cs.datasize);
  if (sb.readUInt32BE(0) !== 0xfade0cc0) throw new Error(`bad SuperBlob magic 0x${sb.readUInt32BE(0).toString(16)}`);
  const count = sb.readUInt32BE(8);
  const blobs = new Map<number, Buffer>();
  for (let i = 0; i < count; i++) {
    const type = sb.readUInt32BE(12 + i * 8);
    const off = sb.readUInt32BE(16 + i * 8);
    blobs.set(type, sb.subarray(off, off + sb.readUInt32BE(off + 4)));
  }
  const cd = blobs.get(0);
  if (!cd || cd.readUInt32BE(0) !== 0xfade0c02) throw new Error('no CodeDirectory in slot 0');

  const version = cd.readUInt32BE(8);
  const flags = cd.readUInt32BE(12);
  const hashOffset = cd.readUInt32BE(16);
  const identifier = cstr(cd, cd.readUInt32BE(20), 256);
  const nSpecial = cd.readUInt32BE(24);
  const nCode = cd.readUInt32BE(28);
  const codeLimit = cd.readUInt32BE(32);
  const hashSize = cd.readUInt8(36);
  const hashType = cd.readUInt8(37);
  const pageSize = 2 ** cd.readUInt8(39);
  if (hashType !== 2 || hashSize !== 32) throw new Error(`hash type ${hashType}/${hashSize}: expected SHA-256`);
  if (codeLimit !== cs.dataoff) throw new Error(`codeLimit ${codeLimit} != signature offset ${cs.dataoff}`);
  if (nCode !== Math.ceil(codeLimit / pageSize)) throw new Error(`${nCode} page hashes for ${codeLimit} bytes`);

  for (let i = 0; i < nCode; i++) {
    const page = b.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    const want = cd.subarray(hashOffset + i * hashSize, hashOffset + (i + 1) * hashSize);
    if (!createHash('sha256').update(page).digest().equals(want)) throw new Error(`page ${i} hash mismatch`);
  }
  // Special slots count down from hashOffset: 2 = requirements, 5 = entitlements, 7 = DER entitlements.
  for (let slot = 1; slot <= nSpecial; slot++) {
    const want = cd.subarray(hashOffset - slot * hashSize, hashOffset - (slot - 1) * hashSize);
    const blob = blobs.get(slot);
    if (!blob) {
      if (!want.every((x) => x === 0)) throw new Error(`special slot ${slot} has a hash but no blob`);
      continue;
    }
    if (!createHash('sha256').update(blob).digest().equals(want)) throw new Error(`special slot ${slot} hash mismatch`);
  }
  const execSegFlags = version >= 0x20400 ? cd.readBigUInt64BE(80) : 0n;
  return {
    identifier,
    flags,
    adhoc: (flags & 0x2) !== 0,
    hardenedRuntime: (flags & 0x10000) !== 0,
    hashType,
    pageSize,
    codeLimit,
    codeSlots: nCode,
    execSegFlags,
    cdhash: createHash('sha256').update(cd).digest('hex'),
  };
}
