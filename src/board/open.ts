// openBoard: a Board by name — host-sim (started here), QEMU boards (started here), or any port URL.

import { openTransport } from '../transport';
import { SwitchTransport } from '../transport/switch';
import { ReopeningTransport, type ReopenOptions } from '../transport/reopen';
import type { Transport } from '../transport/types';
import { HostSimOptions, startHostSim } from './hostsim';
import { LinkBoard, LinkBoardOptions } from './link';

export interface OpenBoardOptions extends Omit<LinkBoardOptions, 'onClose' | 'name'> {
  /** host-sim, qemu-m4, qemu-m7, qemu-rv32, stm32h7, stm32l4, gap9, or any name for a board on `port`. */
  board: string;
  /** Device path, pty, tcp://host:port or rfc2217://host:port. Without it host-sim and QEMU boards are started. */
  port?: string;
  baudRate?: number;
  /** host-sim started here: its options. */
  hostSim?: HostSimOptions;
  /** QEMU boards started here: options passed to startQemuBoard. */
  qemu?: Record<string, unknown>;
  /** A board on `port`: how its link is reopened after it closes (default: for up to 30 s). */
  reopen?: ReopenOptions;
}

const QEMU_BOARDS = ['qemu-m4', 'qemu-m7', 'qemu-rv32'];

/** A process serving a board on a pty (host-sim, QEMU). */
interface Started {
  port: string;
  pid?: number;
  exited?: Promise<unknown>;
  stop(): Promise<void>;
}

/** A board opened by openBoard; `restart` exists when this process started the board. */
export interface OpenedBoard extends LinkBoard {
  /** Stops the board's process and starts a new one on the same client (a power cycle). */
  restart?: () => Promise<void>;
  /** The process serving the board when this process started it. */
  started?: { port: string; pid?: number };
}

export async function openBoard(opts: OpenBoardOptions): Promise<OpenedBoard> {
  const { board, port } = opts;
  if (!board) throw new Error('openBoard: board name is required (host-sim, qemu-m4, …)');
  const remoteOpts: LinkBoardOptions = { ...opts, name: board };
  if (port) {
    // A link that closes (cable, ser2net hop, a pty hung up) is reopened on the same path or URL.
    const t = await ReopeningTransport.open(port, () => openTransport(port, { baudRate: opts.baudRate }), opts.reopen);
    return LinkBoard.connect(t, remoteOpts);
  }
  let start: () => Promise<Started>;
  if (board === 'host-sim') {
    start = () => startHostSim(opts.hostSim);
  } else if (QEMU_BOARDS.includes(board)) {
    start = () => {
      // Written separately (src/board/qemu.ts); loaded only for QEMU boards.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const q = require('./qemu') as { startQemuBoard(b: string, o?: unknown): Promise<Started> };
      return q.startQemuBoard(board, opts.qemu ?? {});
    };
  } else {
    throw new Error(`Board ${board} needs a port (--port /dev/ttyACM0, tcp://host:port or rfc2217://host:port)`);
  }
  // The client talks to a switch, so a restarted board (new pty) keeps the same client.
  let proc = await start();
  const link = new SwitchTransport(`${board} (${proc.port})`);
  const attach = async (p: Started): Promise<void> => {
    let t: Transport;
    try {
      t = await openTransport(p.port, { baudRate: opts.baudRate });
    } catch (e) {
      await p.stop();
      throw e;
    }
    link.attach(t);
    // A pty whose serving process died reads end-of-file forever (serialport then spins): close it.
    void p.exited?.then(() => t.close().catch(() => undefined));
  };
  await attach(proc);
  let b: OpenedBoard;
  try {
    b = await LinkBoard.connect(link, { ...remoteOpts, onClose: () => proc.stop() });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  b.started = { port: proc.port, pid: proc.pid };
  b.restart = async () => {
    await proc.stop();
    proc = await start();
    await attach(proc);
    b.started = { port: proc.port, pid: proc.pid };
    // attach() told the client the link was reopened: the request lost with the old process fails
    // at once (no 30 s RUN timeout) and the run starts over with HELLO.
  };
  return b;
}
