// A short libFuzzer run of the firmware core's frame handling (scripts/fuzz.sh, clang with
// -fsanitize=fuzzer,address,undefined). TINYHIL_FUZZ_SECONDS sets the time (default 15; 0 skips).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const seconds = Number(process.env.TINYHIL_FUZZ_SECONDS ?? 15);
const clang = ['clang', 'clang-16', 'clang-15', 'clang-14'].find((c) => spawnSync(c, ['--version']).status === 0);
const skip = !clang ? 'clang is not installed (apt-get install clang)' : seconds <= 0 ? 'TINYHIL_FUZZ_SECONDS=0' : false;

t.test(`fuzz the frame parser for ${seconds} s`, { skip }, async (t) => {
  const r = spawnSync('sh', [join(__dirname, '..', 'scripts', 'fuzz.sh'), String(seconds)], {
    encoding: 'utf8',
    env: { ...process.env, CLANG: clang },
    timeout: (seconds + 300) * 1000,
  });
  const tail = (r.stderr + r.stdout).split('\n').slice(-40).join('\n');
  t.equal(r.status, 0, `fuzz.sh exits 0${r.status ? `:\n${tail}` : ''}`);
  t.match(r.stdout, new RegExp(`fuzz.sh: no crash in ${seconds}s`));
  const runs = /Done (\d+) runs/.exec(r.stderr);
  t.ok(runs && Number(runs[1]) > 100, `libFuzzer ran ${runs ? runs[1] : 'no'} inputs`);
});
