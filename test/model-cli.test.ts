// `run-hil.js model` end to end on the host board: the per-layer table and block total, exit codes,
// --json / --results / --dump-dir (the dump recomputed by tools/check_dump.py), bad files and blocks too large.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { qemuUnavailable } from '../src/board/qemu';

const root = path.resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'run-hil.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 180000 });
const ex = (f: string) => path.join('examples', 'models', f);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-model-cli-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

t.test('the per-layer table, block total, JSON, results and a dump the Python model recomputes', async (t) => {
  const json = path.join(dir, 'r.json');
  const results = path.join(dir, 'r.jsonl');
  const r = cli('model', ex('radar-full.yml'), '--board', 'host', '--json', json, '--results', results, '--dump-dir', dir, '--energy', 'model', '-q');
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines[0], `model radar-full (${ex('radar-full.yml')}) on host, 1 core(s), layer by layer (one RUN per node)`);
  t.match(lines[1], /^ #\s+node\s+kernel\s+shape\s+ok\s+ns\s+share\s+MAC\/ns\s+live bytes$/);
  t.match(lines[2], /^ 0\s+q\s+linear_qk\s+S=32 E=64 P=16 H=4\s+✓\s+[\d,]+\s+\d+\.\d%\s+[\d.]+\s+4,096$/);
  t.match(lines[10], /^ 8\s+ffn1\s+linear\s+S=32 K=64 N=128\s+✓/);
  t.match(lines[15], /^block: [\d,]+ ns \(host\), 1,191,936 MACs \([\d.]+ MAC\/ns\), [\d.]+ .s \(host wall clock\), energy [\d.]+ .J \(estimate\) per block$/);
  t.equal(lines[16], 'memory: weights 34,048 B resident, activation peak 12,288 B live at scores, arena used 46,336 B');
  t.equal(lines[17], '13 of 13 layers bit-exact');
  const j = JSON.parse(fs.readFileSync(json, 'utf8'));
  t.equal(j.nodes.length, 13);
  t.equal(j.bitExact, true);
  t.equal(j.total, j.nodes.reduce((s: number, n: { counter: number }) => s + n.counter, 0));
  t.same(j.outputs, { y: { bytes: 2048 } });
  t.equal(fs.readFileSync(results, 'utf8').trim().split('\n').length, 13);
  const rep = cli('report', results);
  t.equal(rep.status, 0, rep.stderr);
  t.match(rep.stdout, /## Per-layer share of each block\n\nradar-full on host \(layer by layer\)/);
  const py = spawnSync('python3', [path.join(root, 'tools', 'check_dump.py'), path.join(dir, 'radar-full')], { encoding: 'utf8' });
  if (py.error) t.skip(`python3 not available: ${py.error.message}`);
  else {
    t.equal(py.status, 0, py.stdout + py.stderr);
    t.equal(py.stdout.trim().split('\n')[0], `${path.join(dir, 'radar-full')}: block radar-full agrees (13 nodes recomputed, 1 board outputs)`, py.stderr);
  }
});

t.test('--cores on qemu-rv32 starts that many harts: every layer runs on them, bit-exact', { skip: qemuUnavailable('qemu-rv32') ?? false }, async (t) => {
  const r = cli('model', ex('ecg-dft.yml'), '--board', 'qemu-rv32', '--cores', '4', '-q');
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines[0], `model ecg-dft (${ex('ecg-dft.yml')}) on qemu-rv32, 4 core(s), layer by layer (one RUN per node)`);
  t.match(lines[lines.length - 1], /^(\d+) of \1 layers bit-exact$/);
});

t.test('bad input exits 2 with one line naming the file, position and field', async (t) => {
  const bad = path.join(dir, 'bad.yml');
  fs.writeFileSync(bad, 'tensors:\n  x: { shape: [4, 4] }\ninputs: [x]\nnodes:\n  - { kernel: gelux, inputs: [x], output: y }\n');
  const r = cli('model', bad, '--board', 'host');
  t.equal(r.status, 2);
  const errorLine = (stderr: string): string | undefined => stderr.split('\n').find((l) => l.startsWith('error: '));
  t.equal(errorLine(r.stderr), `error: ${bad}:5:15: nodes[0].kernel: expected a kernel of the library (linear_qk, linear_v, linear_o, qk_softmax, av, fwsa, softmax, mhsa, mhsa_fwsa, mhsa_dft, layernorm, gelu, add, linear), found "gelux"`);
  const big = cli('model', ex('eeg-full.yml'), '--board', 'host', '--arena', '106496');
  t.equal(big.status, 2);
  t.match(big.stderr, /^error: eeg-full does not fit host's arena: it needs 160360 bytes \(weights 43072, activations 117288\) but host has 106496: 53864 bytes missing\. The activation peak is at node scores \(qk_softmax\)/m);
  t.equal(big.stdout, '', 'no table: nothing ran');
  const cores = cli('model', ex('ecg-dft.yml'), '--board', 'host', '--cores', '0');
  t.equal(cores.status, 2);
  t.equal(errorLine(cores.stderr), 'error: command line: --cores: expected an integer in 1..8, found "0"');
  const missing = cli('model', path.join(dir, 'nope.yml'), '--board', 'host');
  t.equal(missing.status, 2);
  t.equal(errorLine(missing.stderr), `error: ${path.join(dir, 'nope.yml')}: file: expected a readable model file, found no such file`);
});
