// results-jsonl.test.ts - results lines survive crashes: torn last line, corruption, resume keys.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import fc from 'fast-check';
import { ResultsWriter, readResults, parseResults, loadResume, pointKey, checkRecord, recordFromPoint, ResultRecord } from '../src/results';
import './lib/fcSeed';

function rec(over: Partial<ResultRecord> = {}): ResultRecord {
  return {
    board: 'qemu-m4', firmwareVersion: '0.1.0', kernel: 'mhsa', test: 'mhsa', shape: { S: 16, E: 32, P: 16, H: 2 },
    cores: 1, bitExact: true, counter: 123456, counterUnit: 'instructions (QEMU)', macs: 81920,
    macPerCount: 81920 / 123456, arenaPeak: 4096, timestamp: '2026-01-02T03:04:05.000Z', ...over,
  };
}

t.test('pointKey is readable and covers test, kernel, shape, cores, board kind', async (t) => {
  t.equal(pointKey(rec()), 'qemu-m4 mhsa/mhsa S=16 E=32 P=16 H=2 cores=1');
  t.equal(pointKey(rec({ kernel: 'mhsa_dft', shape: { S: 64, E: 64, P: 32, H: 4, T: 8 }, cores: 2 })),
    'qemu-m4 mhsa/mhsa_dft S=64 E=64 P=32 H=4 T=8 cores=2');
  // energy, counters, timestamp, firmware do not change the identity of a point
  t.equal(pointKey(rec({ counter: 1, timestamp: 'x', firmwareVersion: '9', energy: { source: 'model', perInferenceUj: 1 } })), pointKey(rec()));
  t.not(pointKey(rec({ board: 'stm32h7' })), pointKey(rec()));
});

t.test('writer appends one line per record; reader returns them', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'sub', 'out.jsonl');
  const w = ResultsWriter.open(file);
  t.same(w.warnings, []);
  w.append(rec());
  // visible on disk immediately, before close
  t.equal(fs.readFileSync(file, 'utf8'), JSON.stringify(rec()) + '\n');
  w.append(rec({ cores: 2, energy: { source: 'model', perInferenceUj: 12.5, perMacPj: 150 } }));
  w.close();
  t.throws(() => w.append(rec()), { message: `results file ${file}: append after close` });
  const r = readResults(file);
  t.same(r.warnings, []);
  t.same(r.records, [rec(), rec({ cores: 2, energy: { source: 'model', perInferenceUj: 12.5, perMacPj: 150 } })]);
});

t.test('writer refuses a bad record naming the field', async (t) => {
  const file = path.join(t.testdir(), 'a.jsonl');
  const w = ResultsWriter.open(file);
  t.throws(() => w.append({ ...rec(), counter: 'fast' } as unknown as ResultRecord),
    { message: `results record for ${file}: counter: expected a finite number, found "fast"` });
  t.throws(() => w.append(rec({ shape: { S: 0, E: 1, P: 1, H: 1 } })),
    { message: `results record for ${file}: shape.S: expected an integer >= 1, found 0` });
  w.close();
  t.equal(fs.readFileSync(file, 'utf8'), '', 'nothing written');
});

t.test('a torn last line is ignored with an exact warning', async (t) => {
  const file = path.join(t.testdir(), 'torn.jsonl');
  const full = JSON.stringify(rec()) + '\n' + JSON.stringify(rec({ cores: 2 })) + '\n';
  const torn = JSON.stringify(rec({ cores: 4 })).slice(0, 37);
  fs.writeFileSync(file, full + torn);
  const r = readResults(file);
  t.same(r.records, [rec(), rec({ cores: 2 })]);
  t.same(r.warnings, [`${file}:3: ignoring a torn last line (37 bytes, not valid JSON): the run stopped while writing it`]);
});

t.test('property: any cut of a results file reads as its complete prefix', async (t) => {
  const lines = [rec(), rec({ cores: 2 }), rec({ board: 'host-sim', error: 'timeout after 3 retries' })].map((x) => JSON.stringify(x) + '\n');
  const text = lines.join('');
  fc.assert(fc.property(fc.integer({ min: 0, max: text.length }), (cut) => {
    const r = parseResults(text.slice(0, cut), 'f');
    let whole = 0, len = 0;
    for (const l of lines) { if (len + l.length - 1 <= cut) { whole++; len += l.length; } else break; }
    // a line complete up to its closing brace counts even without its newline
    t.equal(r.records.length, whole, `cut ${cut}`, { diagnostic: false });
    const tailLen = Buffer.byteLength(text.slice(len, cut).replace(/^\n/, ''));
    t.equal(r.warnings.length, tailLen > 0 ? 1 : 0, `cut ${cut} warnings`, { diagnostic: false });
  }));
});

t.test('a torn line in the middle is an error naming file and line', async (t) => {
  const file = path.join(t.testdir(), 'bad.jsonl');
  fs.writeFileSync(file, JSON.stringify(rec()) + '\n{"board":"qemu-m4","firmw\n' + JSON.stringify(rec()) + '\n');
  t.throws(() => readResults(file), {
    message: /^.*bad\.jsonl:2: not a JSON results record \(.*\): \{"board":"qemu-m4","firmw$/,
  });
  t.throws(() => readResults(file), { message: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `) });
  fs.writeFileSync(file, JSON.stringify(rec()) + '\n' + JSON.stringify({ ...rec(), bitExact: 'yes' }) + '\n');
  // The column is the field's key in that line.
  const col = JSON.stringify({ ...rec(), bitExact: 'yes' }).indexOf('"bitExact":') + 1;
  t.ok(col > 1);
  t.throws(() => readResults(file), { message: `${file}:2:${col}: bitExact: expected a boolean, found "yes"` });
  t.throws(() => readResults(path.join(path.dirname(file), 'nope.jsonl')), { message: /^results file .*nope\.jsonl: ENOENT/ });
});

t.test('reopening after a crash cuts the torn tail so later lines stay valid', async (t) => {
  const file = path.join(t.testdir(), 'crash.jsonl');
  fs.writeFileSync(file, JSON.stringify(rec()) + '\n' + JSON.stringify(rec({ cores: 2 })).slice(0, 20));
  const w = ResultsWriter.open(file);
  t.same(w.warnings, [`${file}:2: ignoring a torn last line (20 bytes, not valid JSON): the run stopped while writing it`]);
  w.append(rec({ cores: 3 }));
  w.close();
  const r = readResults(file);
  t.same(r.warnings, []);
  t.same(r.records.map((x) => x.cores), [1, 3]);

  // A complete record that only lost its newline is kept.
  fs.writeFileSync(file, JSON.stringify(rec()));
  const w2 = ResultsWriter.open(file);
  t.same(w2.warnings, []);
  w2.append(rec({ cores: 5 }));
  w2.close();
  t.same(readResults(file).records.map((x) => x.cores), [1, 5]);
});

t.test('a process killed mid-run loses no finished line', async (t) => {
  const file = path.join(t.testdir(), 'killed.jsonl');
  // A child appends forever, then SIGKILL: every line that was appended is readable.
  const child = path.join(path.dirname(file), 'child.ts');
  fs.writeFileSync(child, `
    import { ResultsWriter } from ${JSON.stringify(path.resolve(__dirname, '../src/results'))};
    const w = ResultsWriter.open(${JSON.stringify(file)});
    const base = ${JSON.stringify(rec())};
    for (let i = 1; ; i++) { w.append({ ...base, cores: i }); if (i === 30) process.kill(process.pid, 'SIGKILL'); }
  `);
  // process.execArgv carries tap's TypeScript loader
  const r = spawnSync(process.execPath, [...process.execArgv, child], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' });
  t.equal(r.signal, 'SIGKILL', r.stderr);
  const got = readResults(file);
  t.same(got.records.map((x) => x.cores), Array.from({ length: 30 }, (_, i) => i + 1));
});

t.test('resume: finished points are skipped, failed points run again', async (t) => {
  const file = path.join(t.testdir(), 'resume.jsonl');
  const w = ResultsWriter.open(file);
  w.append(rec({ shape: { S: 8, E: 8, P: 8, H: 1 } }));
  w.append(rec({ shape: { S: 16, E: 8, P: 8, H: 1 }, bitExact: false }));
  w.append(rec({ shape: { S: 32, E: 8, P: 8, H: 1 }, error: 'board stopped answering' }));
  w.close();
  fs.appendFileSync(file, '{"board":"qemu-m4"');
  const r = loadResume(file);
  t.equal(r.warnings.length, 1);
  const planned = [8, 16, 32, 64].map((S) => ({ board: 'qemu-m4', test: 'mhsa', kernel: 'mhsa', shape: { S, E: 8, P: 8, H: 1 }, cores: 1 }));
  const todo = planned.filter((p) => !r.has(pointKey(p)));
  t.same(todo.map((p) => p.shape.S), [32, 64], 'S=8 and the mismatching S=16 are finished; the errored S=32 reruns');
  t.same([...r.done], ['qemu-m4 mhsa/mhsa S=8 E=8 P=8 H=1 cores=1', 'qemu-m4 mhsa/mhsa S=16 E=8 P=8 H=1 cores=1']);
  // The same points on another board kind are not done.
  t.notOk(r.has(pointKey({ ...planned[0], board: 'qemu-m7' })));
  // A missing file: nothing done.
  t.equal(loadResume(path.join(path.dirname(file), 'none.jsonl')).done.size, 0);
});

t.test('checkRecord messages', async (t) => {
  t.throws(() => checkRecord([], 'x:1'), { message: 'x:1: record: expected a JSON object, found []' });
  // A nested field's column is its own key's, not the first "S" of the line.
  const line = '{"test":"S","shape":{"E":1,"S":0,"P":1,"H":1}}';
  t.throws(() => checkRecord(JSON.parse(line), 'x:1', line), { message: 'x:1:1: board: expected a string, found nothing' });
  const full = JSON.stringify({ ...rec(), test: 'S', shape: { E: 1, S: 0, P: 1, H: 1 } });
  t.throws(() => parseResults(full + '\n', 'r.jsonl'), { message: `r.jsonl:1:${full.indexOf('"S":0') + 1}: shape.S: expected an integer >= 1, found 0` });
  t.throws(() => checkRecord({ ...rec(), energy: 3 }, 'x:1'), { message: 'x:1: energy: expected an object { source, perInferenceUj, ... }, found 3' });
  const { board: _b, ...noBoard } = rec();
  t.throws(() => checkRecord(noBoard, 'x:1'), { message: 'x:1: board: expected a string, found nothing' });
  t.throws(() => checkRecord({ ...rec(), energy: { joules: 1 } }, 'x:1'),
    { message: 'x:1: energy.source: expected a string, found nothing' });
});

t.test('errored points need no counters; measured fields must be finite', async (t) => {
  const errored = { board: 'stm32h7', firmwareVersion: '0.1.0', kernel: 'mhsa', test: 'mhsa', shape: { S: 8, E: 8, P: 8, H: 1 },
    cores: 1, bitExact: false, macs: 2560, error: 'board stopped answering', timestamp: '2026-01-02T03:04:05.000Z' };
  t.same(checkRecord(errored, 'x:1'), errored);
  const { error: _e, ...noError } = errored;
  t.throws(() => checkRecord(noError, 'x:1'), { message: 'x:1: counter: expected a finite number, found nothing' });
  t.throws(() => checkRecord({ ...rec(), macPerCount: Infinity }, 'x:1'), { message: 'x:1: macPerCount: expected a finite number, found Infinity' });
});

t.test('recordFromPoint keeps T only for mhsa_dft and converts energy to µJ / pJ', async (t) => {
  const base = {
    board: 'host-sim', firmwareVersion: '0.1.0', bitExact: true, counter: 1000, counterUnit: 'ns (host)', macs: 5000,
    macPerCount: 5, arenaPeak: 999, timestamp: '2026-01-02T03:04:05.000Z',
  };
  const point = { test: 'lin', kernel: 'linear_qk', split: 'heads' as const, shape: { S: 4, E: 5, P: 6, H: 7, T: 4 }, cores: 1, seed: 1, rq: [[385, 16]] as Array<[number, number]>, consts: [] };
  const r1 = recordFromPoint({ ...base, point });
  t.same(r1.shape, { S: 4, E: 5, P: 6, H: 7 });
  const r2 = recordFromPoint({ ...base, point: { ...point, kernel: 'mhsa_dft', test: 'dft' } }, {
    port: 'rfc2217://lab:2217',
    energy: { source: 'model', energyJ: 2e-5, perInferenceJ: 1e-5, perMacJ: 2e-9, macs: 5000, avgPowerW: 0.25, windowS: 8e-5, samples: 0, repeat: 2, estimate: true, notes: [] },
  });
  t.same(r2.shape, { S: 4, E: 5, P: 6, H: 7, T: 4 });
  t.equal(r2.port, 'rfc2217://lab:2217');
  t.equal(r2.energy!.source, 'model');
  t.equal(Math.round(r2.energy!.perInferenceUj * 1e6) / 1e6, 10);
  t.equal(Math.round(r2.energy!.perMacPj! * 1e6) / 1e6, 2000);
  t.equal(r2.energy!.avgPowerMw, 250);
  t.same(checkRecord(r2, 'x'), r2);
});
