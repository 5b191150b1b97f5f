// energy-lpm01a.test.ts - the LPM01A driver against the protocol simulator on a real pty pair (socat):
// integrated energy vs the analytic value, the exact command sequence, and the clear errors of each fault.
import t from 'tap';
import { openEnergySource } from '../src/energy';
import type { EnergySource } from '../src/energy';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { openPtyPair } = require('../tools/sim/pty');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Lpm01aSim } = require('../tools/sim/lpm01a');

import { simTest, withSim as withSimOf } from './lib/sim';

const board = { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' as const };
const IDLE = 1e-3, ACTIVE = 12.5e-3, V = 3.3, F = 5000;

const withSim = (simOpts: object, fn: (sim: any, host: string) => Promise<void>): Promise<void> =>
  withSimOf(Lpm01aSim, { idleA: IDLE, activeA: ACTIVE }, simOpts, fn);

/** A board window: the trigger is high for `samples` sample periods, the counter says `repeat` runs of `cycles`. */
const windowOf = (sim: any, samples: number, repeat: number) => async () => {
  await sim.trigger(samples);
  return { counter: Math.round(((samples / F) * board.clockHz) / repeat), counterUnit: 'cycles', repeat };
};

simTest('integrates current x volt x dt over the trigger window only', (t) =>
  withSim({}, async (sim, host) => {
    const src: EnergySource = await openEnergySource(`lpm01a:${host}`, board);
    try {
      t.equal(src.describe(), `lpm01a ${host} (3300 mV, 5 kHz, trigger D7 fal)`);
      const r = await src.measure(windowOf(sim, 250, 1000), { macs: 1e6 });
      const analytic = 250 * (1 / F) * ACTIVE * V; // 2.0625 mJ
      t.ok(Math.abs(r.energyJ - analytic) <= 1e-12 * analytic, `energy ${r.energyJ} J vs analytic ${analytic} J`);
      t.equal(r.samples, 250);
      t.ok(Math.abs(r.windowS - 0.05) < 1e-12);
      t.ok(Math.abs(r.perInferenceJ - analytic / 1000) < 1e-15);
      t.ok(Math.abs(r.perMacJ! - analytic / 1000 / 1e6) < 1e-21);
      t.ok(Math.abs(r.avgPowerW - ACTIVE * V) < 1e-12);
      t.equal(r.estimate, false);
      t.equal(r.repeat, 1000);
      t.match(r.notes.join('\n'), /board counter: 50 ms for 1000 runs; trigger window 50 ms \(\+0\.0%/);
      // A second window on the same open source: the driver is reusable.
      const r2 = await src.measure(windowOf(sim, 500, 10));
      t.ok(Math.abs(r2.energyJ - 2 * analytic) <= 1e-12 * analytic, 'second measurement on the same port');
      t.same(sim.log, [
        'htc', 'volt 3300m', 'freq 5k', 'acqtime 0', 'format ascii_dec', 'output current', 'trigsrc sw',
        'eventsrc d7 fal', 'pwr on', 'start', 'stop', 'start', 'stop',
      ], 'exact command sequence');
    } finally {
      await src.close();
    }
    t.equal(sim.log[sim.log.length - 1], 'hrc', 'close releases host control');
  }));

simTest('noisy current: within the sampling error of the analytic value', (t) =>
  withSim({ noise: 0.05, seed: 7 }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},volt=1800m,freq=2k`, board);
    try {
      const r = await src.measure(async () => { await sim.trigger(400); return { counter: 1, counterUnit: 'cycles', repeat: 1 }; });
      const analytic = 400 * (1 / 2000) * ACTIVE * 1.8;
      // Uniform ±5 % noise on 400 samples: standard error 0.14 %; 4 digits of mantissa add < 0.01 %.
      t.ok(Math.abs(r.energyJ - analytic) / analytic < 0.006, `energy ${r.energyJ} vs ${analytic}`);
      t.equal(r.samples, 400);
    } finally {
      await src.close();
    }
  }));

simTest('an error reply names the command and the device detail', (t) =>
  withSim({ fault: { error: 'freq' } }, async (_sim, host) => {
    await t.rejects(openEnergySource(`lpm01a:${host}`, board), {
      message: `LPM01A on ${host} rejected 'freq 5k': error freq 5k (simulated failure of 'freq')`,
    });
  }));

simTest('a monitor that never answers: timeout naming port and command', (t) =>
  withSim({ fault: { silentOn: 'htc' } }, async (_sim, host) => {
    await t.rejects(openEnergySource(`lpm01a:${host},timeout=300`, board), {
      message: `LPM01A on ${host}: no answer within 300 ms to 'htc' (last command 'htc'); is this the LPM01A's port, at 3686400 baud?`,
    });
  }));

simTest('a monitor that goes silent mid-acquisition', (t) =>
  withSim({ fault: { silentAfterSamples: 100 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},timeout=300`, board);
    try {
      const err = await src.measure(windowOf(sim, 2500, 1)).then(() => null, (e: Error) => e);
      t.ok(err, 'measure rejects');
      t.match(err!.message, new RegExp(`^LPM01A on ${host}: data stopped for more than 300 ms during acquisition \\(last command 'start', \\d+ samples received\\)$`));
    } finally {
      await src.close();
    }
  }));

simTest('dropped sample lines are caught by the TimeStamp count, never integrated', (t) =>
  withSim({ fault: { dropAt: 600, dropCount: 20 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      await t.rejects(src.measure(windowOf(sim, 2500, 1)), {
        message: `LPM01A on ${host}: lost samples: 480 samples between TimeStamp 0.1 s and 0.2 s, expected 500 at 5 kHz; measurement discarded`,
      });
    } finally {
      await src.close();
    }
  }));

simTest('a damaged sample line is an error', (t) =>
  withSim({ fault: { damageAt: 300 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      await t.rejects(src.measure(windowOf(sim, 2500, 1)), {
        message: `LPM01A on ${host}: damaged sample line "125" after 300 samples: data lost, measurement discarded`,
      });
    } finally {
      await src.close();
    }
  }));

simTest('no trigger edge: the error points at the wiring', (t) =>
  withSim({}, async (_sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      const err = await src.measure(async () => ({ counter: 1, counterUnit: 'cycles', repeat: 1 }), { settleMs: 200 }).then(() => null, (e: Error) => e);
      t.match(err?.message, new RegExp(`^LPM01A on ${host}: no trigger event within 200 ms after the board finished \\(\\d+ samples, none marked\\); check the trigger wire to D7 and 'eventsrc d7 fal'$`));
    } finally {
      await src.close();
    }
  }));

simTest('a port that does not exist', async (t) => {
  await t.rejects(openEnergySource('lpm01a:/dev/does-not-exist', board), {
    message: /^LPM01A: cannot open \/dev\/does-not-exist at 3686400 baud: /,
  });
});

simTest('the instrument vanishing mid-acquisition is an error, not a hang', async (t) => {
  const pty = await openPtyPair();
  const sim = await new Lpm01aSim({ path: pty.device }).open();
  const src = await openEnergySource(`lpm01a:${pty.host},timeout=400`, board);
  try {
    const err = await src.measure(async () => {
      await pty.close(); // socat gone: the driver's pty loses its peer
      await new Promise((r) => setTimeout(r, 200));
      return { counter: 1, counterUnit: 'cycles', repeat: 1 };
    }).then(() => null, (e: Error) => e);
    t.match(err?.message, new RegExp(`^LPM01A on ${pty.host}: (the port closed \\(instrument unplugged or reset\\?\\)|serial port error: .+|data stopped for more than 400 ms .+)$`));
  } finally {
    await src.close();
    await sim.close();
  }
});

simTest('standalone simulator: node tools/sim/lpm01a.js serves a driver', async (t) => {
  const { spawn } = await import('child_process');
  const child = spawn(process.execPath, ['tools/sim/lpm01a.js', '--window-ms', '20', '--period-ms', '150'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  t.teardown(async () => { child.kill(); await exited; });
  const host = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator printed no port: ${out}`)), 10000);
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /lpm01a:(\S+)\)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const src = await openEnergySource(`lpm01a:${host}`, board);
  try {
    const r = await src.measure(async () => {
      await new Promise((res) => setTimeout(res, 400)); // the simulator raises its own periodic window
      return { counter: 1600, counterUnit: 'cycles', repeat: 1000 };
    });
    t.equal(r.samples, 100, '20 ms at 5 kHz');
    const analytic = 100 * (1 / F) * ACTIVE * V;
    t.ok(Math.abs(r.energyJ - analytic) <= 1e-12 * analytic, `energy ${r.energyJ} vs ${analytic}`);
  } finally {
    await src.close();
  }
});
