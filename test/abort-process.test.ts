// abort-process.test.ts - from the outside: Ctrl-C in the CLI during a long energy window
// stops it within moments (ABORT), and host-sim dies with the node process that started it even
// when that process is killed in the middle of a long RUN. Uses dist/ (what run-hil.js runs).
import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostSimUnavailable } from '../src/board/hostsim';
import { qemuUnavailable } from '../src/board/qemu';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist', 'board', 'open.js');
const why = process.platform !== 'linux' ? 'needs Linux (/proc)' : hostSimUnavailable() ?? (fs.existsSync(dist) ? null : `${dist} not built: npm run build`);

/** true while pid runs (a zombie has exited). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

t.test('host-sim exits within a second when its node parent is killed mid-RUN', { skip: why ?? false }, async (t) => {
  // The parent: opens host-sim, sends a RUN of a million repeats (~30 s or more), says so, waits.
  const script = `
    const { openBoard } = require(${JSON.stringify(dist)});
    const { generateInputs, tensorBytes } = require(${JSON.stringify(path.join(root, 'dist', 'gen.js'))});
    (async () => {
      const b = await openBoard({ board: 'host-sim' });
      const shape = { S: 32, E: 64, P: 32, H: 4 };
      b.client.on('send', (type) => { if (type === 5) console.log('RUN ' + b.started.pid); });
      await b.run({ kernel: 'linear_qk', shape, rq: [[385, 8]], inputs: generateInputs('linear_qk', shape, 1).map(tensorBytes), repeat: 1000000 });
      console.log('finished?!');
    })();`;
  const node = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  node.stderr.on('data', (d) => (err += d));
  const pid = await new Promise<number>((resolve, reject) => {
    node.stdout.on('data', (d) => {
      out += d;
      const m = /^RUN (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    node.on('exit', (c) => reject(new Error(`parent exited ${c} before its RUN: ${out} ${err}`)));
  });
  await new Promise((r) => setTimeout(r, 500)); // well inside the RUN
  t.ok(alive(pid), `host-sim ${pid} busy with the RUN`);
  const cpu = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[13];
  t.ok(Number(cpu) > 0, `host-sim has used CPU (${cpu} ticks): it is running the kernel`);
  const killed = Date.now();
  node.kill('SIGKILL');
  while (alive(pid) && Date.now() - killed < 5000) await new Promise((r) => setTimeout(r, 10));
  const ms = Date.now() - killed;
  const left = alive(pid);
  if (left) process.kill(pid, 'SIGKILL');
  t.notOk(left, 'host-sim gone');
  t.ok(ms < 1000, `host-sim gone ${ms} ms after its parent was killed`);
});

const cliBoards: Array<[string, string | null, string]> = [
  ['host-sim', why, 'S: [32]\nE: [64]\nP: [32]\nH: [4]'],
  ['qemu-m4', why ?? qemuUnavailable('qemu-m4'), 'S: [8]\nE: [32]\nP: [16]\nH: [2]'],
];

for (const [board, skip, dims] of cliBoards) {
  t.test(`Ctrl-C in the CLI stops a long energy window on ${board} within moments`, { skip: skip ?? false }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-abort-'));
    const cfg = path.join(dir, 'c.yml');
    fs.writeFileSync(cfg, `cores: 1\nseed: 1\n${dims}\ntestToRun: [q]\nq: { kernel: linear_qk }\n`);
    const results = path.join(dir, 'r.jsonl');
    // A million repeats in one energy window: a minute or more without ABORT.
    const child = spawn(process.execPath, [path.join(root, 'run-hil.js'), '--config', cfg, '--board', board, '--results', results, '--energy', board === 'host-sim' ? 'model:board=host-sim' : 'model:clock=25e6,power=0.01', '--energy-repeat', '1000000'], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const start = Date.now();
    while (!new RegExp(`board ${board}`).test(err) && child.exitCode === null && Date.now() - start < 60000) await new Promise((r) => setTimeout(r, 20));
    t.equal(child.exitCode, null, `run-hil.js is running${child.exitCode !== null ? `: ${err}` : ''}`);
    await new Promise((r) => setTimeout(r, 2000)); // inputs written, the RUN under way
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exit;
    const ms = Date.now() - sent;
    t.equal(code, 130, 'exit status 130: interrupted');
    t.match(err, /interrupted: aborting the runs in flight, then stopping/);
    t.ok(ms < 2000, `exited ${ms} ms after Ctrl-C (RUN aborted, table printed, board stopped)`);
    t.match(out, /0 of 0 points bit-exact/, `table of no finished points: ${out.trim().split('\n').pop()}`);
    t.equal(fs.existsSync(results) ? fs.readFileSync(results, 'utf8').trim() : '', '', 'the aborted point is not in the results file');
  });
}
