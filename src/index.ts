// index.ts - the TypeScript API for scripts: open a board, run a kernel on tensors (checked
// against the golden model), read counters, measure energy.
//
//   const { HilBoard } = require('tinyhil');
//   const board = await HilBoard.open({ board: 'qemu-m4' });
//   const r = await board.run('linear_qk', [I, W, B], { shape: { S: 16, E: 32, P: 8, H: 2 } });
//   const e = await board.measure('mhsa', tensors, { shape, energy: 'model', repeat: 10 });
//   const b = await board.runModel('examples/models/ecg-dft.yml', { x });   // a whole encoder block
//   await board.close();
import type { Board, BoardInfo, RunResult, Shape } from './board/types';
import { KERNELS, compare, runGolden } from './golden';
import type { EnergyResult, EnergySource } from './energy/types';
import { measureRun } from './energy/window';
import { macs as nativeMacs } from './native';
import { HostBoard } from './board/host';
import { loadModel, type Model } from './model/load';
import type { BlockInputs } from './model/golden';
import { runModel, type BlockResult, type RunModelOptions } from './model/run';

export type Tensor = Int8Array | Uint8Array | Int16Array;

export interface KernelOptions {
  shape: Shape;
  split?: 'heads' | 'rows';
  /** (mul, div) pairs; default the kernel's (docs/kernels.md). */
  rq?: Array<[number, number]>;
  consts?: number[];
  cores?: number;
}

export interface KernelRun extends RunResult {
  /** The output as a typed array of the kernel's output type. */
  tensor: Int8Array | Uint8Array;
  /** null when bit-exact against the golden model, else the first differing elements by coordinate. */
  mismatch: string | null;
  macs: number;
}

const bytes = (a: Tensor): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export class HilBoard {
  private constructor(readonly board: Board) {}

  /** board: host, host-sim, qemu-m4, qemu-m7, qemu-rv32, or any name with a port (stm32h7 on /dev/ttyACM0). */
  static async open(opts: { board: string; port?: string }): Promise<HilBoard> {
    if (opts.board === 'host') return new HilBoard(new HostBoard());
    const { openBoard } = await import('./board/open');
    return new HilBoard(await openBoard(opts));
  }

  get info(): BoardInfo {
    return this.board.info;
  }

  private request(kernel: string, tensors: Tensor[], o: KernelOptions) {
    const k = KERNELS[kernel];
    if (!k) throw new RangeError(`Unknown kernel "${kernel}"; known kernels: ${Object.keys(KERNELS).join(', ')}`);
    const shape = { T: o.shape.S, ...o.shape };
    return { kernel, shape, split: o.split ?? 'heads', rq: o.rq ?? k.defaultRq, consts: o.consts ?? k.defaultConsts ?? [], inputs: tensors.map(bytes), cores: o.cores ?? 1 } as const;
  }

  private finish(kernel: string, tensors: Tensor[], o: KernelOptions, res: RunResult): KernelRun {
    const req = this.request(kernel, tensors, o);
    const want = runGolden(kernel, { ...req.shape, split: req.split, rq: [...req.rq], consts: [...req.consts] }, tensors);
    const out = res.output;
    const tensor = KERNELS[kernel].output.dtype === 'u8' ? new Uint8Array(out) : new Int8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    return { ...res, tensor, mismatch: compare(kernel, req.shape, out, bytes(want)), macs: nativeMacs(kernel, req.shape) };
  }

  /** Runs `kernel` on the board and checks the output against the golden model. */
  async run(kernel: string, tensors: Tensor[], o: KernelOptions): Promise<KernelRun> {
    const req = this.request(kernel, tensors, o);
    return this.finish(kernel, tensors, o, await this.board.run({ ...req, rq: [...req.rq], consts: [...req.consts] }));
  }

  /** Runs `kernel` `repeat` times inside the energy window of `energy` ('model', 'lpm01a:PORT', 'ppk2:PORT' or an open source). */
  async measure(kernel: string, tensors: Tensor[], o: KernelOptions & { energy: string | EnergySource; repeat?: number }): Promise<KernelRun & { energy: EnergyResult }> {
    const { openEnergySource } = await import('./energy');
    const source = typeof o.energy === 'string' ? await openEnergySource(o.energy, this.board.info) : o.energy;
    try {
      const req = this.request(kernel, tensors, o);
      const { energy, run } = await measureRun(source, this.board, { ...req, rq: [...req.rq], consts: [...req.consts] }, o.repeat ?? 1, nativeMacs(kernel, req.shape));
      return { ...this.finish(kernel, tensors, o, run), energy };
    } finally {
      if (typeof o.energy === 'string') await source.close({ keepPower: true }); // the board is still in use
    }
  }

  /**
   * Runs an encoder block (a Model from loadModel, or a model file path) with weights and activations
   * resident on the board; every layer is checked bit-exact. `inputs` replace the block inputs' own data.
   */
  async runModel(model: Model | string, inputs: BlockInputs = {}, opts: Omit<RunModelOptions, 'inputs'> = {}): Promise<BlockResult> {
    const m = typeof model === 'string' ? loadModel(model) : model;
    return runModel(this.board, m, { ...opts, inputs });
  }

  /** Stops the run in flight on the board (ABORT): its run()/measure() rejects with RunAbortedError. */
  async abort(): Promise<void> {
    await this.board.abort?.();
  }

  /** Stops the run in flight (ABORT), then closes the link. */
  close(): Promise<void> {
    return this.board.close();
  }
}

export { KERNELS, runGolden, compare } from './golden';
export { generateInputs } from './gen';
export { loadConfig, parseConfig } from './harness/config';
export { expandPoints } from './harness/points';
export { runPoint, runSweep } from './harness/sweep';
export type { Board, BoardInfo, RunRequest, RunResult, Shape } from './board/types';
export { loadModel, parseModel } from './model/load';
export type { Model, ModelNode, ModelTensor } from './model/load';
export { runModel } from './model/run';
export type { BlockResult, NodeResult, RunModelOptions } from './model/run';
export { runBlockGolden } from './model/golden';
export { planModel, checkFits } from './model/plan';
