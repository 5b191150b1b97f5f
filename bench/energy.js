#!/usr/bin/env node
// energy.js - energy per inference / per MAC measured through each instrument simulator (real drivers, real pty
// pairs) for a fixed synthetic window, side by side with the analytic value and the error; plus the power model.
// The simulators run with the devices' quirks on (tools/sim/lpm01a.js, tools/sim/ppk2.js): LPM01A calibration
// latency, NULs, one TimeStamp a second, a supply of 3.297 V after `volt 3300m`; PPK2 range-switch transients,
// rolling-counter glitches and gaps.
'use strict';

// The energy layer is TypeScript: use the compiled build when present, else compile on the fly.
function loadEnergy() {
  try {
    return require('../dist/energy');
  } catch {
    require('@isaacs/ts-node-temp-fork-for-pr-2009').register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
    return require('../src/energy');
  }
}

const { openEnergySource, formatSI } = loadEnergy();
const { openPtyPair } = require('../tools/sim/pty');
const { Lpm01aSim } = require('../tools/sim/lpm01a');
const { Ppk2Sim } = require('../tools/sim/ppk2');

const REPEAT = 1000;          // inferences inside the trigger window
const MACS = 1_000_000;       // MACs of one synthetic inference
const WINDOW_S = 0.05;        // trigger window: 50 ms for all 1000 inferences
const IDLE_A = 1e-3, ACTIVE_A = 12.5e-3;
const board = { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' };
const cyclesPerInference = Math.round((WINDOW_S * board.clockHz) / REPEAT);

const LPM_QUIRKS = { actualMv: 3297, nul: true, timestampS: 1, summary: true, voltCalibMs: 1260 };
const PPK_QUIRKS = { transients: true, glitchEvery: 997, gapEvery: 2011, gapLen: 1 };

async function viaSim(label, Sim, simOpts, spec, rateHz, volts) {
  const pty = await openPtyPair();
  const sim = await new Sim({ path: pty.device, idleA: IDLE_A, activeA: ACTIVE_A, ...simOpts }).open();
  const src = await openEnergySource(spec(pty.host), board);
  try {
    const r = await src.measure(async () => {
      await sim.trigger(Math.round(WINDOW_S * rateHz));
      return { counter: Math.floor(cyclesPerInference * 0.99), counterUnit: 'cycles', repeat: REPEAT };
    }, { macs: MACS });
    return { label, r, analytic: (ACTIVE_A * volts * WINDOW_S) / REPEAT };
  } finally {
    await src.close();
    await sim.close();
    await pty.close();
  }
}

async function viaModel() {
  const src = await openEnergySource('model', board);
  const r = await src.measure(async () => ({ counter: cyclesPerInference, counterUnit: 'cycles', repeat: REPEAT }), { macs: MACS });
  return { label: 'model stm32l4 (26.4 mW table row)', r, analytic: (0.0264 * WINDOW_S) / REPEAT };
}

(async () => {
  const rows = [];
  rows.push(await viaModel());
  const L = { quirks: LPM_QUIRKS };
  rows.push(await viaSim('lpm01a sim, 5 kHz, output current', Lpm01aSim, L, (p) => `lpm01a:${p},output=current`, 5000, 3.297));
  rows.push(await viaSim('lpm01a sim, 5 kHz, output energy', Lpm01aSim, L, (p) => `lpm01a:${p},output=energy`, 5000, 3.297));
  rows.push(await viaSim('lpm01a sim, 1 kHz, 1.8 V, output energy', Lpm01aSim, { quirks: { ...LPM_QUIRKS, actualMv: 1797 } }, (p) => `lpm01a:${p},freq=1k,volt=1800m`, 1000, 1.797));
  rows.push(await viaSim('lpm01a sim, 5 kHz, ±5% noise, output current', Lpm01aSim, { ...L, noise: 0.05, seed: 3 }, (p) => `lpm01a:${p},output=current`, 5000, 3.297));
  rows.push(await viaSim('lpm01a sim, 5 kHz, ±5% noise, output energy', Lpm01aSim, { ...L, noise: 0.05, seed: 3 }, (p) => `lpm01a:${p}`, 5000, 3.297));
  const P = { quirks: PPK_QUIRKS };
  rows.push(await viaSim('ppk2 sim, 3.3 V, pulses, spike filter on', Ppk2Sim, { ...P, pulses: true }, (p) => `ppk2:${p}`, 100000, 3.3));
  rows.push(await viaSim('ppk2 sim, 3.3 V, pulses, spike filter off', Ppk2Sim, { ...P, pulses: true }, (p) => `ppk2:${p},filter=off`, 100000, 3.3));
  rows.push(await viaSim('ppk2 sim, 1.8 V ampere, level, filter on', Ppk2Sim, P, (p) => `ppk2:${p},vdd=1800,mode=ampere,trig=level`, 100000, 1.8));

  console.log(`synthetic window: ${REPEAT} inferences of ${MACS} MACs in ${WINDOW_S * 1e3} ms; idle ${IDLE_A * 1e3} mA, active ${ACTIVE_A * 1e3} mA`);
  console.log(`quirks on: lpm01a ${JSON.stringify(LPM_QUIRKS)}; ppk2 ${JSON.stringify(PPK_QUIRKS)}`);
  console.log('analytic = active current x the supply the simulated device really delivers x window');
  const head = ['source', 'samples', 'energy/inf', 'energy/MAC', 'analytic/inf', 'error', 'ppk2 gaps'];
  const body = rows.map(({ label, r, analytic }) => [
    label, String(r.samples), formatSI(r.perInferenceJ, 'J', 5), formatSI(r.perMacJ, 'J', 5), formatSI(analytic, 'J', 5),
    `${((pct) => (Math.abs(pct) < 5e-5 ? 0 : pct))(((r.perInferenceJ - analytic) / analytic) * 100).toFixed(4)} %`,
    (r.notes.find((n) => /rolling-counter gaps/.test(n)) || '').replace(/^rolling-counter gaps: (\d+) \((\d+) samples lost, (\d+) inside.*$/, '$1 gaps, $3 filled'),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
