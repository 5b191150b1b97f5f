// Builds firmware/test/frames_test (ASan + UBSan) and runs its corpus of malformed frames through
// the firmware core: every reply's exact error code and detail, arena guard bytes untouched.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const outDir = join(root, 'build', 'fw-test', 'frames');
const bin = join(outDir, 'frames_test');

/** Newest mtime of the C sources the test program is built from. */
function newestSource(): number {
  let t = 0;
  for (const dir of ['firmware/core', 'firmware/test', 'kernels/src', 'kernels/include']) {
    const d = join(root, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (/\.(c|h|sh)$/.test(f)) t = Math.max(t, statSync(join(d, f)).mtimeMs);
  }
  return t;
}

const hasCc = spawnSync(process.env.CC ?? 'gcc', ['--version']).status === 0;

t.test('frames_test', { skip: hasCc ? false : `no C compiler (${process.env.CC ?? 'gcc'}) on PATH` }, async (t) => {
  if (!existsSync(bin) || statSync(bin).mtimeMs < newestSource()) {
    const b = spawnSync('sh', [join(root, 'firmware/test/build.sh'), outDir, 'frames'], { encoding: 'utf8' });
    t.equal(b.status, 0, `build.sh exits 0${b.status ? `: ${b.stderr.slice(-2000)}` : ''}`);
    if (b.status !== 0) return;
  }
  const r = spawnSync(bin, [], { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.stderr, '', 'no failed check and no sanitizer report on stderr');
  t.equal(r.status, 0, 'frames_test exits 0');
  const m = /^frames_test: (\d+) passed, (\d+) failed$/m.exec(r.stdout);
  t.ok(m, `closing line present: ${r.stdout.trim()}`);
  if (m) {
    t.equal(Number(m[2]), 0, 'no check failed');
    t.ok(Number(m[1]) >= 800, `${m[1]} checks ran`);
  }
});
