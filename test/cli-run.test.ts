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
  t.match(r.stdout, /14 of 14 points bit-exact/);
  t.match(r.stdout, /counter \[ns \(host\)\]/);
  t.match(r.stderr, /notice: projQK: platform gvsoc \(the GAP9 simulator\) is not available/);
  const res = JSON.parse(fs.readFileSync(json, 'utf8'));
  t.equal(res.results.length, 14);
  t.equal(res.boards[0].name, 'host');
  const points = fs.readdirSync(dir).filter((d) => d !== 'out.json').sort();
  t.same(points, ['add_S5_E7_P3_H2', 'dft_S5_E7_P3_H2_T2', 'fwa_S5_E7_P3_H2', 'gelu_S5_E7_P3_H2', 'lin_S5_E7_P3_H2', 'ln_S5_E7_P3_H2', 'm1_S5_E7_P3_H2', 'm2_S5_E7_P3_H2', 'mhsa_S5_E7_P3_H2', 'mhsafwa_S5_E7_P3_H2', 'projO_S5_E7_P3_H2', 'projQK_S5_E7_P3_H2', 'projV_S5_E7_P3_H2', 'sm_S5_E7_P3_H2']);
  const params = JSON.parse(fs.readFileSync(path.join(dir, 'mhsa_S5_E7_P3_H2', 'params.json'), 'utf8'));
  t.same(params.inputs.map((i: { file: string }) => i.file), ['input_I.npy', 'input_Wq.npy', 'input_Bq.npy', 'input_Wk.npy', 'input_Bk.npy', 'input_Wv.npy', 'input_Bv.npy', 'input_Wo.npy', 'input_Bo.npy']);
  t.same(params.rq.length, 6);
  t.equal(params.seed, 5);
  const py = spawnSync('python3', [path.join(root, 'tools', 'check_dump.py'), ...points.map((p) => path.join(dir, p))], { encoding: 'utf8' });
  if (py.error) t.skip(`python3 not available: ${py.error.message}`);
  else {
    t.equal(py.status, 0, py.stdout + py.stderr);
    t.equal(py.stdout.trim().split('\n').filter((l) => l.endsWith('values)')).length, 14, 'all 14 dumps agree with the independent model');
  }
});

const errors: Array<[string, string[], RegExp]> = [
  ['missing config file', ['--board', 'host', '--config', '/nonexistent.yml'], /^error: \/nonexistent\.yml: file: cannot read \(ENOENT\)$/m],
  ['bad --cores', ['--board', 'host', '--config', fixture, '--cores', '12'], /^error: --cores 12: expected an integer in 1\.\.8$/m],
  ['port for host', ['--board', 'host', '--port', '/dev/ttyX', '--config', fixture], /^error: --port \/dev\/ttyX: the host board runs in-process and takes no port$/m],
  ['unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
  // The board is already open when the energy source fails: it must be closed and the CLI must exit.
  ['energy source after the board', ['--board', 'host-sim', '--energy', 'model:board=nosuch', '--config', fixture], /^error: model: no power-table row "nosuch"; rows: stm32h7, stm32l4, gap9, host, host-sim$/m],
];
for (const [what, args, re] of errors) {
  t.test(`CLI error: ${what}`, async (t) => {
    const r = cli(...args);
    t.not(r.status, 0);
    t.match(r.stderr, re);
  });
}

t.test('two host-sim boards, energy model, results file, resume, report', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-multi-'));
  const results = path.join(dir, 'r.jsonl');
  const r = cli('--board', 'host-sim', '--board', 'host-sim', '--energy', 'model:board=host-sim', '--results', results, '--config', fixture, '--quiet');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /14 of 14 points bit-exact/);
  const lines = fs.readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 14);
  t.ok(lines.every((l) => l.board === 'host-sim' && l.bitExact === true && l.energy?.estimate === true && l.energy.perInferenceUj > 0));
  // A torn last line (a crash mid-write) is ignored with a warning; the rest resumes.
  fs.appendFileSync(results, '{"board":"host-sim","kern');
  const again = cli('--board', 'host-sim', '--resume', results, '--config', fixture, '--quiet');
  t.equal(again.status, 0, again.stderr);
  t.match(again.stderr, /warning: .*r\.jsonl:15: ignoring a torn last line/);
  t.match(again.stderr, /resume: 14 of 14 points already in .*r\.jsonl, skipped/);
  t.match(again.stdout, /0 of 0 points bit-exact/);
  const md = cli('report', results);
  t.equal(md.status, 0, md.stderr);
  t.match(md.stdout, /\| projQK \| host-sim \| linear_qk \| 5 \| 7 \| 3 \| 2 \|/);
  const html = path.join(dir, 'r.html');
  const h = cli('report', results, '--format', 'html', '-o', html);
  t.equal(h.status, 0, h.stderr);
  const page = fs.readFileSync(html, 'utf8');
  t.match(page, /<svg/);
  t.notMatch(page, /https?:\/\/(?!www\.w3\.org)/, 'self-contained: no external URLs');
});

t.test('CLI error: boards file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-boards-'));
  const f = path.join(dir, 'boards.yml');
  fs.writeFileSync(f, '- name: host-sim\n- port: /dev/ttyACM0\n');
  const r = cli('--boards', f, '--config', fixture);
  t.equal(r.status, 2);
  t.match(r.stderr, /^error: .*boards\.yml:2:3: boards\[1\]\.name: expected a board name \(host-sim, qemu-m4, stm32h7, \.\.\.\), found nothing$/m);
  fs.writeFileSync(f, 'boards:\n  - name: host-sim\n    port: 7\n');
  const r2 = cli('--boards', f, '--config', fixture);
  t.equal(r2.status, 2);
  t.match(r2.stderr, /^error: .*boards\.yml:3:11: boards\[0\]\.port: expected a string, found 7$/m);
  fs.writeFileSync(f, '- kind: 5\n');
  const r3 = cli('--boards', f, '--config', fixture);
  t.equal(r3.status, 2);
  t.match(r3.stderr, /^error: .*boards\.yml:1:9: boards\[0\]\.kind: expected a board name \(host-sim, qemu-m4, stm32h7, \.\.\.\), found 5$/m);
  fs.writeFileSync(f, 'boards: []\n');
  const r4 = cli('--boards', f, '--config', fixture);
  t.equal(r4.status, 2);
  t.match(r4.stderr, /^error: .*boards\.yml:1:9: boards: expected a list of boards \(\{ name, port\?, energy\? \}\) or a mapping with boards:, found \[\]$/m);
});
