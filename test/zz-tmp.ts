import { openEnergySource } from '../src/energy';
const { openPtyPair } = require('../tools/sim/pty');
const { Ppk2Sim } = require('../tools/sim/ppk2');
const { Lpm01aSim } = require('../tools/sim/lpm01a');
(async () => {
  for (const [Sim, kind] of [[Ppk2Sim, 'ppk2'], [Lpm01aSim, 'lpm01a']] as const) {
    const pty = await openPtyPair();
    const sim = await new Sim({ path: pty.device }).open();
    const src = await openEnergySource(`${kind}:${pty.host},timeout=400`, { name: 'stm32l4', clockHz: 80e6, counterKind: 'cycles' });
    const err = await src.measure(async () => { setTimeout(() => pty.close(), 100); await new Promise(r => setTimeout(r, 300)); return { counter: 1, counterUnit: 'cycles', repeat: 1 }; }).then(() => null, (e: Error) => e.message);
    console.log(kind, '->', err);
    await src.close(); await sim.close();
  }
})().catch(e => { console.error('ERR', e); process.exit(1); });
