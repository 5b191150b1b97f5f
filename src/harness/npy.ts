// npy.ts - writes NumPy .npy files (format version 1.0) so any test point can be
// checked outside tinyhil: np.load('input_I.npy').
import * as fs from 'fs';

const DESCR: Record<string, string> = { i8: '|i1', u8: '|u1', i16: '<i2' };

export function encodeNpy(dtype: 'i8' | 'u8' | 'i16', shape: number[], data: Uint8Array): Buffer {
  const descr = DESCR[dtype];
  if (!descr) throw new RangeError(`Expected dtype i8, u8 or i16 for .npy but received ${dtype}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemBytes = dtype === 'i16' ? 2 : 1;
  if (count * itemBytes !== data.byteLength) {
    throw new RangeError(`Expected ${count * itemBytes} bytes for a ${dtype}[${shape.join(',')}] .npy but received ${data.byteLength}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic(6) + version(2) + header length(2) + header + '\n' is padded to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function writeNpy(file: string, dtype: 'i8' | 'u8' | 'i16', shape: number[], data: Uint8Array): void {
  fs.writeFileSync(file, encodeNpy(dtype, shape, data));
}
