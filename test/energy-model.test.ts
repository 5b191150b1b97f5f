// energy-model.test.ts - the power model against hand-computed figures, its refusals, table overrides,
// and the result helpers (µJ / pJ formatting).
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelSource, formatEnergyResult, formatSI, loadPowerTable, makeResult, openEnergySource, toMicroJ, toPicoJ } from '../src/energy';
import type { ModelBoard, WindowReport } from '../src/energy';

const l4: ModelBoard = { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' };
const win = (counter: number, repeat: number, counterUnit = 'cycles') => async (): Promise<WindowReport> => ({ counter, counterUnit, repeat });
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b);

t.test('STM32L4: 80 000 cycles at 80 MHz = 1 ms per run, 26.4 mW', async (t) => {
  const src = await openEnergySource('model', l4);
  t.equal(src.describe(), 'model (26.4 mW active, table row "stm32l4")');
  const r = await src.measure(win(80000, 10), { macs: 1e6 });
  t.ok(close(r.windowS, 0.01), `window ${r.windowS}`);
  t.ok(close(r.energyJ, 0.0264 * 0.01), `energy ${r.energyJ}`);          // 264 µJ
  t.ok(close(r.perInferenceJ, 26.4e-6), `per inference ${r.perInferenceJ}`); // 26.4 µJ
  t.ok(close(r.perMacJ!, 26.4e-12), `per MAC ${r.perMacJ}`);                // 26.4 pJ
  t.ok(close(r.avgPowerW, 0.0264));
  t.equal(r.samples, 0);
  t.equal(r.estimate, false);
  t.equal(r.notes[0], 'time: 80000 cycles / 80 MHz per run');
  t.match(r.notes[1], /^power: 26.4 mW from table row "stm32l4": STM32L476/);
  t.equal(formatEnergyResult(r), '26.4 µJ/inf, 26.4 pJ/MAC, 26.4 mW over 10 ms [model (26.4 mW active, table row "stm32l4")]');
});

t.test('STM32H7 at 480 MHz; a different board clock is flagged, not rescaled', async (t) => {
  const r = await new ModelSource({ kind: 'model' }, { name: 'stm32h7', clockHz: 480e6, counterKind: 'cycles' }).measure(win(480000, 1));
  t.ok(close(r.energyJ, 0.416e-3), `${r.energyJ}`); // 416 mW x 1 ms
  t.equal(r.estimate, false);
  const slow = await new ModelSource({ kind: 'model' }, { name: 'stm32h7', clockHz: 400e6, counterKind: 'cycles' }).measure(win(400000, 1));
  t.ok(close(slow.energyJ, 0.416e-3));
  t.equal(slow.estimate, true);
  t.match(slow.notes.join('\n'), /characterised at 480 MHz but the board runs at 400 MHz; power not rescaled/);
});

t.test('board clock 0 falls back to the table clock', async (t) => {
  const r = await new ModelSource({ kind: 'model' }, { name: 'gap9', clockHz: 0, counterKind: 'cycles' }).measure(win(370000, 2));
  t.ok(close(r.energyJ, 0.0351 * 2e-3), `${r.energyJ}`); // 2 runs of 1 ms at 35.1 mW
});

t.test('host nanoseconds with the NOMINAL figure: estimate', async (t) => {
  const r = await new ModelSource({ kind: 'model' }, { name: 'host-sim', clockHz: 0, counterKind: 'nanoseconds' }).measure(win(1e6, 3, 'ns (host)'));
  t.ok(close(r.energyJ, 15 * 3e-3), `${r.energyJ}`);
  t.equal(r.estimate, true);
  t.match(r.notes.join('\n'), /NOMINAL power figure/);
  t.match(r.source, /NOMINAL/);
});

t.test('QEMU instruction counts need user clock and power', async (t) => {
  const qemu: ModelBoard = { name: 'qemu-m4', clockHz: 25e6, counterKind: 'instructions' };
  await t.rejects(openEnergySource('model', qemu), {
    message: 'model: board "qemu-m4" counts instructions (QEMU -icount), not time; an energy figure needs both model:clock=<Hz> and model:power=<W> (it is then marked estimate)',
  });
  await t.rejects(openEnergySource('model:power=26.4mW', qemu), { message: /needs both model:clock=<Hz> and model:power=<W>/ });
  const src = await openEnergySource('model:clock=80MHz,power=26.4mW', qemu);
  const r = await src.measure(win(80000, 1, 'instructions (QEMU)'));
  t.ok(close(r.energyJ, 26.4e-6), `${r.energyJ}`);
  t.equal(r.estimate, true);
  t.equal(r.notes[0], 'time: 80000 instructions / 80 MHz per run, assuming 1 instruction per cycle');
  t.equal(r.notes[1], 'power: 26.4 mW supplied by the user');
});

t.test('unknown board, unknown row', async (t) => {
  await t.rejects(openEnergySource('model', { name: 'esp32', clockHz: 240e6, counterKind: 'cycles' }), {
    message: 'model: no power-table row for board "esp32" (rows: stm32h7, stm32l4, gap9, host, host-sim); pass model:power=<W> or model:board=<row> or model:table=<file>',
  });
  await t.rejects(openEnergySource('model:board=nrf52', l4), { message: 'model: no power-table row "nrf52"; rows: stm32h7, stm32l4, gap9, host, host-sim' });
  const r = await (await openEnergySource('model:board=stm32h7', { name: 'custom-m7', clockHz: 480e6, counterKind: 'cycles' })).measure(win(480, 1));
  t.equal(r.estimate, true);
  t.match(r.notes.join('\n'), /power of "stm32h7" applied to board "custom-m7"/);
  t.ok(close(r.energyJ, 0.416e-6));
});

t.test('table override files (YAML and JSON), with clear errors', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'energy-table-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const yml = path.join(dir, 'lab.yaml');
  fs.writeFileSync(yml, 'stm32l4:\n  clockHz: 80000000\n  activePowerMw: 10\n  source: measured on bench 3\nmyboard:\n  activePowerMw: 5\n');
  const tab = loadPowerTable(yml);
  t.equal(tab.stm32l4.activePowerMw, 10);
  t.equal(tab.myboard.clockHz, 0);
  t.equal(tab.stm32h7.activePowerMw, 416, 'builtin rows kept');
  const r = await (await openEnergySource(`model:table=${yml}`, l4)).measure(win(80000, 1));
  t.ok(close(r.energyJ, 10e-6), `${r.energyJ}`);
  t.match(r.notes[1], /measured on bench 3/);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ stm32l4: { activePowerMw: -1 } }));
  t.throws(() => loadPowerTable(bad), { message: 'bad.json: stm32l4: expected activePowerMw > 0 (mW) but received -1' });
  t.throws(() => loadPowerTable(path.join(dir, 'missing.json')), { message: /^model table ".*missing.json": cannot read/ });
});

t.test('result helpers', (t) => {
  t.equal(formatSI(2.0625e-6, 'J'), '2.06 µJ');
  t.equal(formatSI(2.0625e-12, 'J'), '2.06 pJ');
  t.equal(formatSI(0, 'J'), '0 J');
  t.equal(formatSI(5000, 'Hz'), '5 kHz');
  t.equal(formatSI(0.0412, 'W'), '41.2 mW');
  t.equal(toMicroJ(2.5e-6), 2.5);
  t.equal(toPicoJ(3e-12), 3);
  const r = makeResult({ source: 's', energyJ: 1e-3, windowS: 0.1, samples: 10, repeat: 4, estimate: false, notes: [] });
  t.same([r.perInferenceJ, r.perMacJ, r.macs, r.avgPowerW], [2.5e-4, null, null, 1e-2]);
  t.throws(() => makeResult({ source: 's', energyJ: 1, windowS: 1, samples: 0, repeat: 0, estimate: false, notes: [] }), {
    message: 'Expected repeat to be an integer >= 1 but received 0',
  });
  t.end();
});

t.test('measureRun: one board.run with repeat, energy from its counter, the run handed back', async (t) => {
  const { measureRun } = await import('../src/energy');
  const calls: number[] = [];
  const fake = {
    info: { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' as const },
    run: async (req: { repeat?: number }) => {
      calls.push(req.repeat ?? 1);
      return { output: new Uint8Array([1, 2]), counter: 8000, perCore: [8000], counterKind: 'cycles' as const, counterUnit: 'cycles', scratchBytes: 0, arenaPeak: 2 };
    },
    close: async () => undefined,
  };
  const src = await openEnergySource('model', fake.info);
  const { energy, run } = await measureRun(src, fake as any, { kernel: 'add', shape: { S: 1, E: 2, P: 1, H: 1 }, rq: [], inputs: [] }, 50, 2);
  t.same(calls, [50], 'exactly one run carrying repeat 50');
  t.same([...run.output], [1, 2]);
  t.ok(close(energy.energyJ, 0.0264 * (8000 / 80e6) * 50), `${energy.energyJ}`);
  t.ok(close(energy.perMacJ!, (0.0264 * 1e-4) / 2));
  t.throws(() => require('../src/energy').boardWindow(fake, {}, 0), { message: 'Expected energy repeat to be an integer >= 1 but received 0' });
});
