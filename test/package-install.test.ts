// The package contract: `npm pack`, install the tarball into a fresh project outside the
// repository (the addon and host-sim build in the consumer's npm install; the TypeScript was
// built by `prepare` at pack time), and a script there does require('tinyhil'), opens host-sim,
// runs a kernel and checks it bit-exact. Needs only the npm registry for the dependencies.
// It packs a copy of the sources: `prepare` rewrites dist/, and other suites running at the
// same time spawn run-hil.js from the repository's dist/ (a half-written module there broke them).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

t.test('npm pack -> install in a fresh project -> script runs a kernel on host-sim bit-exact', { timeout: 1_200_000 }, async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-pack-'));
  const distStamp = fs.statSync(path.join(root, 'dist', 'cli.js')).mtimeMs;
  const src = path.join(work, 'src');
  const skip = new Set(['node_modules', 'build', 'dist', '.git'].map((d) => path.join(root, d)));
  fs.cpSync(root, src, { recursive: true, filter: (f) => !skip.has(f) });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const pack = spawnSync(npm, ['pack', '--pack-destination', work, '--json'], { cwd: src, encoding: 'utf8', timeout: 600_000 });
  t.equal(pack.status, 0, pack.stderr.slice(-2000));
  const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = info[0].files.map((f) => f.path);
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'run-hil.js', 'scripts/build.js', 'CMakeLists.txt', 'binding/addon.cc', 'kernels/include/tinyhil.h', 'firmware/boards/host-sim/main.c']) {
    t.ok(files.includes(f), `tarball holds ${f}`);
  }
  t.notOk(files.some((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('node_modules/')), 'no tests, sources or node_modules');

  const proj = path.join(work, 'consumer');
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  const inst = spawnSync(npm, ['install', '--no-audit', '--no-fund', path.join(work, info[0].filename)], { cwd: proj, encoding: 'utf8', timeout: 1_000_000 });
  t.equal(inst.status, 0, (inst.stdout + inst.stderr).slice(-3000));

  fs.writeFileSync(path.join(proj, 'script.js'), `
const { HilBoard, generateInputs, runGolden, compare } = require('tinyhil');
(async () => {
  const board = await HilBoard.open({ board: 'host-sim' });
  const shape = { S: 7, E: 10, P: 3, H: 2 };
  const inputs = generateInputs('linear_qk', shape, 3);
  const r = await board.run('linear_qk', inputs, { shape });
  const want = runGolden('linear_qk', { ...shape, rq: [[385, 16]] }, inputs);
  const same = compare('linear_qk', shape, r.output, want);
  console.log(JSON.stringify({ board: board.info.name, mismatch: r.mismatch ?? null, spec: same, n: r.output.length }));
  await board.close();
})().catch((e) => { console.error(e); process.exit(1); });
`);
  const run = spawnSync(process.execPath, ['script.js'], { cwd: proj, encoding: 'utf8', timeout: 120_000 });
  t.equal(run.status, 0, run.stderr);
  t.same(JSON.parse(run.stdout.trim()), { board: 'host-sim', mismatch: null, spec: null, n: 2 * 7 * 3 });
  // The types resolve through "exports"/"types".
  t.ok(fs.existsSync(path.join(proj, 'node_modules', 'tinyhil', 'dist', 'index.d.ts')));
  t.equal(fs.statSync(path.join(root, 'dist', 'cli.js')).mtimeMs, distStamp, "the repository's dist/ was not rewritten");
  fs.rmSync(work, { recursive: true, force: true });
});
