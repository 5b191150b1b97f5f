// The CLI contract: --version, the usage name, and every exit code of README "Exit status"
// (0 all bit-exact, 1 mismatch, 2 usage/config incl. the parser's own errors, 3 board/link/
// instrument failure, 130 interrupted: test/cli-interrupt.test.ts). 1 is also pinned by
// test/spec-check.test.ts (a broken kernel). Also: log lines do not break the progress bar.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { Progress } from '../src/harness/progress';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'run-hil.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 120000 });
const fixture = path.join(root, 'test', 'fixtures', 'small.yml');

t.test('--version prints the package version; usage says the bin name', async (t) => {
  const v = cli('--version');
  t.equal(v.status, 0);
  t.equal(v.stdout, `${pkg.version}\n`);
  const h = cli('--help');
  t.equal(h.status, 0);
  t.same(Object.keys(pkg.bin), ['tinyhil']);
  t.match(h.stdout, /^Usage: tinyhil \[options\] \[command\]$/m);
  t.match(h.stdout, /--golden <ref>/);
});

t.test("the README's command: no options runs the example sweep on host-sim, from any folder", async (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'run-hil.js')], { encoding: 'utf8', cwd: os.tmpdir(), timeout: 120000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /^board host-sim: /m);
  t.match(r.stdout, /\n128 of 128 points bit-exact\n/);
});

t.test('exit 0: every point bit-exact', async (t) => {
  const r = cli('--board', 'host', '--config', fixture, '-q');
  t.equal(r.status, 0, r.stderr);
});

const usage: Array<[string, string[], string]> = [
  ['unknown option', ['--frobnicate'], "error: unknown option '--frobnicate'"],
  ['bad choice', ['--golden', 'spec'], "error: option '--golden <ref>' argument 'spec' is invalid. Allowed choices are addon, ts, both."],
  ['missing argument', ['--config'], "error: option '-c, --config <file>' argument missing"],
  ['unknown command, with a suggestion', ['reprot'], "error: unknown command 'reprot' (did you mean report?); commands: "],
  ['unknown command, nothing close', ['frobnicate'], "error: unknown command 'frobnicate'; commands: "],
  ['bad subcommand choice', ['report', 'x.jsonl', '--format', 'pdf'], "error: option '-f, --format <format>' argument 'pdf' is invalid. Allowed choices are md, csv, html."],
  ['subcommand missing argument', ['report'], "error: missing required argument 'file'"],
  ['config error', ['--board', 'host', '--config', '/nonexistent.yml'], 'error: /nonexistent.yml: file: cannot read (ENOENT)'],
  ['bad flag value', ['--board', 'host', '--config', fixture, '--cores', '12'], 'error: --cores 12: expected an integer in 1..8'],
  ['energy model on host-sim', ['--board', 'host-sim', '--config', fixture, '--energy', 'model', '-q'],
    "error: --energy model on host-sim: a power model of an x86 host's nanoseconds is not an MCU's energy; run the sweep on an MCU board (qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, gap9) or give a power monitor (lpm01a:PORT, ppk2:PORT); --energy model:board=host-sim uses the NOMINAL host row only to exercise the energy path"],
];
for (const [what, args, line] of usage) {
  t.test(`exit 2: ${what}`, async (t) => {
    const r = cli(...args);
    t.equal(r.status, 2, r.stderr);
    const first = r.stderr.split('\n').filter((l) => !l.startsWith('notice: '))[0];
    if (line.endsWith('commands: ')) t.match(first, new RegExp(`^${line.replace(/[()?.]/g, '\\$&')}(\\w+, )*report, `), first);
    else t.equal(first, line);
    t.equal(r.stdout, '');
  });
}

t.test('exit 3: a board that cannot be opened', async (t) => {
  const r = cli('--board', 'stm32h7', '--port', '/dev/tinyhil-no-such-port', '--config', fixture, '-q');
  t.equal(r.status, 3, r.stderr);
  t.equal(r.stderr.trim().split('\n').pop(), 'error: board stm32h7 on /dev/tinyhil-no-such-port: Cannot open /dev/tinyhil-no-such-port: No such file or directory');
});

t.test('exit 3: a power monitor that cannot be opened', async (t) => {
  const r = cli('--board', 'host', '--config', fixture, '--energy', 'ppk2:/dev/tinyhil-no-such-port', '-q');
  t.equal(r.status, 3, r.stderr);
  t.match(r.stderr, /^error: .*\/dev\/tinyhil-no-such-port/m);
});

t.test('a log line while the bar is up: the bar line is cleared, the line printed whole, the bar redrawn', async (t) => {
  let out = '';
  const stream = Object.assign(new Writable({ write(c, _e, cb) { out += String(c); cb(); } }), { isTTY: true, columns: 100 });
  const p = new Progress(3, false, stream);
  p.start('projQK S=5 on host-sim');
  out = '';
  p.log('board host-sim#1 dropped: link closed');
  p.stop();
  t.ok(out.startsWith('\r\x1b[2Kboard host-sim#1 dropped: link closed\n'), JSON.stringify(out.slice(0, 60)));
  t.match(out.slice('\r\x1b[2Kboard host-sim#1 dropped: link closed\n'.length), /0\/3 projQK S=5 on host-sim/, 'the bar is drawn again after the line');
  let plain = '';
  const file = new Writable({ write(c, _e, cb) { plain += String(c); cb(); } });
  const q = new Progress(2, false, file);
  q.start('a');
  q.log('warning: x');
  q.done('✓');
  t.equal(plain, 'warning: x\n[1/2] a ✓\n', 'no terminal: plain lines');
});
