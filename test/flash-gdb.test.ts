// flash-gdb.test.ts - the gdb flash path against QEMU's gdbstub: QEMU starts halted with no image,
// flash() loads the firmware ELF through gdb-multiarch, and the board then answers HELLO.
import t from 'tap';
import { firmwarePath, qemuUnavailable, startQemuBoard, which, type QemuBoardName } from '../src/board/qemu';
import { flash } from '../src/flash';
import { openTransport } from '../src/transport';
import { ProtocolClient } from '../src/protocol/client';

const gdb = ['gdb-multiarch', 'arm-none-eabi-gdb'].find((g) => which(g));

for (const board of ['qemu-m4', 'qemu-rv32'] as QemuBoardName[]) {
  const why = qemuUnavailable(board) ?? (gdb ? null : 'gdb-multiarch is not installed (Debian: apt-get install gdb-multiarch)');
  t.test(`${board}: gdb load into a halted QEMU, then the firmware runs`, { skip: why ?? false }, async (t) => {
    const q = await startQemuBoard(board, { noImage: true, gdbPort: 0 });
    t.teardown(() => q.stop());
    t.ok(q.command.includes('-S') && !q.command.includes('-kernel'), 'QEMU starts halted, without an image');
    const r = await flash({ board, with: 'gdb', gdbRemote: q.gdbRemote });
    t.equal(r.tool, 'gdb');
    t.match(r.output, /Loading section \.text/, 'gdb loaded the code');
    t.match(r.output, new RegExp(`Start address 0x[0-9a-f]+, load size \\d+`), 'gdb reports the load');
    t.equal(r.args[r.args.length - 1], firmwarePath(board), 'the default ELF of the board');
    const link = await openTransport(q.port);
    const client = new ProtocolClient(link);
    t.teardown(() => client.close());
    const hello = await client.hello();
    t.equal(hello.board, board, 'the loaded firmware answers HELLO');
    t.equal(hello.counterUnit, 'instructions (QEMU)');
  });
}
