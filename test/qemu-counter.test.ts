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
const WRAP_INSTRUCTIONS = 2 ** 24 * 40 / 2 ** 7; // SysTick period in instructions (40 ns ticks, 128 ns per instruction)
const ISR_MAX = 16; // SysTick_Handler is 5 instructions at -O2; generous bound

async function calibrate(board: QemuBoardName): Promise<{ header: string; cal: Array<{ n: number; delta: number }> }> {
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
          const cal = [...text.matchAll(/CAL n=(\d+) delta=(\d+)/g)].map((m) => ({ n: Number(m[1]), delta: Number(m[2]) }));
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
    for (const { n, delta } of cal) {
      const err = delta - base[0] - 2 * n;
      if (board === 'qemu-rv32') {
        t.equal(err, 0, `n=${n}: ${delta - base[0]} instructions measured, ${2 * n} retired`);
      } else {
        const wraps = Math.ceil((2 * n + base[0]) / WRAP_INSTRUCTIONS);
        t.ok(err === 0 || (err > 0 && err <= ISR_MAX * wraps),
          `n=${n}: ${delta - base[0]} measured, ${2 * n} retired (error ${err}, allowed 0 or a SysTick handler per wrap)`);
      }
    }
    // A window shorter than a SysTick period must come out exact on every board.
    for (const { n, delta } of cal.filter((c) => 2 * c.n < 1_000_000)) {
      if (delta - base[0] - 2 * n !== 0) t.comment(`${board} n=${n}: off by ${delta - base[0] - 2 * n} (a SysTick wrap fell inside)`);
    }
  });
}
