// ✓ means "matches the spec": a bug shared by the host build (addon) and the board build
// (host-sim) — here an off-by-one in layernorm's row sum compiled in by TH_TEST_BROKEN_KERNEL —
// must make the default sweep report ✗ with coordinates, through the TypeScript golden check.
// Also: large points are checked on a sample of rows, and tools/check_dump.py never calls a
// point with missing files "agrees".
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGolden } from '../src/golden';
import { expectedFor, sampleUnits, specExpectation } from '../src/golden/sample';
import { generateInputs } from '../src/gen';

const root = path.resolve(__dirname, '..');

t.test('sampleUnits: first, last and evenly spaced, deterministic', async (t) => {
  t.same(sampleUnits(3), [[0, 1], [1, 2], [2, 3]]);
  t.same(sampleUnits(100).map((u) => u[0]), [0, 14, 28, 42, 57, 71, 85, 99]);
  t.same(sampleUnits(1), [[0, 1]]);
});

t.test('a large point is checked on a sample of rows; the sample equals the full golden there', async (t) => {
  const shape = { S: 64, E: 48, P: 40, H: 3 };
  const p = { ...shape, rq: [[385, 16]] as Array<[number, number]> };
  const inputs = generateInputs('linear_qk', shape, 7) as Array<Int8Array | Int16Array>;
  const full = new Uint8Array(runGolden('linear_qk', p, inputs).buffer);
  const e = specExpectation('linear_qk', p, inputs, 1000); // force sampling
  t.equal(e.mode, 'sampled');
  t.same(e.units, { sampled: 8, of: 3 * 64 });
  const written = e.written!.reduce((a, b) => a + b, 0);
  t.equal(written, 8 * 40, '8 units of P outputs each');
  for (let i = 0; i < full.length; i++) if (e.written![i] && e.values[i] !== full[i]) t.fail(`element ${i}`);
  // A wrong element outside the sample is not seen; one inside is.
  const got = Uint8Array.from(full);
  const firstUnwritten = e.written!.indexOf(0);
  got[firstUnwritten] ^= 1;
  t.same(expectedFor(e, got), got, 'outside the sample the board is taken as is');
  const lastRow = full.length - 1; // unit H*S-1 (the tail) is always sampled
  t.equal(e.written![lastRow], 1, 'the last unit is in the sample');
  const e2 = specExpectation('mhsa', { ...shape, rq: Array(6).fill([385, 16]) }, generateInputs('mhsa', shape, 1) as never, 1000);
  t.equal(e2.mode, 'full', 'multi-stage kernels are checked whole');
});

t.test('check_dump.py: a point with a missing file is unchecked, never agreed', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-unchecked-'));
  fs.mkdirSync(path.join(dir, 'empty'));
  fs.mkdirSync(path.join(dir, 'noout'));
  fs.writeFileSync(path.join(dir, 'noout', 'params.json'), JSON.stringify({ kernel: 'add', inputs: [{ file: 'input_A.npy' }], rq: [], consts: [], shape: {} }));
  const py = spawnSync('python3', [path.join(root, 'tools', 'check_dump.py'), path.join(dir, 'empty'), path.join(dir, 'noout')], { encoding: 'utf8' });
  if (py.error) return t.skip(`python3 not available: ${py.error.message}`);
  t.equal(py.status, 3, 'exit 3: nothing differs, something unchecked');
  t.match(py.stdout, /empty: unchecked \(params\.json is missing\)/);
  t.match(py.stdout, /noout: unchecked \(input_A\.npy is missing\)/);
  t.match(py.stdout, /^0 agree, 0 differ, 2 unchecked$/m);
  t.notMatch(py.stdout, /agrees/);
});

/** The host build with TH_TEST_BROKEN_KERNEL, cached per checkout (incremental on reruns). */
function buildBroken(): { addon: string; hostSim: string } | string {
  const out = path.join(os.tmpdir(), `tinyhil-broken-kernel-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--log-level', 'warn', '--parallel', '2', '--out', out, '--CDTH_TEST_BROKEN_KERNEL=ON'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `cmake-js build failed: ${(r.stderr || r.stdout || String(r.error)).slice(-2000)}`;
  return { addon: path.join(out, 'Release', 'tinyhil.node'), hostSim: path.join(out, 'firmware', 'boards', 'host-sim', 'tinyhil-host-sim') };
}

t.test('a broken host kernel shared by addon and host-sim: the default sweep says ✗ with coordinates', async (t) => {
  const b = buildBroken();
  if (typeof b === 'string') return t.fail(b);
  t.ok(fs.existsSync(b.addon) && fs.existsSync(b.hostSim), 'broken addon and host-sim built');
  const env = { ...process.env, TINYHIL_ADDON: b.addon, TINYHIL_HOST_SIM: b.hostSim };
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'run-hil.js'), '--quiet', ...args], { encoding: 'utf8', cwd: root, env, timeout: 600_000 });

  const r = cli(); // the default sweep on host-sim
  t.equal(r.status, 1, 'exit 1: a mismatch');
  const bad = r.stdout.split('\n').filter((l) => /^\S+\s+\S+\s.*✗/.test(l));
  t.ok(bad.length > 0 && bad.every((l) => /^layerNorm\s+layernorm\s/.test(l)), `only layernorm rows are ✗ (${bad.length})`);
  t.match(r.stdout, /✗ layerNorm \(layernorm\) S=16 E=32 P=16 H=1: host C kernels differ from the TypeScript golden \(spec\): layernorm S=16 E=32 P=16 H=1: first mismatch at Y\[s=\d+,e=\d+\]: got -?\d+, want -?\d+/);
  t.match(r.stdout, /references: board vs host C kernels \(addon\) on 128 point\(s\); host C kernels \(and so the board\) vs TypeScript golden \(spec\) on 128 point\(s\)/);

  // The blind spot --golden addon keeps: the board agrees with the equally broken addon.
  const a = cli('--golden', 'addon');
  t.equal(a.status, 0, 'addon only: the shared bug passes');
  t.match(a.stdout, /128 of 128 points bit-exact/);
  t.match(a.stdout, /128 point\(s\) not checked against the spec: --golden addon/);

  // ts: the board against the spec directly.
  const s = cli('--golden', 'ts', '--config', path.join(root, 'test', 'fixtures', 'small.yml'));
  t.equal(s.status, 1);
  t.match(s.stdout, /✗ ln \(layernorm\) S=5 E=7 P=3 H=2: layernorm S=5 E=7 P=3 H=2: first mismatch at Y\[s=0,e=\d+\]/);
  t.match(s.stdout, /references: board vs TypeScript golden \(spec\) on 14 point\(s\)/);
});
