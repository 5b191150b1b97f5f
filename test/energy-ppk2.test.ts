// energy-ppk2.test.ts - the PPK2 driver against the protocol simulator on a real pty pair (socat):
// energy vs the analytic value with the device's calibration, exact command bytes, and each fault's error.
import t from 'tap';
import { openEnergySource } from '../src/energy';
import { PPK2_DEFAULT_CAL, ppk2Current } from '../src/energy/ppk2Decode';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { openPtyPair } = require('../tools/sim/pty');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Ppk2Sim, encodeCurrent } = require('../tools/sim/ppk2');

import { simTest, withSim as withSimOf } from './lib/sim';

const board = { name: 'stm32h7', clockHz: 480e6, counterKind: 'cycles' as const };
const IDLE = 1e-3, ACTIVE = 12.5e-3, V = 3.3, F = 100_000;

const withSim = (simOpts: object, fn: (sim: any, host: string) => Promise<void>): Promise<void> =>
  withSimOf(Ppk2Sim, { idleA: IDLE, activeA: ACTIVE }, simOpts, fn);

/** PPK2 commands have no replies: wait until the simulator has read `n` of them. */
async function received(sim: any, n: number): Promise<void> {
  for (let i = 0; i < 100 && sim.cmds.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

const windowOf = (sim: any, samples: number, repeat: number) => async () => {
  await sim.trigger(samples);
  return { counter: Math.round(((samples / F) * board.clockHz) / repeat), counterUnit: 'cycles', repeat };
};

simTest('integrates over the logic-high window with the device calibration', (t) =>
  withSim({}, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},trig=level`, board);
    try {
      t.equal(src.describe(), `ppk2 ${host} (source meter 3300 mV, trigger D0)`);
      await received(sim, 5);
      t.same(sim.cmds.slice(0, 5), [[0x07], [0x19], [0x11, 2], [0x0d, 0x0c, 0xe4], [0x0c, 1]], 'setup bytes: stop, metadata, source mode, 3300 mV, DUT on');
      t.equal(sim.vddMv, 3300);
      const r = await src.measure(windowOf(sim, 5000, 1000), { macs: 2e6 });
      const analytic = 5000 * (1 / F) * ACTIVE * V; // 2.0625 mJ
      // 14-bit ADC rounding on a constant current: at most 2 ADC counts of ~4.3 µA x 2.4 on range 2.
      t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-3, `energy ${r.energyJ} J vs analytic ${analytic} J`);
      t.equal(r.samples, 5000);
      t.ok(Math.abs(r.windowS - 0.05) < 1e-12);
      t.ok(Math.abs(r.perMacJ! - r.energyJ / 1000 / 2e6) < 1e-24);
      t.equal(r.estimate, false);
      t.same(sim.cmds.slice(5), [[0x06], [0x07]], 'AverageStart then AverageStop');
      // The test can tell a driver that ignored the metadata: the nominal defaults are far off here.
      const { range, raw } = encodeCurrent(ACTIVE, 3300);
      const withDefaults = ppk2Current(range, raw * 4, PPK2_DEFAULT_CAL, 3300);
      t.ok(Math.abs(withDefaults - ACTIVE) / ACTIVE > 0.01, `defaults would read ${withDefaults} A`);
      const r2 = await src.measure(windowOf(sim, 1000, 1));
      t.ok(Math.abs(r2.energyJ - analytic / 5) / (analytic / 5) < 1e-3, 'second measurement on the same port');
    } finally {
      await src.close();
    }
  }));

simTest('trigger on another logic channel', (t) =>
  withSim({ bit: 3 }, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},bit=D3,vdd=1800,mode=ampere,trig=level`, board);
    try {
      await received(sim, 5);
      t.same(sim.cmds.slice(2, 4), [[0x11, 1], [0x0d, 0x07, 0x08]], 'ampere meter, 1800 mV');
      const r = await src.measure(windowOf(sim, 2000, 1));
      const analytic = 2000 * (1 / F) * ACTIVE * 1.8;
      t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-3, `energy ${r.energyJ} vs ${analytic}`);
      t.match(r.notes.join('\n'), /ampere meter: power uses the declared DUT voltage 1.8 V/);
    } finally {
      await src.close();
    }
  }));

simTest('the wrong logic channel: trigger never seen', (t) =>
  withSim({ bit: 3 }, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},trig=level`, board);
    try {
      const err = await src.measure(windowOf(sim, 2000, 1), { settleMs: 200 }).then(() => null, (e: Error) => e);
      t.match(err?.message, new RegExp(`^PPK2 on ${host}: trigger D0 never went high within 200 ms after the board finished \\(\\d+ samples\\); check the wire from the board's trigger GPIO to the logic port$`));
    } finally {
      await src.close();
    }
  }));

simTest('a rolling-counter gap is lost data: clear error, no figure', (t) =>
  withSim({ fault: { dropAt: 1000, dropCount: 5 } }, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},trig=level`, board);
    try {
      await t.rejects(src.measure(windowOf(sim, 20000, 1)), {
        message: `PPK2 on ${host}: lost samples: rolling counter jumped from 39 to 45 after 1000 samples (5 missing, or that plus a multiple of 64); the host or USB link dropped data; measurement discarded`,
      });
    } finally {
      await src.close();
    }
  }));

simTest('no metadata answer: timeout naming the opcode', (t) =>
  withSim({ fault: { noMetadata: true } }, async (_sim, host) => {
    await t.rejects(openEnergySource(`ppk2:${host},timeout=300,trig=level`, board), {
      message: `PPK2 on ${host}: no metadata (text ending END) within 300 ms after GetMetadata (0x19); is this a PPK2? (received 0 bytes)`,
    });
  }));

simTest('samples stop mid-window: timeout naming the last command', (t) =>
  withSim({ fault: { silentAfterSamples: 3000 } }, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},timeout=300,trig=level`, board);
    try {
      const err = await src.measure(windowOf(sim, 20000, 1)).then(() => null, (e: Error) => e);
      t.match(err?.message, new RegExp(`^PPK2 on ${host}: no samples for more than 300 ms \\(last command AverageStart \\(0x06\\), \\d+ samples received\\)$`));
    } finally {
      await src.close();
    }
  }));

simTest('metadata without calibration: nominal defaults, marked estimate', (t) =>
  withSim({ fault: { metadata: 'Calibrated: 0\nR0: 1003.3741\nHW: 9173\nEND\n' } }, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},trig=level`, board);
    try {
      const r = await src.measure(windowOf(sim, 1000, 1));
      t.equal(r.estimate, true);
      t.match(r.notes.join('\n'), /calibration keys missing from metadata, nominal defaults used: R1, R2, R3, R4, GS0, /);
    } finally {
      await src.close();
    }
  }));

simTest('trig=pulses: MLPerf-style start and end pulses on an idle-high line', (t) =>
  withSim({ pulses: true }, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},trig=pulses`, board);
    try {
      t.equal(src.describe(), `ppk2 ${host} (source meter 3300 mV, trigger D0 pulses)`);
      const r = await src.measure(windowOf(sim, 3000, 1));
      const analytic = 3000 * (1 / F) * ACTIVE * V;
      t.equal(r.samples, 3000, 'window from the first falling edge to the second');
      t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-3, `energy ${r.energyJ} vs ${analytic}`);
    } finally {
      await src.close();
    }
  }));

simTest('trig=pulses on a line that idles low is refused', (t) =>
  withSim({}, async (sim, host) => {
    const src = await openEnergySource(`ppk2:${host},trig=pulses`, board);
    try {
      await t.rejects(src.measure(windowOf(sim, 3000, 1)), {
        message: `PPK2 on ${host}: trigger D0 was low when sampling started; trig=pulses needs it idle high`,
      });
    } finally {
      await src.close();
    }
  }));

simTest('the instrument vanishing mid-acquisition is an error, not a hang', async (t) => {
  const pty = await openPtyPair();
  const sim = await new Ppk2Sim({ path: pty.device }).open();
  const src = await openEnergySource(`ppk2:${pty.host},timeout=400,trig=level`, board);
  try {
    const err = await src.measure(async () => {
      await pty.close();
      await new Promise((r) => setTimeout(r, 200));
      return { counter: 1, counterUnit: 'cycles', repeat: 1 };
    }).then(() => null, (e: Error) => e);
    t.match(err?.message, new RegExp(`^PPK2 on ${pty.host}: (the port closed \\(instrument unplugged or reset\\?\\)|serial port error: .+|no samples for more than 400 ms .+)$`));
  } finally {
    await src.close();
    await sim.close();
  }
});

simTest('standalone simulator: node tools/sim/ppk2.js serves a driver', async (t) => {
  const { spawn } = await import('child_process');
  const child = spawn(process.execPath, ['tools/sim/ppk2.js', '--window-ms', '20', '--period-ms', '150', '--bit', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  t.teardown(async () => { child.kill(); await exited; });
  const host = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator printed no port: ${out}`)), 10000);
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /ppk2:(\S+)\)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const src = await openEnergySource(`ppk2:${host},bit=1,trig=level`, board);
  try {
    const r = await src.measure(async () => {
      await new Promise((res) => setTimeout(res, 400));
      return { counter: 9600, counterUnit: 'cycles', repeat: 1000 };
    });
    t.equal(r.samples, 2000, '20 ms at 100 kS/s');
    const analytic = 2000 * (1 / F) * ACTIVE * V;
    t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-3, `energy ${r.energyJ} vs ${analytic}`);
  } finally {
    await src.close();
  }
});
