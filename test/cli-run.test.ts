// The CLI end to end on the host board: the table, the exit codes, the .npy dump checked
// by an independent Python implementation of docs/kernels.md (tools/check_dump.py).
import t from 'tap';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'run-hil.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 120000 });
const fixture = path.join(root, 'test', 'fixtures', 'small.yml');

t.test('a config on the host board: every point bit-exact, dumps check out independently', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-dump-'));
  const json = path.join(dir, 'out.json');
  const r = cli('--board', 'host', '--config', fixture, '--dump-dir', dir, '--json', json, '--quiet');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /13 of 13 points bit-exact/);
  t.match(r.stdout, /counter \[ns \(host\)\]/);
  t.match(r.stderr, /notice: projQK: platform gvsoc \(the GAP9 simulator\) is not available/);
  const res = JSON.parse(fs.readFileSync(json, 'utf8'));
  t.equal(res.results.length, 13);
  t.equal(res.board.name, 'host');
  const points = fs.readdirSync(dir).filter((d) => d !== 'out.json').sort();
  t.same(points, ['add_S5_E7_P3_H2', 'dft_S5_E7_P3_H2_T2', 'fwa_S5_E7_P3_H2', 'gelu_S5_E7_P3_H2', 'ln_S5_E7_P3_H2', 'm1_S5_E7_P3_H2', 'm2_S5_E7_P3_H2', 'mhsa_S5_E7_P3_H2', 'mhsafwa_S5_E7_P3_H2', 'projO_S5_E7_P3_H2', 'projQK_S5_E7_P3_H2', 'projV_S5_E7_P3_H2', 'sm_S5_E7_P3_H2']);
  const params = JSON.parse(fs.readFileSync(path.join(dir, 'mhsa_S5_E7_P3_H2', 'params.json'), 'utf8'));
  t.same(params.inputs.map((i: { file: string }) => i.file), ['input_I.npy', 'input_Wq.npy', 'input_Bq.npy', 'input_Wk.npy', 'input_Bk.npy', 'input_Wv.npy', 'input_Bv.npy', 'input_Wo.npy', 'input_Bo.npy']);
  t.same(params.rq.length, 6);
  t.equal(params.seed, 5);
  const py = spawnSync('python3', [path.join(root, 'tools', 'check_dump.py'), ...points.map((p) => path.join(dir, p))], { encoding: 'utf8' });
  if (py.error) t.skip(`python3 not available: ${py.error.message}`);
  else {
    t.equal(py.status, 0, py.stdout + py.stderr);
    t.equal(py.stdout.trim().split('\n').filter((l) => l.endsWith('values)')).length, 13, 'all 13 dumps agree with the independent model');
  }
});

const errors: Array<[string, string[], RegExp]> = [
  ['missing config file', ['--board', 'host', '--config', '/nonexistent.yml'], /^error: \/nonexistent\.yml: file: cannot read \(ENOENT\)$/m],
  ['bad --cores', ['--board', 'host', '--config', fixture, '--cores', '12'], /^error: --cores 12: expected an integer in 1\.\.8$/m],
  ['port for host', ['--board', 'host', '--port', '/dev/ttyX', '--config', fixture], /^error: --port \/dev\/ttyX: the host board runs in-process and takes no port$/m],
  ['unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
];
for (const [what, args, re] of errors) {
  t.test(`CLI error: ${what}`, async (t) => {
    const r = cli(...args);
    t.not(r.status, 0);
    t.match(r.stderr, re);
  });
}
