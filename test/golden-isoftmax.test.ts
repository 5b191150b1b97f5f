// Integer softmax rows worked by hand, and kernel 6 `softmax` on a small X[S,E].
import t from 'tap';
import { runGolden } from '../src/golden';
import { iexp, isoftmaxRow } from '../src/golden/softmax';

const row = (x: number[]) => {
  const out = new Uint8Array(x.length);
  isoftmaxRow(Int8Array.from(x), 0, x.length, out, 0);
  return [...out];
};

t.test('iexp: z = floor(-xt/5), p = xt + 5z, y = floor(((p+7)^2 + 24) / 2^z)', async (t) => {
  t.equal(iexp(0), 73);    // z 0, p 0: 49 + 24
  t.equal(iexp(-3), 40);   // z 0, p -3: 16 + 24
  t.equal(iexp(-4), 33);   // z 0, p -4: 9 + 24
  t.equal(iexp(-5), 36);   // z 1, p 0: 73 / 2 = 36.5 -> 36
  t.equal(iexp(-7), 24);   // z 1, p -2: (25 + 24) / 2 = 24.5 -> 24
  t.equal(iexp(-8), 20);   // z 1, p -3: 40 / 2
  t.equal(iexp(-10), 18);  // z 2, p 0: 73 / 4 = 18.25
  t.equal(iexp(-18), 5);   // z 3, p -3: 40 / 8
  t.equal(iexp(-34), 0);   // z 6, p -4: 33 / 64 -> 0
  t.equal(iexp(-30), 1);   // z 6, p 0: 73 / 64 -> 1
  t.equal(iexp(-155), 0);  // z 31: 73 / 2^31 -> 0
  t.equal(iexp(-160), 0);  // z 32 > 31: 0 by definition (C must not shift by 32)
  t.equal(iexp(-255), 0);  // z 51
});

t.test('isoftmax rows', async (t) => {
  // [0,0]: y = [73,73], sum 146, 73·255/146 = 127.5 -> 127
  t.same(row([0, 0]), [127, 127]);
  // [0,-5]: y = [73, 36], sum 109; 18615/109 = 170.8 -> 170; 9180/109 = 84.2 -> 84
  t.same(row([0, -5]), [170, 84]);
  // [10,0,-40]: xt = [0,-10,-50]; y = [73, 18, 73>>10 = 0], sum 91; 18615/91 = 204.6; 4590/91 = 50.4
  t.same(row([10, 0, -40]), [204, 50, 0]);
  // [0,-7,-4]: y = [73, 24, 33], sum 130; 18615/130 = 143.2; 6120/130 = 47.1; 8415/130 = 64.7
  t.same(row([0, -7, -4]), [143, 47, 64]);
  // z > 31: [100,-100,-70]: xt = [0,-200,-170], z = [0,40,34] -> y = [73,0,0], sum 73 -> [255,0,0]
  t.same(row([100, -100, -70]), [255, 0, 0]);
  // extreme int8 spread: [127,-128]: xt -255, z 51 -> [255, 0]
  t.same(row([127, -128]), [255, 0]);
  // all equal and negative: [-128,-128,-128]: y = 73 each, sum 219, 18615/219 = 85
  t.same(row([-128, -128, -128]), [85, 85, 85]);
  // single element: 73·255/73 = 255
  t.same(row([-42]), [255]);
  // the max need not be first: [-4, 0]: y = [33, 73], sum 106; 8415/106 = 79.4; 18615/106 = 175.6
  t.same(row([-4, 0]), [79, 175]);
});

t.test('isoftmax reads and writes at offsets', async (t) => {
  const x = Int8Array.from([99, 0, -5, 99]);
  const out = new Uint8Array(5).fill(7);
  isoftmaxRow(x, 1, 2, out, 2);
  t.same([...out], [7, 7, 170, 84, 7]);
});

t.test('softmax kernel: Y[s,:] = isoftmax(X[s,:])', async (t) => {
  const X = Int8Array.from([10, 0, -40, 0, -7, -4]); // S=2, E=3, rows worked above
  const Y = runGolden('softmax', { S: 2, E: 3, P: 1, H: 1, rq: [] }, [X]);
  t.ok(Y instanceof Uint8Array);
  t.same([...Y], [204, 50, 0, 143, 47, 64]);
});
