// The registry matches docs/kernels.md and tinyhil.h; runGolden refuses bad params and inputs with exact messages.
import t from 'tap';
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

t.test('input errors name the argument, the count, the layout and what arrived', async (t) => {
  const x = lin();
  x[1] = new Int8Array(100);
  t.throws(() => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, x),
    { message: 'Expected input W of linear_qk to hold 2048 int8 values (H*P*E) but received 100' });
  const y = lin();
  y[2] = new Int16Array(31);
  t.throws(() => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, y),
    { message: 'Expected input B of linear_qk to hold 32 int16 values (H*P) but received 31' });
  const z = lin();
  z[1] = new Uint8Array(2048) as unknown as Int8Array;
  t.throws(() => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, z),
    { message: 'Expected input W of linear_qk to be an Int8Array (int8) but received Uint8Array' });
  t.throws(() => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, lin().slice(0, 2)),
    { message: 'linear_qk takes 3 inputs (I, W, B) but received 2' });
  t.throws(() => runGolden('av', { ...S, rq: [[385, 16]] }, [new Int8Array(50), new Int8Array(160)]),
    { message: 'Expected input A of av to be a Uint8Array (uint8) but received Int8Array' });
  t.throws(() => runGolden('av', { ...S, rq: [[385, 16]] }, [new Uint8Array(49), new Int8Array(160)]),
    { message: 'Expected input A of av to hold 50 uint8 values (S*H*S) but received 49' });
  t.throws(() => runGolden('softmax', { ...S, rq: [] }, [null as unknown as Int8Array]),
    { message: 'Expected input X of softmax to be an Int8Array (int8) but received null' });
});

t.test('param errors name the field, the value and the limit', async (t) => {
  t.throws(() => runGolden('nope', { ...S, rq: [] }, []),
    { message: 'Unknown kernel "nope"; known kernels: linear_qk, linear_v, linear_o, qk_softmax, av, fwsa, softmax, mhsa, mhsa_fwsa, mhsa_dft, layernorm, gelu, add, linear' });
  t.throws(() => runGolden('linear_qk', { ...S, S: 0, rq: [[385, 16]] }, lin()),
    { message: 'linear_qk: S must be an integer in 1..65535, got 0' });
  t.throws(() => runGolden('linear_qk', { ...S, E: 1.5, rq: [[385, 16]] }, lin()),
    { message: 'linear_qk: E must be an integer in 1..65535, got 1.5' });
  t.throws(() => runGolden('linear_qk', { ...S, H: 65536, rq: [[385, 16]] }, lin()),
    { message: 'linear_qk: H must be an integer in 1..65535, got 65536' });
  t.throws(() => runGolden('mhsa_dft', { ...S, rq: KERNELS.mhsa.defaultRq }, []),
    { message: 'mhsa_dft: T must be an integer in 1..S (1..5), got undefined' });
  t.throws(() => runGolden('mhsa_dft', { ...S, T: 6, rq: KERNELS.mhsa.defaultRq }, []),
    { message: 'mhsa_dft: T must be an integer in 1..S (1..5), got 6' });
  t.throws(() => runGolden('linear_qk', { S: 65535, E: 65535, P: 1, H: 1, rq: [[385, 16]] }, []),
    { message: 'linear_qk: input I would hold S*E = 4294836225 values, above 2^31-1' });
  t.throws(() => runGolden('linear_qk', { ...S, rq: [] }, lin()),
    { message: 'linear_qk takes 1 rq pair but received 0' });
  t.throws(() => runGolden('mhsa', { ...S, rq: [[385, 16]] }, []),
    { message: 'mhsa takes 6 rq pairs but received 1' });
  t.throws(() => runGolden('linear_qk', { ...S, rq: [[385, 40]] }, lin()),
    { message: 'linear_qk: rq0 div must be an integer in 0..31, got 40' });
  t.throws(() => runGolden('qk_softmax', { ...S, split: 'cols' as 'rows', rq: [[385, 16]] }, []),
    { message: 'qk_softmax: split must be "heads" or "rows", got "cols"' });
  t.throws(() => runGolden('gelu', { ...S, rq: [[296, 20]] }, [new Int8Array(320)]),
    { message: 'gelu takes 3 consts but received 0' });
  t.throws(() => runGolden('gelu', { ...S, rq: [[296, 20]], consts: [0, 1772, 1772] }, [new Int8Array(320)]),
    { message: 'gelu: consts[0] (qb) must be > 0, got 0' });
  t.throws(() => runGolden('gelu', { ...S, rq: [[296, 20]], consts: [40, 2 ** 31, 1772] }, [new Int8Array(320)]),
    { message: 'gelu: consts[1] must be an int32, got 2147483648' });
  t.throws(() => runGolden('add', { ...S, rq: [[1, 0], [1, 0]], consts: [1] }, []),
    { message: 'add takes 0 consts but received 1' });
  t.throws(() => runGolden('linear_qk', { ...S, rq: [[385, 16]] }, lin(), { cores: 9 }),
    { message: 'linear_qk: cores must be an integer in 1..8, got 9' });
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
