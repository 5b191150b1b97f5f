// npz.ts - reads the arrays of a NumPy .npz (a zip of .npy entries, stored or deflated) with node's zlib.
import { inflateRawSync } from 'node:zlib';
import { NpyArray, parseNpy } from './npy';

export interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

/** The central directory of a zip (no zip64, no encryption: what np.savez writes below 4 GiB). */
export function zipEntries(buf: Uint8Array): ZipEntry[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip/.npz file (no end-of-central-directory record)');
  const count = dv.getUint16(eocd + 10, true);
  let at = dv.getUint32(eocd + 16, true);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > buf.length || dv.getUint32(at, true) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = dv.getUint16(at + 10, true);
    const compressedSize = dv.getUint32(at + 20, true);
    const size = dv.getUint32(at + 24, true);
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const commentLen = dv.getUint16(at + 32, true);
    const localOffset = dv.getUint32(at + 42, true);
    const name = Buffer.from(buf.subarray(at + 46, at + 46 + nameLen)).toString('utf8');
    out.push({ name, method, compressedSize, size, localOffset });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The bytes of one entry (stored or deflated). */
export function zipRead(buf: Uint8Array, e: ZipEntry): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lo = e.localOffset;
  if (lo + 30 > buf.length || dv.getUint32(lo, true) !== 0x04034b50) throw new Error(`corrupt zip entry ${e.name}`);
  const start = lo + 30 + dv.getUint16(lo + 26, true) + dv.getUint16(lo + 28, true);
  const raw = buf.subarray(start, start + e.compressedSize);
  if (raw.length !== e.compressedSize) throw new Error(`truncated zip entry ${e.name}`);
  if (e.method === 0) return raw;
  if (e.method === 8) return new Uint8Array(inflateRawSync(raw));
  throw new Error(`zip entry ${e.name} uses compression method ${e.method}; only stored (0) and deflate (8) are read`);
}

/** Array names of an .npz ("W1" for the entry "W1.npy"). */
export function npzNames(buf: Uint8Array): string[] {
  return zipEntries(buf).map((e) => e.name.replace(/\.npy$/, ''));
}

/** One array of an .npz, or undefined when it holds none of that name. */
export function npzArray(buf: Uint8Array, name: string): NpyArray | undefined {
  const e = zipEntries(buf).find((x) => x.name === `${name}.npy` || x.name === name);
  return e ? parseNpy(zipRead(buf, e)) : undefined;
}
