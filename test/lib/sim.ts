// Shared by the instrument-simulator suites: skip plainly without socat, and run a simulator on
// one end of a pty pair while the driver under test gets the other end.
import t from 'tap';
import { execFileSync } from 'child_process';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { openPtyPair } = require('../../tools/sim/pty');

let haveSocat = true;
try { execFileSync('socat', ['-V'], { stdio: 'ignore' }); } catch { haveSocat = false; }

/** A tap subtest that skips, saying why, when socat (the pty pairs) is missing. */
export const simTest = (name: string, fn: (t: any) => Promise<void>) =>
  t.test(name, { skip: haveSocat ? false : 'socat not installed (apt-get install socat): the pty simulators need it' }, fn);

/** Opens a pty pair, `new Sim({ path, ...defaults, ...simOpts })` on one end, gives the other end's path to `fn`. */
export async function withSim(Sim: any, defaults: object, simOpts: object, fn: (sim: any, host: string) => Promise<void>): Promise<void> {
  const pty = await openPtyPair();
  const sim = await new Sim({ path: pty.device, ...defaults, ...simOpts }).open();
  try {
    await fn(sim, pty.host);
  } finally {
    await sim.close();
    await pty.close();
  }
}
