// Ctrl-C mid-sweep: the runs in flight are aborted, the table of what ran is printed, the results
// file holds exactly the finished points and resumes cleanly.
import t from 'tap';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostSimUnavailable } from '../src/board/hostsim';

const root = path.resolve(__dirname, '..');

t.test('SIGINT during a host-sim sweep', async (t) => {
  if (hostSimUnavailable()) return t.skip(`host-sim not built: ${hostSimUnavailable()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyhil-int-'));
  const cfg = path.join(dir, 'c.yml');
  fs.writeFileSync(cfg, 'cores: 2\nseed: 1\nS: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]\nE: [24]\nP: [8]\nH: [2, 3]\ntestToRun: [m]\nm: { kernel: mhsa }\n');
  const results = path.join(dir, 'r.jsonl');
  const child = spawn(process.execPath, [path.join(root, 'run-hil.js'), '--config', cfg, '--results', results], { cwd: root });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  let sent = false;
  child.stderr.on('data', (d) => {
    err += d;
    if (!sent && /\[3\/32\]/.test(err)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  t.ok(sent, 'interrupted after the third point');
  t.equal(code, 130, 'exit status 130: interrupted');
  t.match(err, /interrupted: aborting the runs in flight, then stopping/);
  const done = fs.readFileSync(results, 'utf8').trim().split('\n');
  t.ok(done.length >= 3 && done.length < 32, `${done.length} points kept`);
  t.match(out, new RegExp(`${done.length} of ${done.length} points bit-exact`));
  const again = spawnSync(process.execPath, [path.join(root, 'run-hil.js'), '--config', cfg, '--resume', results, '--quiet'], { cwd: root, encoding: 'utf8', timeout: 120000 });
  t.equal(again.status, 0, again.stderr);
  t.match(again.stderr, new RegExp(`resume: ${done.length} of 32 points already in`));
  t.match(again.stdout, new RegExp(`${32 - done.length} of ${32 - done.length} points bit-exact`));
  t.equal(fs.readFileSync(results, 'utf8').trim().split('\n').length, 32, 'the file now holds the whole sweep');
});
