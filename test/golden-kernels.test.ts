// Every kernel on tiny shapes computed by hand (worked in the comments), checking math and layouts.
import t from 'tap';
import { runGolden } from '../src/golden';

const i8 = (...v: number[]) => Int8Array.from(v);
const u8 = (...v: number[]) => Uint8Array.from(v);
const i16 = (...v: number[]) => Int16Array.from(v);
const R1: [number, number] = [1, 0]; // identity rq (still saturating)

t.test('linear_qk and linear_v: S=1 E=2 P=1 H=1', async (t) => {
  // I = [3,-2], W = [5,7], B = [10]: 15 - 14 + 10 = 11
  const x = [i8(3, -2), i8(5, 7), i16(10)];
  t.same([...runGolden('linear_qk', { S: 1, E: 2, P: 1, H: 1, rq: [R1] }, x)], [11]);
  t.same([...runGolden('linear_v', { S: 1, E: 2, P: 1, H: 1, rq: [R1] }, x)], [11]);
  // default rq: 11·385 / 65536 = 0.06 -> 0
  t.same([...runGolden('linear_qk', { S: 1, E: 2, P: 1, H: 1, rq: [[385, 16]] }, x)], [0]);
});

t.test('linear_qk [H,S,P] vs linear_v [H,P,S]: S=2 E=2 P=2 H=1, W = identity', async (t) => {
  // I = [[1,2],[3,4]]; W = [[1,0],[0,1]] so proj[s,p] = I[s,p]
  const x = [i8(1, 2, 3, 4), i8(1, 0, 0, 1), i16(0, 0)];
  const s = { S: 2, E: 2, P: 2, H: 1, rq: [R1] };
  t.same([...runGolden('linear_qk', s, x)], [1, 2, 3, 4]); // O[0,s,p]
  t.same([...runGolden('linear_v', s, x)], [1, 3, 2, 4]);  // O[0,p,s]
});

t.test('linear_qk head-major: S=2 E=2 P=1 H=2', async (t) => {
  // W rows: h0 -> [1,0], h1 -> [0,1]; B = [0,100]
  // h0: s0 1, s1 3;  h1: s0 2+100, s1 4+100
  const x = [i8(1, 2, 3, 4), i8(1, 0, 0, 1), i16(0, 100)];
  t.same([...runGolden('linear_qk', { S: 2, E: 2, P: 1, H: 2, rq: [R1] }, x)], [1, 3, 102, 104]);
});

t.test('linear_qk saturation and rounding: 127·127·2 + 1000 = 33258', async (t) => {
  const x = [i8(127, 127), i8(127, 127), i16(1000)];
  const s = { S: 1, E: 2, P: 1, H: 1 };
  t.same([...runGolden('linear_qk', { ...s, rq: [[385, 16]] }, x)], [127]); // 195.4 -> 127
  t.same([...runGolden('linear_qk', { ...s, rq: [[1, 9]] }, x)], [64]);     // 64.96 -> 64
  t.same([...runGolden('linear_qk', { ...s, rq: [[-1, 9]] }, x)], [-65]);   // -64.96 -> -65
});

t.test('linear_o: S=1 H=1 P=2 E=2', async (t) => {
  // I = [2,-3]; W[E,H·P] = [[1,1],[2,-1]]; B = [5,-5]
  // e0: 2 - 3 + 5 = 4;  e1: 4 + 3 - 5 = 2
  const x = [i8(2, -3), i8(1, 1, 2, -1), i16(5, -5)];
  t.same([...runGolden('linear_o', { S: 1, E: 2, P: 2, H: 1, rq: [R1] }, x)], [4, 2]);
});

t.test('qk_softmax: S=2 H=2 P=1, output interleaved [S,H,S]', async (t) => {
  // Q[h,s]: h0 [1,2], h1 [0,0];  K[h,t]: h0 [3,-1], h1 [5,5]
  // h0 s0 scores [3,-1]: xt [0,-4] -> y [73,33], sum 106 -> [175, 79]
  // h0 s1 scores [6,-2]: xt [0,-8] -> y [73,20], sum 93 -> [18615/93 = 200.2, 5100/93 = 54.8] -> [200, 54]
  // h1 scores all 0 -> [127,127]
  // A row s·H+h: s0h0, s0h1, s1h0, s1h1
  const x = [i8(1, 2, 0, 0), i8(3, -1, 5, 5)];
  for (const split of ['heads', 'rows'] as const) {
    const A = runGolden('qk_softmax', { S: 2, E: 1, P: 1, H: 2, split, rq: [R1] }, x);
    t.ok(A instanceof Uint8Array);
    t.same([...A], [175, 79, 127, 127, 200, 54, 127, 127], split);
  }
});

t.test('av: S=2 H=1 P=1 and S=1 H=2 P=1', async (t) => {
  // A = [[10,20],[255,0]], V[0,0,:] = [3,-4]: s0 30 - 80 = -50; s1 765 -> 127
  const x = [u8(10, 20, 255, 0), i8(3, -4)];
  t.same([...runGolden('av', { S: 2, E: 1, P: 1, H: 1, rq: [R1] }, x)], [-50, 127]);
  // (1,2): -50/4 = -12.5 -> -13; 765/4 = 191.25 -> 127
  t.same([...runGolden('av', { S: 2, E: 1, P: 1, H: 1, rq: [[1, 2]] }, x)], [-13, 127]);
  // S=1 H=2: A[0,h,0] = [2,3], V[h,0,0] = [5,-7] -> O[0, h·P+p] = [10, -21]
  t.same([...runGolden('av', { S: 1, E: 1, P: 1, H: 2, split: 'rows', rq: [R1] }, [u8(2, 3), i8(5, -7)])], [10, -21]);
});

t.test('fwsa: S=2 E=1 H=1', async (t) => {
  // I = [2,-3], W = [4], B = [1]: I* = [2·4+1, -3·4+1] = [9, -11]
  // rq1 (1,3): s0 scores [18/8, -27/8] = [2.25, -3.375] -> [2, -4]; xt [0,-6] -> y [73, 30] sum 103
  //   -> [18615/103 = 180.7, 7650/103 = 74.3] = [180, 74]
  // s1 scores [-22/8, 33/8] -> [-3, 4]; xt [-7, 0] -> y [24, 73] sum 97 -> [6120/97 = 63.1, 18615/97 = 191.9]
  const A = runGolden('fwsa', { S: 2, E: 1, P: 1, H: 1, rq: [R1, [1, 3]] }, [i8(2, -3), i8(4), i16(1)]);
  t.ok(A instanceof Uint8Array);
  t.same([...A], [180, 74, 63, 191]);
});

t.test('fwsa reads W[h,e,f] as I*[s,e] = Σ_f I[s,f]·W[h,e,f]: S=2 E=2 H=1', async (t) => {
  // I = [[1,2],[0,1]], W = [[1,0],[3,0]], B = 0
  // I*[0] = [1·1 + 2·0, 1·3 + 2·0] = [1,3];  I*[1] = [0, 0]
  // s0 scores: t0 = 1·1 + 3·2 = 7, t1 = 1·0 + 3·1 = 3 -> xt [0,-4] -> [175, 79]
  //   (the transposed reading would give I*[0] = [7,0], scores [7,0] -> [191, 63])
  // s1 scores [0,0] -> [127,127]
  const A = runGolden('fwsa', { S: 2, E: 2, P: 1, H: 1, rq: [R1, R1] }, [i8(1, 2, 0, 1), i8(1, 0, 3, 0), i16(0, 0)]);
  t.same([...A], [175, 79, 127, 127]);
});

t.test('fwsa head-major [H,S,S]: S=1 H=2', async (t) => {
  // S=1: every row softmaxes a single score -> 255 for each head
  const A = runGolden('fwsa', { S: 1, E: 1, P: 1, H: 2, rq: [R1, R1] }, [i8(5), i8(1, -1), i16(0, 0)]);
  t.same([...A], [255, 255]);
});

// One MHSA worked through: S=2 E=1 P=1 H=1, rq (1,0) except M2 (1,4).
//   I = [2,-1]
//   Q = Wq·I + Bq = 1·I + 0 = [2,-1];  K = 3·I + 1 = [7,-2];  V = 2·I + 0 = [4,-2]
//   s0 scores Q0·K = [14,-4]: xt [0,-18]: z 3, p -3 -> 40/8 = 5; y [73,5], sum 78
//      -> [18615/78 = 238.7, 1275/78 = 16.3] = [238, 16]
//   s1 scores [-7, 2]: xt [-9, 0]: z 1, p -4 -> 33/2 = 16; y [16,73], sum 89
//      -> [4080/89 = 45.8, 18615/89 = 209.2] = [45, 209]
//   M (1,4): s0 (238·4 + 16·-2)/16 = 920/16 = 57.5 -> 57; s1 (45·4 + 209·-2)/16 = -238/16 = -14.9 -> -15
//   O = Wo·M + Bo = 2·M + 3 = [117, -27]
const mhsaIn = [i8(2, -1), i8(1), i16(0), i8(3), i16(1), i8(2), i16(0), i8(2), i16(3)];
const mhsaRq: Array<[number, number]> = [R1, R1, R1, R1, [1, 4], R1];

t.test('mhsa by hand', async (t) => {
  t.same([...runGolden('mhsa', { S: 2, E: 1, P: 1, H: 1, rq: mhsaRq }, mhsaIn)], [117, -27]);
});

t.test('mhsa_dft by hand, T = 1 and T = 2', async (t) => {
  for (const T of [1, 2]) {
    t.same([...runGolden('mhsa_dft', { S: 2, E: 1, P: 1, H: 1, T, rq: mhsaRq }, mhsaIn)], [117, -27], `T=${T}`);
  }
});

t.test('mhsa_fwsa by hand', async (t) => {
  // Wf = 3, Bf = 0: I* = [6,-3]; s0 scores 6·[2,-1] = [12,-6] (xt [0,-18]) -> [238, 16]
  // s1 scores -3·[2,-1] = [-6, 3] (xt [-9, 0]) -> [45, 209]: the same map as the mhsa above,
  // V = 2·I = [4,-2], M (1,4) = [57, -15], O = 2·M + 3 = [117, -27]
  const x = [i8(2, -1), i8(3), i16(0), i8(2), i16(0), i8(2), i16(3)];
  t.same([...runGolden('mhsa_fwsa', { S: 2, E: 1, P: 1, H: 1, rq: [R1, R1, R1, [1, 4], R1] }, x)], [117, -27]);
});

t.test('mhsa: S=1 E=2 P=1 H=1', async (t) => {
  // I = [3,-2]; Q = [1,1]·I = 1; K = [2,0]·I = 6; V = [1,-1]·I + 4 = 9
  // one score -> softmax 255; M (1,8): 255·9 = 2295 / 256 = 8.96 -> 8
  // O = Wo·M + Bo = [2·8 + 1, -3·8 + 0] = [17, -24]
  const x = [i8(3, -2), i8(1, 1), i16(0), i8(2, 0), i16(0), i8(1, -1), i16(4), i8(2, -3), i16(1, 0)];
  const rqs: Array<[number, number]> = [R1, R1, R1, R1, [1, 8], R1];
  t.same([...runGolden('mhsa', { S: 1, E: 2, P: 1, H: 1, rq: rqs }, x)], [17, -24]);
  t.same([...runGolden('mhsa_dft', { S: 1, E: 2, P: 1, H: 1, T: 1, rq: rqs }, x)], [17, -24]);
});

t.test('add: rescale each side, sum, clamp once', async (t) => {
  const s = { S: 1, E: 3, P: 1, H: 1 };
  // default (1,0),(1,0): [200 -> 127, -200 -> -128, 5 - 7 = -2]
  t.same([...runGolden('add', { ...s, rq: [R1, R1] }, [i8(100, -100, 5), i8(100, -100, -7)])], [127, -128, -2]);
  // (1,1) and (3,2): floor(-3/2) = -2, floor(-9/4) = -3 -> -5;  floor(3/2) = 1, floor(9/4) = 2 -> 3
  t.same([...runGolden('add', { ...s, rq: [[1, 1], [3, 2]] }, [i8(-3, 3, 0), i8(-3, 3, 0)])], [-5, 3, 0]);
  // no clamp before the sum: 127·2 + 127·-2 = 0 (clamping each side first would give 127 - 128 = -1)
  t.same([...runGolden('add', { ...s, rq: [[2, 0], [-2, 0]] }, [i8(127, 127, 127), i8(127, 127, 127)])], [0, 0, 0]);
});
