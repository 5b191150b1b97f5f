// Shared by the instrument-simulator suites: run a simulator as a TCP server (tools/sim/tcp.js) while the
// driver under test connects with tcp://, through the Transport layer, no socat needed; the pty tests (real
// pseudo-terminals from socat, the simulators' standalone form) skip plainly without socat.
import t from 'tap';
import { execFileSync } from 'child_process';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { openPtyPair } = require('../../tools/sim/pty');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { listenLink } = require('../../tools/sim/tcp');

let haveSocat = true;
try { execFileSync('socat', ['-V'], { stdio: 'ignore' }); } catch { haveSocat = false; }

/** A tap subtest against a simulator over TCP (withSim): needs nothing installed. */
export const simTest = (name: string, fn: (t: any) => Promise<void>) => t.test(name, fn);

/** A tap subtest on a real pty pair: skips, saying why, when socat is missing. */
export const ptyTest = (name: string, fn: (t: any) => Promise<void>) =>
  t.test(name, { skip: haveSocat ? false : 'socat not installed (apt-get install socat): the pty simulators need it' }, fn);

/** Serves `new Sim({ link, ...defaults, ...simOpts })` on a TCP port, gives the driver's port (tcp://127.0.0.1:N) to `fn`. */
export async function withSim(Sim: any, defaults: object, simOpts: object, fn: (sim: any, host: string) => Promise<void>): Promise<void> {
  const tcp = await listenLink();
  const sim = await new Sim({ link: tcp.link, ...defaults, ...simOpts }).open();
  try {
    await fn(sim, tcp.url);
  } finally {
    await sim.close();
    await tcp.close();
  }
}

/** As withSim, on one end of a pty pair (socat); the driver gets the other end's path. */
export async function withPtySim(Sim: any, defaults: object, simOpts: object, fn: (sim: any, host: string) => Promise<void>): Promise<void> {
  const pty = await openPtyPair();
  const sim = await new Sim({ path: pty.device, ...defaults, ...simOpts }).open();
  try {
    await fn(sim, pty.host);
  } finally {
    await sim.close();
    await pty.close();
  }
}
