// npy.ts - reads NumPy .npy arrays (format 1.0/2.0/3.0) of the dtypes tinyhil uses, from bytes.
import type { DType } from '../golden/registry';

export interface NpyArray {
  dtype: DType | string;   // i8, u8, i16, or the file's own descr when it is none of them
  shape: number[];
  data: Uint8Array;        // raw little-endian element bytes (a copy, aligned for Int16Array)
}

const DESCR: Record<string, DType> = { '|i1': 'i8', '<i1': 'i8', 'i1': 'i8', '|u1': 'u8', '<u1': 'u8', 'u1': 'u8', '<i2': 'i16' };
const ITEM: Record<string, number> = { i8: 1, u8: 1, i16: 2 };

/** Parses a .npy; throws an Error with the reason (the caller adds file and array names). */
export function parseNpy(buf: Uint8Array): NpyArray {
  const magic = Buffer.from(buf.subarray(0, 6)).toString('latin1');
  if (buf.length < 10 || magic !== '\x93NUMPY') throw new Error('not a .npy file (no \\x93NUMPY magic)');
  const major = buf[6];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) { hlen = dv.getUint16(8, true); start = 10; } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new Error('truncated .npy header');
    hlen = dv.getUint32(8, true); start = 12;
  } else throw new Error(`unsupported .npy version ${major}`);
  if (start + hlen > buf.length) throw new Error('truncated .npy header');
  const header = Buffer.from(buf.subarray(start, start + hlen)).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`unreadable .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`bad .npy shape (${shapeText})`);
  const dtype = DESCR[descr] ?? descr;
  if (fortran === 'True' && shape.length > 1) throw new Error('Fortran-order .npy arrays are not supported: save with np.ascontiguousarray');
  const body = buf.subarray(start + hlen);
  const n = shape.reduce((a, b) => a * b, 1);
  const item = ITEM[dtype];
  if (item !== undefined && body.length !== n * item) {
    throw new Error(`.npy body holds ${body.length} bytes, shape (${shape.join(', ')}) of ${dtype} needs ${n * item}`);
  }
  return { dtype, shape, data: Uint8Array.from(body) };
}
