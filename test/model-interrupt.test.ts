// Ctrl-C during `run-hil.js model`: the layer in flight is aborted (ABORT), the completed layers are
// printed and appended to --results, and the exit status is 130.
import t from 'tap';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostSimUnavailable } from '../src/board/hostsim';

const root = path.resolve(__dirname, '..');

t.test('SIGINT during a block on host-sim', async (t) => {
  if (hostSimUnavailable()) return t.skip(`host-sim not built: ${hostSimUnavailable()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-mint-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const results = path.join(dir, 'r.jsonl');
  // repeat 20000: the whole block takes tens of seconds, so the interrupt lands mid-block.
  const child = spawn(process.execPath, [path.join(root, 'run-hil.js'), 'model', 'examples/models/eeg-full.yml',
    '--board', 'host-sim', '--repeat', '20000', '--results', results], { cwd: root });
  let out = '';
  let err = '';
  let sentAt = 0;
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    if (!sentAt && /^layer 2\/13 /m.test(err)) {
      sentAt = Date.now();
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const after = Date.now() - sentAt;
  t.ok(sentAt > 0, 'interrupted after the second layer');
  t.equal(code, 130, 'exit status 130: interrupted');
  t.match(err, /interrupted: aborting the layer in flight/);
  // The layer in flight stops within a second of ABORT; the rest is the process closing the board.
  t.ok(after < 10000, `exited ${after} ms after SIGINT`);
  const m = /interrupted after (\d+) of 13 layers: (?:stopped before layer \w+|layer \w+ \(\w+\) aborted after \d+ of 20000 repeats); (\d+) of (\d+) completed layers bit-exact/.exec(out);
  t.ok(m, `the table says where it stopped:\n${out}`);
  const done = Number(m![1]);
  t.ok(done >= 2 && done < 13, `${done} layers completed`);
  t.same([Number(m![2]), Number(m![3])], [done, done], 'every completed layer bit-exact');
  t.equal(out.split('\n').filter((l) => /^\s*\d+\s+\S+\s+\S+\s+.*✓/.test(l)).length, done, 'one table row per completed layer');
  const recs = fs.readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.equal(recs.length, done, 'one record per completed layer');
  t.same(recs.map((r) => r.model.index), [...Array(done).keys()], 'the records are the first layers, in order');
  t.ok(recs.every((r) => r.model.nodes === 13 && r.bitExact), 'records name the whole block size');
});
