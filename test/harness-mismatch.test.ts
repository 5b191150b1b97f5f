// A board that returns a wrong byte is caught: the point is ✗, the message names the kernel,
// the shape and the first differing element by tensor coordinates; other points still run.
import t from 'tap';
import type { Board, RunRequest, RunResult } from '../src/board/types';
import { HostBoard } from '../src/board/host';
import { runSweep } from '../src/harness/sweep';
import { formatTable } from '../src/harness/table';
import type { TestPoint } from '../src/harness/points';
import { KERNELS } from '../src/golden';

class FlakyBoard implements Board {
  private inner = new HostBoard();
  readonly info = { ...this.inner.info, name: 'flaky' };
  constructor(private readonly flip: (req: RunRequest) => number | 'throw' | null) {}
  async run(req: RunRequest): Promise<RunResult> {
    const f = this.flip(req);
    if (f === 'throw') throw new Error('link lost');
    const r = await this.inner.run(req);
    if (f !== null) r.output[f] ^= 0x01;
    return r;
  }
  async close(): Promise<void> {}
}

const point = (kernel: string, shape = { S: 3, E: 4, P: 2, H: 2, T: 3 }): TestPoint =>
  ({ test: kernel, kernel, split: 'heads', shape, cores: 1, seed: 9, rq: KERNELS[kernel].defaultRq, consts: KERNELS[kernel].defaultConsts ?? [] });

t.test('a flipped byte is reported by coordinates; a failing run is an error; the sweep goes on', async (t) => {
  // linear_qk O[H,S,P]: flat 7 = h*S*P + s*P + p with S=3, P=2 -> h=1, s=0, p=1.
  // av O[S,H*P]: flat 5 = s*H*P + h*P + p with H=2, P=2 -> s=1, h=0, p=1.
  const board = new FlakyBoard((req) => (req.kernel === 'linear_qk' ? 7 : req.kernel === 'av' ? 5 : req.kernel === 'softmax' ? 'throw' : null));
  const results = await runSweep(board, [point('linear_qk'), point('av'), point('softmax'), point('gelu')]);
  t.same(results.map((r) => r.bitExact), [false, false, false, true]);
  t.match(results[0].mismatch, /^linear_qk S=3 E=4 P=2 H=2: .*O\[h=1,s=0,p=1\]: got -?\d+, want -?\d+/);
  t.match(results[1].mismatch, /^av S=3 E=4 P=2 H=2: .*O\[s=1,h=0,p=1\]: got -?\d+, want -?\d+/);
  t.equal(results[2].error, 'link lost');
  const table = formatTable(results);
  t.match(table, /1 of 4 points bit-exact/);
  t.match(table, /✗ linear_qk \(linear_qk\) S=3 E=4 P=2 H=2: linear_qk S=3 E=4 P=2 H=2: /);
  t.match(table, /✗ softmax \(softmax\) S=3 E=4 P=2 H=2: link lost/);
});
