// binding/addon.cc checks only types (src/native.ts checks ranges and sizes first, test/addon-errors.test.ts).
// Called directly with bad sizes, the addon and the C kernels must still stay in bounds: here the addon is
// built with AddressSanitizer + UBSan and every kernel is called with short, long and missing inputs, bad
// shapes, bad core counts and extra rq pairs. Any out-of-bounds read or write would abort the child.
// (Checked by hand: the addon's former copy of `want` bytes from a shorter buffer kills the child here.)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';

const root = path.join(__dirname, '..');
const SAN = '-fsanitize=address,undefined';

function runtime(lib: string): string | undefined {
  const r = spawnSync('cc', [`-print-file-name=${lib}`], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return p && path.isAbsolute(p) && fs.existsSync(p) ? p : undefined;
}

/** The addon built with ASan + UBSan, cached per checkout (incremental on reruns). */
function buildSanitized(): string {
  const out = path.join(os.tmpdir(), `tinyhil-asan-addon-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`);
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--log-level', 'warn', '--parallel', '2', '--out', out,
    `--CDCMAKE_C_FLAGS=${SAN} -fno-omit-frame-pointer`, `--CDCMAKE_CXX_FLAGS=${SAN} -fno-omit-frame-pointer`, `--CDCMAKE_SHARED_LINKER_FLAGS=${SAN}`],
  { cwd: root, encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`cmake-js build failed: ${(r.stderr || r.stdout || String(r.error)).slice(-2000)}`);
  return path.join(out, 'Release', 'tinyhil.node');
}

// Runs in the child under ASan: every call either returns or throws a JS error.
const SCRIPT = String.raw`
const a = require(process.env.TINYHIL_ADDON);
const shapes = [{ S: 3, E: 5, P: 3, H: 2, T: 2 }, { S: 1, E: 1, P: 1, H: 1, T: 1 }];
const calls = { ok: 0, refused: 0 };
function attempt(fn) {
  try { fn(); calls.ok++; } catch (e) { if (!(e instanceof Error)) throw e; calls.refused++; }
}
const pending = [];
for (const k of a.kernels()) {
  const rqOf = (n) => Array.from({ length: n }, () => [385, 16]);
  for (const s of shapes) {
    const sizes = a.sizes(k.id, s);
    const bytes = sizes.inputs.map((n, i) => n * (k.inputs[i].dtype === 'i16' ? 2 : 1));
    const p = { ...s, split: 0, rq: rqOf(k.nRq), consts: k.nConsts ? [40, 1772, 1772] : [] };
    const good = () => bytes.map((n) => new Uint8Array(n).fill(7));
    for (const cores of [1, 3]) attempt(() => a.run(k.id, p, good(), cores));
    const bad = [
      [p, bytes.map(() => new Uint8Array(0))],                              // every input empty
      [p, bytes.map((n) => new Uint8Array(Math.max(0, n - 1)))],             // one byte short
      [p, bytes.map((n) => new Uint8Array(n + 4096))],                       // long
      [p, bytes.map((n) => new Int16Array(1))],                              // another typed array, 2 bytes
      [{ ...p, S: 0 }, good()], [{ ...p, E: -5 }, good()], [{ ...p, P: 70000 }, good()], [{ ...p, H: 2 ** 31 }, good()],
      [{ ...p, S: 65535, E: 65535, P: 65535, H: 65535 }, good()],           // past 2^31 bytes
      [{ ...p, S: 9, E: 7 }, good()],                                        // a larger valid shape, buffers of the small one
      [{ ...p, T: 0 }, good()], [{ ...p, T: 99 }, good()],
      [{ ...p, split: 7 }, good()],
      [{ ...p, rq: [...rqOf(k.nRq), [1, 99], [2, -3], [3, 40], [4, 50], [5, 60], [6, 70], [7, 80]] }, good()],
      [{ ...p, rq: rqOf(k.nRq).map(() => [385, 99]) }, good()],
      [{ ...p, consts: [0, 0, 0, 0, 0, 0, 0, 0] }, good()],
    ];
    for (const [q, ins] of bad) {
      for (const cores of [1, 0, 2, 9, 100000]) attempt(() => a.run(k.id, q, ins, cores));
      attempt(() => a.runReference(k.id, q, ins));
      attempt(() => a.scratchBytes(k.id, q, 9));
      attempt(() => a.macs(k.id, q));
      attempt(() => a.sizes(k.id, q));
      pending.push(a.runAsync(k.id, q, ins, 4).then(() => calls.ok++, () => calls.refused++));
    }
  }
}
Promise.all(pending).then(() => console.log(JSON.stringify(calls)));
`;

t.test('bad sizes straight to an ASan+UBSan addon: nothing out of bounds', async (t) => {
  const asan = runtime('libasan.so');
  const ubsan = runtime('libubsan.so');
  if (!asan || !ubsan) return t.skip('the C compiler has no libasan/libubsan (gcc with sanitizers is needed)');
  const addon = buildSanitized();
  const text = fs.readFileSync(addon).toString('latin1');
  t.ok(text.includes('__asan_report_load') && text.includes('__ubsan_handle'), 'the addon is instrumented');
  const script = path.join(os.tmpdir(), `tinyhil-asan-${process.pid}.js`);
  fs.writeFileSync(script, SCRIPT);
  t.teardown(() => fs.rmSync(script, { force: true }));
  const r = spawnSync(process.execPath, [script], {
    encoding: 'utf8', timeout: 600_000,
    env: {
      ...process.env, TINYHIL_ADDON: addon, LD_PRELOAD: `${asan}:${ubsan}`,
      ASAN_OPTIONS: 'detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86:allow_user_segv_handler=0',
      UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=87',
    },
  });
  t.notMatch(r.stderr, /AddressSanitizer|runtime error:/, 'no sanitizer report');
  t.same([r.status, r.signal], [0, null], r.stderr.slice(-3000));
  const calls = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ok: number; refused: number };
  t.ok(calls.ok > 0 && calls.refused > 1000, `good calls ran, bad ones were refused or ran within their buffers (${JSON.stringify(calls)})`);
});
