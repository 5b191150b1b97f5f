// Compares a kernel output with the golden one and names the first differences by tensor coordinate.
import { Shape, count, kernelInfo } from './registry';

export interface MismatchElement {
  index: number;                   // flat index into the output
  coord: Record<string, number>;   // e.g. { h: 1, s: 3, p: 0 }
  at: string;                      // e.g. "O[h=1,s=3,p=0]"
  got: number;
  want: number;
}

export interface Mismatch {
  kernel: string;
  shape: string;                   // "S=5 E=7 P=3 H=2" (plus " T=2" for mhsa_dft)
  total: number;                   // differing elements (0 when the lengths differ)
  size: number;                    // elements the output should hold
  first: MismatchElement[];        // up to 5, in index order
  message: string;
}

const MAX_REPORTED = 5;

/** "S=5 E=7 P=3 H=2", with T for kernels that tile; `linear` says "S=5 K=7 N=3" (K = E, N = P). */
export function shapeLabel(kernel: string, s: Shape): string {
  if (kernel === 'linear') return `S=${s.S} K=${s.E} N=${s.P}`;
  const base = `S=${s.S} E=${s.E} P=${s.P} H=${s.H}`;
  return kernelInfo(kernel).usesT ? `${base} T=${s.T}` : base;
}

/** Views raw output bytes with the output's signedness (a board returns a Uint8Array for int8 outputs too). */
function view(dtype: 'i8' | 'u8', a: ArrayLike<number>): ArrayLike<number> {
  if (dtype === 'i8' && a instanceof Uint8Array) return new Int8Array(a.buffer, a.byteOffset, a.length);
  if (dtype === 'u8' && a instanceof Int8Array) return new Uint8Array(a.buffer, a.byteOffset, a.length);
  return a;
}

/**
 * null when `got` equals `want` element for element; otherwise a message naming the first
 * (up to 5) differing elements by the coordinates of the output layout, e.g.
 * `linear_qk S=5 E=7 P=3 H=2: first mismatch at O[h=1,s=3,p=0]: got 12, want 13`.
 * Raw bytes are read with the output's signedness.
 */
export function compare(
  kernel: string, shape: Shape, got: ArrayLike<number>, want: ArrayLike<number>,
): string | null {
  return compareDetail(kernel, shape, got, want)?.message ?? null;
}

/** compare() with the differing elements as data. */
export function compareDetail(
  kernel: string, shape: Shape, gotRaw: ArrayLike<number>, wantRaw: ArrayLike<number>,
): Mismatch | null {
  const k = kernelInfo(kernel);
  const dims = k.output.dims(shape);
  const size = count(dims);
  const label = shapeLabel(kernel, shape);
  const got = view(k.output.dtype, gotRaw);
  const want = view(k.output.dtype, wantRaw);
  const head = `${kernel} ${label}`;
  for (const [what, a] of [['got', got], ['want', want]] as const) {
    if (a.length !== size) {
      return {
        kernel, shape: label, total: 0, size, first: [],
        message: `${head}: ${what} holds ${a.length} values but output ${k.output.name}[${k.output.layout}] holds ${size}`,
      };
    }
  }
  const first: MismatchElement[] = [];
  let total = 0;
  for (let i = 0; i < size; i++) {
    if (got[i] === want[i]) continue;
    total++;
    if (first.length < MAX_REPORTED) {
      const coord: Record<string, number> = {};
      let rest = i;
      for (let d = dims.length - 1; d >= 0; d--) {
        coord[k.output.coords[d]] = rest % dims[d];
        rest = Math.floor(rest / dims[d]);
      }
      const at = `${k.output.name}[${k.output.coords.map((c) => `${c}=${coord[c]}`).join(',')}]`;
      first.push({ index: i, coord, at, got: got[i], want: want[i] });
    }
  }
  if (total === 0) return null;
  let message = `${head}: first mismatch at ${first[0].at}: got ${first[0].got}, want ${first[0].want}`;
  if (total > 1) {
    const more = first.slice(1).map((m) => `${m.at}: got ${m.got}, want ${m.want}`).join('; ');
    message += `; also ${more}${total > first.length ? '; …' : ''} (${total} of ${size} elements differ)`;
  }
  return { kernel, shape: label, total, size, first, message };
}
