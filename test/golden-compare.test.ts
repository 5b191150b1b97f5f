// compare(): null on equal outputs, else the first differing elements by tensor coordinate.
import t from 'tap';
import { compare, compareDetail } from '../src/golden';

t.test('equal outputs give null', async (t) => {
  t.equal(compare('softmax', { S: 1, E: 2, P: 1, H: 1 }, Uint8Array.from([1, 2]), Uint8Array.from([1, 2])), null);
});

t.test('linear_qk [H,S,P] coordinates', async (t) => {
  const s = { S: 5, E: 7, P: 3, H: 2 };
  const want = new Int8Array(30);
  const got = new Int8Array(30);
  want[(1 * 5 + 3) * 3 + 0] = 13; // O[h=1,s=3,p=0] = flat 24
  got[24] = 12;
  t.equal(compare('linear_qk', s, got, want), 'linear_qk S=5 E=7 P=3 H=2: first mismatch at O[h=1,s=3,p=0]: got 12, want 13');
  const d = compareDetail('linear_qk', s, got, want)!;
  t.same(d.first, [{ index: 24, coord: { h: 1, s: 3, p: 0 }, at: 'O[h=1,s=3,p=0]', got: 12, want: 13 }]);
  t.equal(d.total, 1);
  t.equal(d.size, 30);
});

t.test('layouts name their coordinates', async (t) => {
  const s = { S: 2, E: 3, P: 2, H: 2, T: 1 };
  const one = (kernel: string, n: number, i: number, signed = true) => {
    const want = signed ? new Int8Array(n) : new Uint8Array(n);
    const got = signed ? new Int8Array(n) : new Uint8Array(n);
    got[i] = 1;
    return compare(kernel, s, got, want);
  };
  // [H,P,S]: flat 7 = h 1, p 1, s 1
  t.equal(one('linear_v', 8, 7), 'linear_v S=2 E=3 P=2 H=2: first mismatch at O[h=1,p=1,s=1]: got 1, want 0');
  // [S,E]: flat 4 = s 1, e 1
  t.equal(one('linear_o', 6, 4), 'linear_o S=2 E=3 P=2 H=2: first mismatch at O[s=1,e=1]: got 1, want 0');
  // [S,H,S]: flat 5 = s 1, h 0, t 1
  t.equal(one('qk_softmax', 8, 5, false), 'qk_softmax S=2 E=3 P=2 H=2: first mismatch at A[s=1,h=0,t=1]: got 1, want 0');
  // [S,H*P]: flat 6 = s 1, h 1, p 0
  t.equal(one('av', 8, 6), 'av S=2 E=3 P=2 H=2: first mismatch at O[s=1,h=1,p=0]: got 1, want 0');
  // [H,S,S]: flat 6 = h 1, s 1, t 0
  t.equal(one('fwsa', 8, 6, false), 'fwsa S=2 E=3 P=2 H=2: first mismatch at A[h=1,s=1,t=0]: got 1, want 0');
  // DFT labels its tile size
  t.equal(one('mhsa_dft', 6, 0), 'mhsa_dft S=2 E=3 P=2 H=2 T=1: first mismatch at O[s=0,e=0]: got 1, want 0');
  t.equal(one('softmax', 6, 5, false), 'softmax S=2 E=3 P=2 H=2: first mismatch at Y[s=1,e=2]: got 1, want 0');
});

t.test('several mismatches: up to 5 listed, the total counted', async (t) => {
  const s = { S: 1, E: 8, P: 1, H: 1 };
  const want = new Int8Array(8);
  const got = Int8Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const d = compareDetail('gelu', s, got, want)!;
  t.equal(d.total, 7);
  t.same(d.first.map((m) => m.index), [1, 2, 3, 4, 5]);
  t.equal(d.message, 'gelu S=1 E=8 P=1 H=1: first mismatch at Y[s=0,e=1]: got 1, want 0; also Y[s=0,e=2]: got 2, want 0; Y[s=0,e=3]: got 3, want 0; Y[s=0,e=4]: got 4, want 0; Y[s=0,e=5]: got 5, want 0; … (7 of 8 elements differ)');
  const two = compare('gelu', s, Int8Array.from([0, 0, 0, 0, 0, 0, 9, 9]), want);
  t.equal(two, 'gelu S=1 E=8 P=1 H=1: first mismatch at Y[s=0,e=6]: got 9, want 0; also Y[s=0,e=7]: got 9, want 0 (2 of 8 elements differ)');
});

t.test('raw board bytes are read with the output signedness', async (t) => {
  const s = { S: 1, E: 2, P: 1, H: 1 };
  // 0xff is -1 for an int8 output: equal to Int8Array [-1, 5]
  t.equal(compare('add', s, Uint8Array.from([0xff, 5]), Int8Array.from([-1, 5])), null);
  t.equal(compare('add', s, Uint8Array.from([0xfe, 5]), Int8Array.from([-1, 5])), 'add S=1 E=2 P=1 H=1: first mismatch at Y[s=0,e=0]: got -2, want -1');
});

t.test('length mismatch is reported, not indexed', async (t) => {
  const s = { S: 2, E: 2, P: 1, H: 1 };
  t.equal(compare('add', s, new Int8Array(3), new Int8Array(4)), 'add S=2 E=2 P=1 H=1: got holds 3 values but output Y[S,E] holds 4');
  t.equal(compare('add', s, new Int8Array(4), new Int8Array(5)), 'add S=2 E=2 P=1 H=1: want holds 5 values but output Y[S,E] holds 4');
});
