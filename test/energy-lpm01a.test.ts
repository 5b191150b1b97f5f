// energy-lpm01a.test.ts - the LPM01A driver against the simulator (tools/sim/lpm01a.js) over TCP (tools/sim/tcp.js, tcp:// through the Transport layer) and, where marked, on a real pty pair
// (socat), with the device's recorded quirks on: calibration latency after `volt`, NULs, one TimeStamp a second,
// `event N ris`, summary after stop, a supply that differs from the set value. Each quirk and fault has a test.
import t from 'tap';
import { openEnergySource } from '../src/energy';
import { memoryPair } from '../src/transport';
import type { EnergySource } from '../src/energy';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { openPtyPair } = require('../tools/sim/pty');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Lpm01aSim } = require('../tools/sim/lpm01a');

import { ptyTest, simTest, withPtySim, withSim as withSimOf } from './lib/sim';

const board = { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' as const };
const IDLE = 1e-3, ACTIVE = 12.5e-3, F = 5000;
const ACTUAL_MV = 3297; // the shield's real supply after `volt 3300m`: read back, not assumed

const withSim = (simOpts: any, fn: (sim: any, host: string) => Promise<void>): Promise<void> =>
  withSimOf(Lpm01aSim, { idleA: IDLE, activeA: ACTIVE }, { ...simOpts, quirks: { actualMv: ACTUAL_MV, ...(simOpts.quirks ?? {}) } }, fn);
/** The same on a real pty pair (socat): the simulator as the standalone tool runs it. */
const withSimPty = (simOpts: any, fn: (sim: any, host: string) => Promise<void>): Promise<void> =>
  withPtySim(Lpm01aSim, { idleA: IDLE, activeA: ACTIVE }, { ...simOpts, quirks: { actualMv: ACTUAL_MV, ...(simOpts.quirks ?? {}) } }, fn);

/** A board window of `samples` sample periods; its counter says the runs took `busy` of that time. */
const windowOf = (sim: any, samples: number, repeat: number, busy = 0.99) => async () => {
  await sim.trigger(samples);
  return { counter: Math.round(((busy * samples / F) * board.clockHz) / repeat), counterUnit: 'cycles', repeat };
};

const SETUP = ['stop', 'htc', 'version', 'volt 3300m', 'freq 5k', 'acqtime 0', 'acqmode dyn', 'format ascii_dec',
  'output energy', 'trigsrc sw', 'eventsrc d7 fal', 'pwr on', 'volt get'];

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e);

ptyTest('output energy (default): the shield\'s per-period energies summed between the last two events', (t) =>
  withSimPty({}, async (sim, host) => {
    const src: EnergySource = await openEnergySource(`lpm01a:${host}`, board);
    try {
      t.equal(src.describe(), `lpm01a ${host} (3300 mV, 5 kHz, output energy, acqmode dyn, trigger D7 fal)`);
      const r = await src.measure(windowOf(sim, 250, 1000), { macs: 1e6 });
      const analytic = 250 * (1 / F) * ACTIVE * (ACTUAL_MV / 1000);
      // 4-digit mantissa: 8.2425e-6 J a period is sent as 8243-09 (+6.1e-5 relative).
      t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-4, `energy ${r.energyJ} J vs analytic ${analytic} J`);
      t.equal(r.samples, 250);
      t.ok(Math.abs(r.windowS - 0.05) < 1e-12);
      t.equal(r.repeat, 1000);
      t.equal(r.estimate, false);
      const notes = r.notes.join('\n');
      t.match(notes, /output energy: summed the shield's own 250 per-period energies \(200 µs each\) between events 1 and 2/);
      t.match(notes, /acqmode dyn: expected 8 mA \(power table row stm32l4: 26.4 mW at 3.3 V\) fits dynamic mode/);
      t.match(notes, /PowerShield firmware 1\.0\.6/);
      t.notMatch(notes, /Voltage configured/, 'the driver waited out the self-calibration');
      const r2 = await src.measure(windowOf(sim, 500, 10));
      t.ok(Math.abs(r2.energyJ - 2 * analytic) / analytic < 2e-4, 'second measurement on the same port');
      t.same(sim.log, [...SETUP, 'start', 'stop', 'start', 'stop'], 'exact command sequence');
    } finally {
      await src.close();
    }
    t.equal(sim.log[sim.log.length - 1], 'hrc', 'close releases host control');
  }));

simTest('output current: integrated with the voltage read back from the shield, not the set value', (t) =>
  withSim({ quirks: { voltGet: 'line' } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},output=current`, board);
    try {
      const r = await src.measure(windowOf(sim, 250, 1));
      const analytic = 250 * (1 / F) * ACTIVE * (ACTUAL_MV / 1000);
      t.ok(Math.abs(r.energyJ - analytic) <= 1e-12 * analytic, `energy ${r.energyJ} J vs analytic ${analytic} J (3.297 V)`);
      t.match(r.notes.join('\n'), /output current: integrated 250 current samples x 200 µs x 3\.297 V read back with 'volt get' between events 1 and 2/);
    } finally {
      await src.close();
    }
  }));

simTest('volt get without a number: the set value is used and the result says so', (t) =>
  withSim({ quirks: { voltGet: 'none' } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},output=current`, board);
    try {
      const r = await src.measure(windowOf(sim, 250, 1));
      t.match(r.notes.join('\n'), /x 3\.3 V as set \(not read back\)/);
    } finally {
      await src.close();
    }
  }));

simTest('a window longer than a second: NULs before samples, TimeStamps checked, no sample lost', (t) =>
  withSim({ quirks: { nul: true, timestampSep: '>' } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},freq=1k`, board);
    try {
      // 1.5 s at 1 kHz: TimeStamp 1 s falls inside; the sample after it starts with '\0'.
      const r = await src.measure(async () => { await sim.trigger(1500); return { counter: Math.round(1.49 * 80e6), counterUnit: 'cycles', repeat: 1 }; });
      t.equal(r.samples, 1500, 'the sample after the TimeStamp line is counted');
    } finally {
      await src.close();
    }
  }));

simTest('a shield left streaming by a crashed run: stop, drain, take control', (t) =>
  withSim({ quirks: { streamingAtOpen: true } }, async (sim, host) => {
    t.ok(sim.running, 'the simulator streams before the driver opens');
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      t.same(sim.log.slice(0, 2), ['stop', 'htc']);
      const r = await src.measure(windowOf(sim, 250, 1));
      t.equal(r.samples, 250);
    } finally {
      await src.close();
    }
  }));

simTest('a late error to the takeover\'s stop does not fail the htc after it', (t) =>
  withSim({ quirks: { idleStop: 'error', idleStopMs: 400 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      t.same(sim.log.slice(0, 2), ['stop', 'htc']);
      const r = await src.measure(windowOf(sim, 250, 1));
      t.equal(r.samples, 250);
    } finally {
      await src.close();
    }
  }));

simTest('a shield still self-testing after power-up: retries until it answers', (t) =>
  withSim({ quirks: { bootMs: 2500 } }, async (sim, host) => {
    const t0 = Date.now();
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      t.ok(Date.now() - t0 >= 2500, 'open waited for the self-test');
      const r = await src.measure(windowOf(sim, 250, 1));
      t.match(r.notes.join('\n'), /took control after \d+ attempts \(stop \+ htc\)/);
    } finally {
      await src.close();
    }
  }));

simTest('extra events at the start (MLPerf): the last two are the window, the counter confirms it', (t) =>
  withSim({ fault: { extraStartEvents: 2 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      const r = await src.measure(windowOf(sim, 250, 1));
      t.equal(r.samples, 250);
      t.match(r.notes.join('\n'), /4 trigger events \(event 1 at sample 0, event 2 at sample 0, event 3 at sample \d+, event 4 at sample \d+\); used the last two as MLPerf Tiny does/);
    } finally {
      await src.close();
    }
  }));

simTest('a stray edge inside the window fails loudly instead of shifting the window', (t) =>
  withSim({}, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      const err = await errorOf(src.measure(async () => {
        sim.fault.strayAt = sim.n + 200; // 200 samples into a 250-sample window
        await sim.trigger(250);
        return { counter: Math.round((0.99 * 250 / F) * 80e6), counterUnit: 'cycles', repeat: 1 };
      }));
      t.match(err?.message, new RegExp(`^LPM01A on ${host}: 3 trigger events \\(event 1 at sample \\d+, event 2 at sample \\d+, event 3 at sample \\d+\\), expected 2: the last two enclose \\d+ samples but the board's counter needs at least 248; a stray edge on D7, measurement discarded \\(\\d+ samples\\)$`));
    } finally {
      await src.close();
    }
  }));

simTest('a lost event line: numbers not consecutive', (t) =>
  withSim({ fault: { extraStartEvents: 1, dropEvent: 2 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      const err = await errorOf(src.measure(windowOf(sim, 250, 1)));
      t.match(err?.message, new RegExp(`^LPM01A on ${host}: trigger events are not consecutive \\(event 1 then event 3\\): an event line was lost, measurement discarded \\(\\d+ samples\\)$`));
    } finally {
      await src.close();
    }
  }));

simTest('over-current in dynamic mode is an error naming the fix', (t) =>
  withSim({ activeA: 80e-3 }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      const err = await errorOf(src.measure(windowOf(sim, 250, 1)));
      t.match(err?.message, new RegExp(`^LPM01A on ${host} reported over-current during acquisition: "error: over current detected, measurement range exceeded"; the target draws more than dynamic mode allows \\(50 mA\\): give lpm01a current=<peak> or acqmode=stat; measurement discarded$`));
    } finally {
      await src.close();
    }
  }));

simTest('the expected current picks static mode (current= or the board\'s power row)', (t) =>
  withSim({ activeA: 80e-3 }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},current=120mA`, board);
    try {
      t.ok(sim.log.includes('acqmode stat'));
      const r = await src.measure(windowOf(sim, 250, 1));
      const analytic = 250 * (1 / F) * 80e-3 * (ACTUAL_MV / 1000);
      t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-4, `energy ${r.energyJ} vs ${analytic}`);
      t.match(r.notes.join('\n'), /acqmode stat: expected 120 mA \(current= given\) is above dynamic mode's 50 mA/);
    } finally {
      await src.close();
    }
    const h7 = await openEnergySource(`lpm01a:${host}`, { name: 'stm32h7', clockHz: 480e6, counterKind: 'cycles' });
    try {
      t.match(h7.describe(), /acqmode stat/, 'stm32h7 row: 416 mW at 3.3 V = 126 mA');
    } finally {
      await h7.close();
    }
  }));

// On a pty: 20 samples dropped inside the window; the board's counter names them whatever the host clock says.
ptyTest('loss inside a short window (no TimeStamp line) is caught by the board counter', (t) =>
  withSimPty({}, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, board);
    try {
      const err = await errorOf(src.measure(async () => {
        sim.fault.dropAt = sim.n + 100; sim.fault.dropCount = 20;
        await sim.trigger(250);
        return { counter: Math.round((0.99 * 250 / F) * 80e6), counterUnit: 'cycles', repeat: 1 };
      }));
      t.equal(err?.message, `LPM01A on ${host}: lost samples: the trigger window holds 230 samples but the board's counter says its runs took 49.5 ms = 248 samples at 5 kHz; measurement discarded`);
    } finally {
      await src.close();
    }
  }));

// 240 ms of samples lost before the trigger: more than a loaded host's lag between the shield's clock
// and ours (the check is a lower bound), less than the 1 s TimeStamp that would catch it another way.
simTest('loss outside the window with no counter time is caught by the host clock', (t) =>
  withSim({ fault: { dropAt: 10, dropCount: 1200 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host}`, { name: 'qemu', clockHz: 0, counterKind: 'instructions' as const });
    try {
      const err = await errorOf(src.measure(async () => {
        await new Promise((r) => setTimeout(r, 300));
        await sim.trigger(250);
        return { counter: 1000, counterUnit: 'instructions', repeat: 1 };
      }));
      t.match(err?.message, new RegExp(`^LPM01A on ${host}: lost samples: \\d+ samples in an acquisition of at least \\d+ ms \\(host clock\\) = \\d+ samples at 5 kHz; measurement discarded$`));
    } finally {
      await src.close();
    }
  }));

simTest('loss before a TimeStamp line is caught by device time', (t) =>
  withSim({ fault: { dropAt: 100, dropCount: 20 } }, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},freq=1k`, { name: 'qemu', clockHz: 0, counterKind: 'instructions' as const });
    try {
      const err = await errorOf(src.measure(async () => { await sim.trigger(1200); return { counter: 1, counterUnit: 'instructions', repeat: 1 }; }));
      t.equal(err?.message, `LPM01A on ${host}: lost samples: 980 samples by TimeStamp 1 s, expected 1000 at 1 kHz; measurement discarded`);
    } finally {
      await src.close();
    }
  }));

simTest('a damaged sample line is an error', (t) =>
  withSim({}, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},output=current`, board);
    try {
      const err = await errorOf(src.measure(async () => {
        sim.fault.damageAt = sim.n + 50; // inside the window: 12.5 mA = 1250-05, cut to "125"
        await sim.trigger(250);
        return { counter: 1, counterUnit: 'cycles', repeat: 1 };
      }));
      t.match(err?.message, new RegExp(`^LPM01A on ${host}: damaged sample line "125" after \\d+ samples: data lost, measurement discarded$`));
    } finally {
      await src.close();
    }
  }));

simTest('firmware older than 1.0.6 is refused', (t) =>
  withSim({ quirks: { version: '1.0.5' } }, async (_sim, host) => {
    await t.rejects(openEnergySource(`lpm01a:${host}`, board), {
      message: `LPM01A on ${host}: PowerShield firmware 1.0.5 is older than 1.0.6, the oldest this driver supports (older firmware rejects 'pwr off'; EEMBC energyrunner issue #8); update it with ST's STM32CubeProgrammer`,
    });
  }));

simTest('an error reply names the command and the device detail', (t) =>
  withSim({ fault: { error: 'freq' } }, async (_sim, host) => {
    await t.rejects(openEnergySource(`lpm01a:${host}`, board), {
      message: `LPM01A on ${host} rejected 'freq 5k': error freq 5k (simulated failure of 'freq')`,
    });
  }));

simTest('a monitor that never answers: the boot budget, then an error naming port and attempts', (t) =>
  withSim({ fault: { silentOn: 'stop' } }, async (_sim, host) => {
    const err = await errorOf(openEnergySource(`lpm01a:${host}`, board));
    t.match(err?.message, new RegExp(`^LPM01A on ${host}: no answer to 'htc' within 10000 ms after \\d+ attempts of 'stop' \\+ 'htc' \\(last: .+\\); is this the LPM01A's port, at 3686400 baud\\?$`));
  }));

simTest('a monitor that goes silent mid-acquisition', (t) =>
  withSim({}, async (sim, host) => {
    const src = await openEnergySource(`lpm01a:${host},timeout=300`, board);
    try {
      sim.fault.silentAfterSamples = 100;
      const err = await errorOf(src.measure(windowOf(sim, 2500, 1)));
      t.match(err?.message, new RegExp(`^LPM01A on ${host}: data stopped for more than 300 ms during acquisition \\(last command 'start', \\d+ samples received\\)$`));
    } finally {
      await src.close();
    }
  }));

simTest('a port that does not exist', async (t) => {
  await t.rejects(openEnergySource('lpm01a:/dev/does-not-exist', board), {
    message: /^LPM01A: cannot open \/dev\/does-not-exist at 3686400 baud: /,
  });
});

ptyTest('the instrument vanishing mid-acquisition is an error, not a hang', async (t) => {
  const pty = await openPtyPair();
  const sim = await new Lpm01aSim({ path: pty.device }).open();
  const src = await openEnergySource(`lpm01a:${pty.host},timeout=400`, board);
  try {
    const err = await errorOf(src.measure(async () => {
      await pty.close(); // socat gone: the driver's pty loses its peer
      await new Promise((r) => setTimeout(r, 200));
      return { counter: 1, counterUnit: 'cycles', repeat: 1 };
    }));
    t.match(err?.message, new RegExp(`^LPM01A on ${pty.host}: (the port closed \\(instrument unplugged or reset\\?\\)|serial port error: .+|data stopped for more than 400 ms .+|no 'Acquisition completed' .+|write failed: .+)$`));
  } finally {
    await src.close();
    await sim.close();
  }
});

ptyTest('standalone simulator: node tools/sim/lpm01a.js serves a driver', async (t) => {
  const { spawn } = await import('child_process');
  const child = spawn(process.execPath, ['tools/sim/lpm01a.js', '--window-ms', '20', '--period-ms', '300'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  t.teardown(async () => { child.kill(); await exited; });
  const host = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator printed no port: ${out}`)), 60000);
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /lpm01a:(\S+)\)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const src = await openEnergySource(`lpm01a:${host},output=current`, board);
  try {
    const r = await src.measure(async () => {
      await new Promise((res) => setTimeout(res, 450)); // the simulator raises its own periodic window
      return { counter: 1600, counterUnit: 'cycles', repeat: 1000 };
    });
    t.equal(r.samples, 100, '20 ms at 5 kHz');
    t.ok(Math.abs(r.energyJ - 100 * (1 / F) * ACTIVE * 3.3) <= 1e-12, `energy ${r.energyJ}`);
  } finally {
    await src.close();
  }
});

simTest('over an in-memory Transport pair: no port at all, the same setup and energy', async (t) => {
  const [dev, drv] = memoryPair();
  const sim = await new Lpm01aSim({ transport: dev, idleA: IDLE, activeA: ACTIVE, quirks: { actualMv: ACTUAL_MV } }).open();
  const src = await openEnergySource('lpm01a:memory:sim', board, { transport: drv });
  try {
    t.equal(src.describe(), 'lpm01a memory:sim (3300 mV, 5 kHz, output energy, acqmode dyn, trigger D7 fal)');
    const r = await src.measure(windowOf(sim, 250, 1000));
    const analytic = 250 * (1 / F) * ACTIVE * (ACTUAL_MV / 1000);
    t.ok(Math.abs(r.energyJ - analytic) / analytic < 1e-4, `energy ${r.energyJ} J vs analytic ${analytic} J`);
    t.equal(r.samples, 250);
    t.same(sim.log, [...SETUP, 'start', 'stop'], 'exact command sequence');
  } finally {
    await src.close();
    await sim.close();
  }
});
