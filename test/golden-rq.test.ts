// rq requantisation: floor (not truncation) on negatives, saturation, exactness past 2^53, rq checks.
import t from 'tap';
import { throwsExact } from './lib/exact';
import { checkRq, clampU8, floorDiv, rq, rqBig, scaleFloor } from '../src/golden/rq';

t.test('rq floors toward -infinity (385/2^16 is 0.00587...)', async (t) => {
  // -1·385 = -385; -385 / 65536 = -0.0059 -> floor -1 (an arithmetic shift right, not truncation to 0)
  t.equal(rq(-1, 385, 16), -1);
  // 1·385 / 65536 = 0.0059 -> 0
  t.equal(rq(1, 385, 16), 0);
  t.equal(rq(0, 385, 16), 0);
  // 170·385 = 65450 < 65536 -> 0;  171·385 = 65835 -> 1.0046 -> 1
  t.equal(rq(170, 385, 16), 0);
  t.equal(rq(171, 385, 16), 1);
  // -170·385 = -65450 -> -0.9987 -> -1;  -171·385 = -65835 -> -1.0046 -> -2
  t.equal(rq(-170, 385, 16), -1);
  t.equal(rq(-171, 385, 16), -2);
  // exact multiples stay exact: -512·1/2^2 = -128
  t.equal(rq(-512, 1, 2), -128);
  // div 0 with a negative mul: -(x)
  t.equal(rq(5, -1, 0), -5);
  t.equal(rq(-7, 1, 1), -4); // -3.5 -> -4
  t.equal(rq(7, 1, 1), 3);
});

t.test('rq saturates at 127 and -128', async (t) => {
  // 30000·385 / 65536 = 176.2 -> 127;  -30000 -> -176.2 -> -177 -> -128
  t.equal(rq(30000, 385, 16), 127);
  t.equal(rq(-30000, 385, 16), -128);
  // the edges themselves: 127 and -128 pass through with mul 1, div 0; 128 and -129 clamp
  t.equal(rq(127, 1, 0), 127);
  t.equal(rq(128, 1, 0), 127);
  t.equal(rq(-128, 1, 0), -128);
  t.equal(rq(-129, 1, 0), -128);
  // 255·1/2 = 127.5 -> 127;  256/2 = 128 -> 127;  -257/2 = -128.5 -> -129 -> -128
  t.equal(rq(255, 1, 1), 127);
  t.equal(rq(256, 1, 1), 127);
  t.equal(rq(-257, 1, 1), -128);
});

t.test('rq of products beyond 2^53 (int32 accumulator times int32 mul)', async (t) => {
  const big = 2 ** 31 - 1;
  // (2^31-1)^2 / 2^31 ≈ 2^31: saturates, both signs
  t.equal(rq(big, big, 31), 127);
  t.equal(rq(-big, big, 31), -128);
  t.equal(rq(big, -(2 ** 31), 31), -128);
  t.equal(rq(-(2 ** 31), -(2 ** 31), 0), 127);
  // agrees with the bigint definition on a sweep around the clamp edges with div 31
  for (const x of [-(2 ** 31), -(2 ** 30) - 1, -3, -1, 0, 1, 2 ** 22, 2 ** 31 - 1]) {
    for (const mul of [-(2 ** 31), -12345, -1, 1, 385, 2 ** 31 - 1]) {
      for (const div of [0, 1, 16, 31]) {
        t.equal(rq(x, mul, div), rqBig(BigInt(x), mul, div), `x=${x} mul=${mul} div=${div}`);
      }
    }
  }
  // a product just below 2^53 where the float path must be exact:
  // x = 2^22 + 1, mul = 2^30 - 1, div = 31 -> floor((2^52 + 2^30 - 2^22 - 1) / 2^31) = 2^21 + ... -> 127
  t.equal(rq(2 ** 22 + 1, 2 ** 30 - 1, 31), 127);
  // x = -(2^23), mul = 2^29, div = 31 -> -(2^52)/2^31 = -2^21 -> -128
  t.equal(rq(-(2 ** 23), 2 ** 29, 31), -128);
  // an in-range result from a large product: (2^40 + 2^31·5 + 1)/2^31... use 64-bit exact:
  // x = 1_000_000_007, mul = 1000, div = 31: 1.000000007e12 / 2147483648 = 465.66 -> 127
  t.equal(rq(1_000_000_007, 1000, 31), 127);
  // x = 300_000_000, mul = 1, div = 22: 300000000 / 4194304 = 71.5 -> 71
  t.equal(rq(300_000_000, 1, 22), 71);
  t.equal(rq(-300_000_000, 1, 22), -72);
});

t.test('floorDiv is exact floor for mixed signs', async (t) => {
  t.equal(floorDiv(7, 2), 3);
  t.equal(floorDiv(-7, 2), -4);
  t.equal(floorDiv(-6, 2), -3);
  t.equal(floorDiv(0, 5), 0);
  t.equal(floorDiv(-1, 5), -1);
  // near 2^53 the float quotient rounds up; the remainder check brings it back
  const b = 3;
  const a = 2 ** 52 + 2; // 4503599627370498 = 3·1501199875790166 -> exact
  t.equal(floorDiv(a, b), 1501199875790166);
  t.equal(floorDiv(a - 1, b), 1501199875790165);
  t.equal(floorDiv(2 ** 53 - 1, 2 ** 27 + 1), Number((2n ** 53n - 1n) / (2n ** 27n + 1n)));
});

t.test('scaleFloor and clampU8', async (t) => {
  t.equal(scaleFloor(-3, 1, 1), -2);
  t.equal(scaleFloor(-3, 3, 2), -3); // -9/4 = -2.25 -> -3
  t.equal(scaleFloor(127, 2 ** 31 - 1, 0), 127 * (2 ** 31 - 1));
  t.equal(clampU8(-1), 0);
  t.equal(clampU8(256), 255);
  t.equal(clampU8(73), 73);
});

t.test('checkRq names the field, the value and the limit (the one form of src/validate/kernelArgs.ts)', async (t) => {
  t.same(checkRq('linear_qk', 0, [385, 16]), [385, 16]);
  t.same(checkRq('linear_qk', 0, [-(2 ** 31), 31]), [-(2 ** 31), 31]);
  throwsExact(t, () => checkRq('linear_qk', 0, [385, 32]), 'golden linear_qk: rq[0][1]: expected a div in 0..31, found 32');
  throwsExact(t, () => checkRq('mhsa', 3, [385, -1]), 'golden mhsa: rq[3][1]: expected a div in 0..31, found -1');
  throwsExact(t, () => checkRq('av', 0, [2 ** 31, 1]), 'golden av: rq[0][0]: expected a mul (int32), found 2147483648');
  throwsExact(t, () => checkRq('av', 0, [1.5, 1]), 'golden av: rq[0][0]: expected a mul (int32), found 1.5');
  throwsExact(t, () => checkRq('av', 1, [1]), 'golden av: rq[1]: expected a [mul, div] pair of integers, found [1]');
});
