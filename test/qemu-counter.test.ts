// qemu-counter.test.ts - proves each QEMU board's instruction counter against loops of known length.
//
// The calibration firmware (firmware/boards/common/calib_main.c) reads hal_counter() around
// th_calib_loop(n), which retires exactly 2n + 2 instructions (2 when n = 0), and prints
// "CAL n=<n> delta=<d>". So d(n) - d(0) must be 2n: exactly, except that on the MPS2 boards a
// SysTick wrap (every 2^24 ticks = 5,242,880 instructions at -icount shift=7) inside the window
// adds the few instructions of its interrupt handler.
import t from 'tap';
import { openTransport } from '../src/transport';
import { firmwarePath, qemuUnavailable, startQemuBoard, type QemuBoardName } from '../src/board/qemu';

const BOARDS: QemuBoardName[] = ['qemu-m4', 'qemu-m7', 'qemu-rv32'];

async function calibrate(board: QemuBoardName): Promise<{ header: string; cal: Array<{ n: number; delta: number; isr: number }> }> {
  const q = await startQemuBoard(board, { elf: firmwarePath(board, 'calib') });
  const link = await openTransport(q.port);
  let text = '';
  try {
    return await new Promise((resolve, reject) => {
      // QEMU notices a pty client within about a second; until then our bytes wait, so keep poking.
      const poke = setInterval(() => void link.write(Buffer.from('g')).catch(() => undefined), 200);
      const timer = setTimeout(() => {
        clearInterval(poke);
        reject(new Error(`${board}: no "CAL END" within 20 s; got:\n${text}\nQEMU: ${q.output()}`));
      }, 20000);
      link.onData((d) => {
        text += d.toString('latin1');
        if (text.includes('CALIB')) clearInterval(poke);
        if (text.includes('CAL END')) {
          clearTimeout(timer);
          const header = /CALIB [^\n]*/.exec(text)?.[0] ?? '';
          const cal = [...text.matchAll(/CAL n=(\d+) delta=(\d+) isr=(\d+)/g)].map((m) => ({ n: Number(m[1]), delta: Number(m[2]), isr: Number(m[3]) }));
          resolve({ header, cal });
        }
      });
    });
  } finally {
    await link.close();
    await q.stop();
  }
}

for (const board of BOARDS) {
  const why = qemuUnavailable(board, firmwarePath(board, 'calib'));
  t.test(`${board}: counter counts retired instructions`, { skip: why ?? false }, async (t) => {
    const { header, cal } = await calibrate(board);
    t.equal(header, `CALIB board=${board} unit=instructions (QEMU)`, 'calibration firmware identifies the board');
    t.equal(cal.length, 20, 'two passes over ten loop lengths');
    const base = cal.filter((c) => c.n === 0).map((c) => c.delta);
    t.equal(base[0], base[1], `fixed cost of two counter reads is deterministic (${base[0]} instructions)`);
    t.ok(base[0] > 0 && base[0] < 100, `fixed cost is small: ${base[0]}`);
    // Exact for every window, short and long: 2n + the fixed cost + the instructions of the
    // interrupt handler runs the window contains (MPS2: one SysTick wrap handler per 2^24 ticks;
    // the firmware says how many ran). One handler run costs the same every time.
    const withIsr = cal.filter((c) => c.isr > 0);
    const isrCost = withIsr.length ? (withIsr[0].delta - base[0] - 2 * withIsr[0].n) / withIsr[0].isr : 0;
    if (board === 'qemu-rv32') t.equal(withIsr.length, 0, 'rv32: no handler counted');
    else t.ok(withIsr.length > 0 && Number.isInteger(isrCost) && isrCost > 0 && isrCost < 40, `one SysTick handler run costs ${isrCost} instructions`);
    for (const { n, delta, isr } of cal) {
      t.equal(delta - base[0], 2 * n + isr * isrCost, `n=${n}: ${delta - base[0]} instructions measured = 2n${isr ? ` + ${isr} handler run(s) x ${isrCost}` : ''}`);
    }
  });
}
