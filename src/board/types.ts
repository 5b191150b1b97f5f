// What the harness and user scripts see of a board, whatever runs the kernels
// (the native addon on the host, host-sim on a pty, QEMU, a real MCU).

export type CounterKind = 'cycles' | 'instructions' | 'nanoseconds';

export interface BoardInfo {
  name: string;             // "host", "host-sim", "qemu-m4", "stm32h7", ...
  cpu: string;
  clockHz: number;          // 0 when not meaningful; the clock reached where the board reports it
  clockSource?: string;     // where the clock comes from (STM32: HSE/HSI, PLL), when the board says
  stack?: { bytes: number; used: number }; // main stack and its high-water mark at HELLO, when the board says
  counterKind: CounterKind;
  counterUnit: string;      // "ns (host)", "instructions (QEMU)", "cycles"
  arenaBytes: number;
  maxFrame: number;         // 0 for boards without a link
  nCores: number;
  protocolVersion: number;  // 0 for boards without a link
  firmwareVersion: string;
  kernels: { id: number; name: string }[];
  maxRepeat?: number;       // largest RUN repeat the board accepts (HELLO); absent: no stated limit
}

export interface Shape { S: number; E: number; P: number; H: number; T?: number }

export interface RunRequest {
  kernel: string;                 // our kernel name, e.g. "linear_qk" (docs/kernels.md)
  shape: Shape;
  split?: 'heads' | 'rows';       // qk_softmax / av only; default heads
  rq: Array<[number, number]>;    // (mul, div) pairs, kernel's count
  consts?: number[];              // gelu only
  inputs: Uint8Array[];           // raw little-endian bytes of each input, argument order
  cores?: number;                 // default 1
  repeat?: number;                // default 1 (energy windows)
}

export interface RunResult {
  output: Uint8Array;             // raw bytes of the output tensor
  counter: number;                // one run, in counterUnit
  perCore: number[];              // per-core counters (length = cores); on cluster boards each core's work without its barrier waits
  perCoreWait?: number[];         // cluster boards (qemu-rv32, gap9): each core's wait at barriers (lockstep, see firmware/boards/common/cluster/th_cluster.h)
  criticalPath?: number;          // cluster boards: sum over phases of the slowest core's work
  counterKind: CounterKind;
  counterUnit: string;
  scratchBytes: number;           // scratch the kernel used
  arenaPeak: number;              // inputs + output + scratch bytes resident for the run
}

export interface Board {
  readonly info: BoardInfo;
  run(req: RunRequest): Promise<RunResult>;
  /** Stops the run in flight (ABORT) and any run() already called; absent where a run cannot be stopped. */
  abort?(): Promise<void>;
  /** Aborts the run in flight, then closes the link. */
  close(): Promise<void>;
}
