// The C kernels (through the addon) against the TypeScript golden model, byte for byte,
// on random shapes 1..64 for every kernel, random core counts and splits.
import t from 'tap';
import fc from 'fast-check';
import { KERNELS, runGolden } from '../src/golden';
import { generateInputs } from '../src/gen';
import { kernels, run, scratchBytes } from '../src/native';
import { fcSeed } from './lib/fcSeed';

type Typed = Int8Array | Uint8Array | Int16Array;
const bytes = (a: Typed): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Keeps the biggest runs of the golden model (pure TypeScript) to a few million MACs. */
function shrink(kernel: string, s: { S: number; E: number; P: number; H: number }) {
  const heavy = ['mhsa', 'mhsa_fwsa', 'mhsa_dft', 'fwsa'].includes(kernel);
  const cap = heavy ? 24 : 64;
  return { S: Math.min(s.S, cap), E: Math.min(s.E, cap), P: Math.min(s.P, cap), H: Math.min(s.H, heavy ? 6 : 64) };
}

const dim = fc.integer({ min: 1, max: 64 });
const arb = fc.record({ S: dim, E: dim, P: dim, H: fc.integer({ min: 1, max: 8 }), cores: fc.integer({ min: 1, max: 8 }), split: fc.constantFrom<'heads' | 'rows'>('heads', 'rows'), seed: fc.integer({ min: 0, max: 0xffffffff }), tFrac: fc.double({ min: 0, max: 1, noNaN: true }), mul: fc.integer({ min: 1, max: 2000 }), div: fc.integer({ min: 8, max: 20 }) });

t.test('the addon knows exactly the kernels of the golden table', async (t) => {
  t.same(kernels().map((k) => [k.id, k.name, k.inputs.map((i) => `${i.name}:${i.dtype}`).join(','), k.outputType, k.nRq, k.nConsts, k.usesT]),
    Object.values(KERNELS).sort((a, b) => a.id - b.id).map((k) => [k.id, k.name, k.inputs.map((i) => `${i.name}:${i.dtype}`).join(','), k.output.dtype, k.nRq, k.nConsts, k.usesT]));
});

for (const name of Object.keys(KERNELS)) {
  t.test(`${name}: addon == golden on random shapes`, async (t) => {
    const k = KERNELS[name];
    fc.assert(fc.property(arb, (a) => {
      const s = shrink(name, a);
      const shape = { ...s, T: Math.max(1, Math.ceil(a.tFrac * s.S)) };
      const rq = k.defaultRq.map(([m, d], i) => (name === 'add' || name === 'gelu' ? [m, d] : i === 0 ? [a.mul, a.div] : [m, d]) as [number, number]);
      const inputs = generateInputs(name, shape, a.seed) as Typed[];
      const p = { ...shape, split: a.split, rq, consts: k.defaultConsts ?? [] };
      const want = bytes(runGolden(name, p, inputs));
      const got = run({ kernel: name, shape, split: a.split, rq, consts: k.defaultConsts ?? [], inputs: inputs.map(bytes), cores: a.cores });
      if (!Buffer.from(want).equals(got)) throw new Error(`${name} ${JSON.stringify({ ...shape, cores: a.cores, split: a.split, rq })}: addon differs from golden`);
    }), { numRuns: 12, seed: fcSeed(20261126) });
    t.pass(`${name}: 12 random shapes bit-exact`);
  });
}

t.test('cores 1..8 give identical bytes (addon, real threads)', async (t) => {
  const shape = { S: 37, E: 19, P: 6, H: 5, T: 9 };
  for (const name of Object.keys(KERNELS)) {
    const k = KERNELS[name];
    const inputs = (generateInputs(name, shape, 3) as Typed[]).map(bytes);
    const one = run({ kernel: name, shape, rq: k.defaultRq, consts: k.defaultConsts ?? [], inputs, cores: 1 });
    for (let c = 2; c <= 8; c++) {
      for (const split of ['heads', 'rows'] as const) {
        const got = run({ kernel: name, shape, split, rq: k.defaultRq, consts: k.defaultConsts ?? [], inputs, cores: c });
        if (!one.equals(got)) t.fail(`${name} cores=${c} split=${split} differs from cores=1`);
      }
    }
  }
  t.pass(`${Object.keys(KERNELS).length} kernels x cores 2..8 x 2 splits identical to cores=1`);
});

t.test('DFT is bit-identical to full MHSA for random shapes and tiles', async (t) => {
  fc.assert(fc.property(arb, (a) => {
    const s = shrink('mhsa', a);
    const shape = { ...s, T: Math.max(1, Math.ceil(a.tFrac * s.S)) };
    const inputs = (generateInputs('mhsa', shape, a.seed) as Typed[]).map(bytes);
    const rq = KERNELS.mhsa.defaultRq;
    const full = run({ kernel: 'mhsa', shape, rq, inputs, cores: a.cores });
    const dft = run({ kernel: 'mhsa_dft', shape, rq, inputs, cores: a.cores });
    if (!full.equals(dft)) throw new Error(`mhsa_dft differs from mhsa at ${JSON.stringify(shape)} cores=${a.cores}`);
  }), { numRuns: 40, seed: fcSeed(7) });
  t.pass('40 random shapes');
});

t.test('DFT scratch peak is strictly below full MHSA for S >= 64', async (t) => {
  for (const S of [64, 81, 128, 256, 512]) for (const H of [1, 4, 8]) for (const T of [1, 16, 32]) {
    const shape = { S, E: 32, P: 32, H, T };
    const dft = scratchBytes('mhsa_dft', shape, 1);
    const full = scratchBytes('mhsa', shape, 1);
    t.ok(dft < full, `S=${S} H=${H} T=${T}: dft ${dft} < full ${full}`);
  }
  for (const k of ['mhsa', 'mhsa_fwsa', 'mhsa_dft', 'fwsa']) {
    for (const cores of [1, 3, 8]) {
      const s = { S: 97, E: 24, P: 12, H: 5, T: 16 };
      t.equal(scratchBytes(k, s, cores), KERNELS[k].scratch(s, cores), `${k} cores=${cores}: C and TS agree on the scratch formula`);
    }
  }
});
