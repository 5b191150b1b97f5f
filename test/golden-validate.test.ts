// The registry matches docs/kernels.md and tinyhil.h; runGolden refuses bad params and inputs with exact messages.
import t from 'tap';
import { throwsExact } from './lib/exact';
import { generateInputs } from '../src/gen';
import { KERNELS, KERNEL_BY_ID, runGolden, kernelInfo, Tensor } from '../src/golden';

const S = { S: 5, E: 64, P: 16, H: 2 };
const lin = (): Tensor[] => [new Int8Array(5 * 64), new Int8Array(2 * 16 * 64), new Int16Array(32)];

t.test('kernel table: ids, names, argument names and dtypes, counts', async (t) => {
  const rows = KERNEL_BY_ID.map((k) => `${k.id} ${k.name}(${k.inputs.map((i) => `${i.name}:${i.dtype}[${i.dimNames.join(',')}]`).join(' ')}) -> ${k.output.name}:${k.output.dtype}[${k.output.layout}] rq${k.nRq} c${k.nConsts}${k.usesT ? ' T' : ''}`);
  t.same(rows, [
    '0 linear_qk(I:i8[S,E] W:i8[H*P,E] B:i16[H*P]) -> O:i8[H,S,P] rq1 c0',
    '1 linear_v(I:i8[S,E] W:i8[H*P,E] B:i16[H*P]) -> O:i8[H,P,S] rq1 c0',
    '2 linear_o(I:i8[S,H*P] W:i8[E,H*P] B:i16[E]) -> O:i8[S,E] rq1 c0',
    '3 qk_softmax(Q:i8[H,S,P] K:i8[H,S,P]) -> A:u8[S,H,S] rq1 c0',
    '4 av(A:u8[S,H,S] V:i8[H,P,S]) -> O:i8[S,H*P] rq1 c0',
    '5 fwsa(I:i8[S,E] W:i8[H,E,E] B:i16[H,E]) -> A:u8[H,S,S] rq2 c0',
    '6 softmax(X:i8[S,E]) -> Y:u8[S,E] rq0 c0',
    '7 mhsa(I:i8[S,E] Wq:i8[H*P,E] Bq:i16[H*P] Wk:i8[H*P,E] Bk:i16[H*P] Wv:i8[H*P,E] Bv:i16[H*P] Wo:i8[E,H*P] Bo:i16[E]) -> O:i8[S,E] rq6 c0',
    '8 mhsa_fwsa(I:i8[S,E] Wf:i8[H,E,E] Bf:i16[H,E] Wv:i8[H*P,E] Bv:i16[H*P] Wo:i8[E,H*P] Bo:i16[E]) -> O:i8[S,E] rq5 c0',
    '9 mhsa_dft(I:i8[S,E] Wq:i8[H*P,E] Bq:i16[H*P] Wk:i8[H*P,E] Bk:i16[H*P] Wv:i8[H*P,E] Bv:i16[H*P] Wo:i8[E,H*P] Bo:i16[E]) -> O:i8[S,E] rq6 c0 T',
    '10 layernorm(X:i8[S,E] gamma:i8[E] beta:i16[E]) -> Y:i8[S,E] rq1 c0',
    '11 gelu(X:i8[S,E]) -> Y:i8[S,E] rq1 c3',
    '12 add(A:i8[S,E] B:i8[S,E]) -> Y:i8[S,E] rq2 c0',
    '13 linear(I:i8[S,K] W:i8[N,K] B:i16[N]) -> O:i8[S,N] rq1 c0',
  ]);
  for (const k of KERNEL_BY_ID) {
    t.equal(KERNELS[k.name], k);
    t.equal(k.defaultRq.length, k.nRq, `${k.name} default rq count`);
    t.equal((k.defaultConsts ?? []).length, k.nConsts, `${k.name} default consts count`);
  }
  t.same(KERNELS.linear_qk.defaultRq, [[385, 16]]);
  t.same(KERNELS.mhsa.defaultRq, Array(6).fill([385, 16]));
  t.same(KERNELS.add.defaultRq, [[1, 0], [1, 0]]);
  t.same(KERNELS.gelu.defaultRq, [[296, 20]]);
  t.same(KERNELS.gelu.defaultConsts, [40, 1772, 1772]);
});

t.test('MACs and scratch as docs/kernels.md counts them', async (t) => {
  const s = { S: 3, E: 5, P: 7, H: 2, T: 2 };
  const macs = Object.fromEntries(KERNEL_BY_ID.map((k) => [k.name, k.macs(s)]));
  t.same(macs, {
    linear_qk: 210, linear_v: 210, linear_o: 210,      // S·E·P·H = 3·5·7·2
    qk_softmax: 126, av: 126,                          // H·S·S·P = 2·9·7
    fwsa: 150 + 90,                                    // H·S·E·E + H·S·S·E
    softmax: 15, layernorm: 15, gelu: 15, add: 15,     // S·E
    mhsa: 840 + 252, mhsa_dft: 840 + 252,              // 4·S·E·P·H + 2·H·S·S·P
    mhsa_fwsa: 240 + 420 + 126,                        // fwsa + 2·S·E·P·H + H·S·S·P
    linear: 105,                                       // S·K·N = S·E·P (H unread)
  });
  t.equal(KERNELS.fwsa.scratch(s, 4), 4 * 15);
  t.equal(KERNELS.mhsa.scratch(s, 1), 3 * 42 + 18 + 42);
  t.equal(KERNELS.mhsa_fwsa.scratch(s, 2), 42 + 18 + 42 + 2 * 15);
  t.equal(KERNELS.mhsa_dft.scratch(s, 3), 2 * 42 + 3 * (2 * 7 + 2 * 3 + 2 * 14)); // K, V + per core Qt, tile, Mt
  t.equal(KERNELS.linear_qk.scratch(s, 8), 0);
});

// One form, shared with the addon's arguments (src/validate/kernelArgs.ts): `golden KERNEL: field: expected …, found …`.
t.test('input errors name the argument, its layout and length, and what arrived', async (t) => {
  const x = lin();
  x[1] = new Int8Array(100);
  throwsExact(t, () => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, x),
    'golden linear_qk: inputs[1]: expected an Int8Array of 2048 values (W [H*P, E] int8), found Int8Array(100)');
  const y = lin();
  y[2] = new Int16Array(31);
  throwsExact(t, () => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, y),
    'golden linear_qk: inputs[2]: expected an Int16Array of 32 values (B [H*P] int16), found Int16Array(31)');
  const z = lin();
  z[1] = new Uint8Array(2048) as unknown as Int8Array;
  throwsExact(t, () => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, z),
    'golden linear_qk: inputs[1]: expected an Int8Array of 2048 values (W [H*P, E] int8), found Uint8Array(2048)');
  throwsExact(t, () => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, lin().slice(0, 2)),
    'golden linear_qk: inputs: expected 3 input tensors (I, W, B) for linear_qk, found [Int8Array(320),Int8Array(2048)]');
  throwsExact(t, () => runGolden('av', { ...S, rq: [[385, 16]] }, [new Int8Array(50), new Int8Array(160)]),
    'golden av: inputs[0]: expected a Uint8Array of 50 values (A [S, H, S] uint8), found Int8Array(50)');
  throwsExact(t, () => runGolden('av', { ...S, rq: [[385, 16]] }, [new Uint8Array(49), new Int8Array(160)]),
    'golden av: inputs[0]: expected a Uint8Array of 50 values (A [S, H, S] uint8), found Uint8Array(49)');
  throwsExact(t, () => runGolden('softmax', { ...S, rq: [] }, [null as unknown as Int8Array]),
    'golden softmax: inputs[0]: expected an Int8Array of 320 values (X [S, E] int8), found null');
});

t.test('param errors name the field, the value and the limit', async (t) => {
  throwsExact(t, () => runGolden('nope', { ...S, rq: [] }, []),
    'Unknown kernel "nope"; known kernels: linear_qk, linear_v, linear_o, qk_softmax, av, fwsa, softmax, mhsa, mhsa_fwsa, mhsa_dft, layernorm, gelu, add, linear', 'Error');
  const cases: Array<[() => unknown, string]> = [
    [() => runGolden('linear_qk', { ...S, S: 0, rq: [[385, 16]] }, lin()), 'golden linear_qk: shape.S: expected an integer in 1..65535, found 0'],
    [() => runGolden('linear_qk', { ...S, E: 1.5, rq: [[385, 16]] }, lin()), 'golden linear_qk: shape.E: expected an integer in 1..65535, found 1.5'],
    [() => runGolden('linear_qk', { ...S, H: 65536, rq: [[385, 16]] }, lin()), 'golden linear_qk: shape.H: expected an integer in 1..65535, found 65536'],
    [() => runGolden('linear_qk', null as never, lin()), 'golden linear_qk: shape: expected an object { S, E, P, H, T? }, found null'],
    [() => runGolden('mhsa_dft', { ...S, rq: KERNELS.mhsa.defaultRq }, []), 'golden mhsa_dft: shape.T: expected an integer in 1..S (1..5), found nothing'],
    [() => runGolden('mhsa_dft', { ...S, T: 6, rq: KERNELS.mhsa.defaultRq }, []), 'golden mhsa_dft: shape.T: expected an integer in 1..S (1..5), found 6'],
    [() => runGolden('linear_qk', { S: 65535, E: 65535, P: 1, H: 1, rq: [[385, 16]] }, []),
      'golden linear_qk: shape: expected every tensor and the scratch below 2^31 bytes; input I [S, E] of 4294836225 bytes at this shape, found {"S":65535,"E":65535,"P":1,"H":1}'],
    [() => runGolden('linear_qk', { ...S, rq: [] }, lin()), 'golden linear_qk: rq: expected 1 [mul, div] pair for linear_qk, found []'],
    [() => runGolden('mhsa', { ...S, rq: [[385, 16]] }, []), 'golden mhsa: rq: expected 6 [mul, div] pairs for mhsa, found [[385,16]]'],
    [() => runGolden('linear_qk', { ...S, rq: [[385, 40]] }, lin()), 'golden linear_qk: rq[0][1]: expected a div in 0..31, found 40'],
    [() => runGolden('qk_softmax', { ...S, split: 'cols' as 'rows', rq: [[385, 16]] }, []), 'golden qk_softmax: split: expected heads or rows, found "cols"'],
    [() => runGolden('gelu', { ...S, rq: [[296, 20]] }, [new Int8Array(320)]), 'golden gelu: consts: expected 3 int32 consts for gelu, found nothing'],
    [() => runGolden('gelu', { ...S, rq: [[296, 20]], consts: [0, 1772, 1772] }, [new Int8Array(320)]), 'golden gelu: consts[0]: expected qb > 0 (gelu), found 0'],
    [() => runGolden('gelu', { ...S, rq: [[296, 20]], consts: [40, 2 ** 31, 1772] }, [new Int8Array(320)]),
      'golden gelu: consts[1]: expected an integer in -2147483648..2147483647, found 2147483648'],
    [() => runGolden('add', { ...S, rq: [[1, 0], [1, 0]], consts: [1] }, []), 'golden add: consts: expected 0 int32 consts for add, found [1]'],
    [() => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, lin(), { cores: 9 }), 'golden linear_qk: cores: expected an integer in 1..8, found 9'],
    [() => generateInputs('linear_qk', { S: 0, E: 1, P: 1, H: 1 }, 1), 'generateInputs linear_qk: shape.S: expected an integer in 1..65535, found 0'],
  ];
  for (const [fn, msg] of cases) throwsExact(t, fn, msg);
});

t.test('outputs: dtype and length from the registry', async (t) => {
  for (const k of KERNEL_BY_ID) {
    const s = { S: 3, E: 4, P: 2, H: 2, T: 2 };
    const inputs = k.inputs.map((i) => {
      const n = i.dims(s).reduce((a, b) => a * b, 1);
      return i.dtype === 'i8' ? new Int8Array(n) : i.dtype === 'u8' ? new Uint8Array(n) : new Int16Array(n);
    });
    const o = runGolden(k.name, { ...s, rq: k.defaultRq, consts: k.defaultConsts }, inputs);
    t.equal(o.constructor.name, k.output.dtype === 'u8' ? 'Uint8Array' : 'Int8Array', k.name);
    t.equal(o.length, k.output.dims(s).reduce((a, b) => a * b, 1), k.name);
  }
  t.equal(kernelInfo('av').output.coords.join(','), 's,h,p');
});
