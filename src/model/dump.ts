// dump.ts - writes a block run as NumPy files plus model.json, so tools/check_dump.py can recompute the
// block node by node outside tinyhil: every weight and input, each node's golden output, the board's outputs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeNpy } from '../harness/npy';
import type { Model } from './load';
import type { BlockResult } from './run';

export function dumpBlock(dir: string, m: Model, tensors: Map<string, Uint8Array>, r?: BlockResult): string {
  const d = path.join(dir, m.name);
  fs.mkdirSync(d, { recursive: true });
  const file = (name: string) => `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`;
  const entry = (name: string) => {
    const t = m.tensors.get(name)!;
    return { name, file: file(name), dtype: t.dtype, shape: t.shape, role: t.role };
  };
  for (const t of m.tensors.values()) writeNpy(path.join(d, file(t.name)), t.dtype, t.shape, tensors.get(t.name)!);
  const boardOutputs: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(r?.outputs ?? {})) {
    const t = m.tensors.get(name)!;
    boardOutputs[name] = `board_${file(name)}`;
    writeNpy(path.join(d, boardOutputs[name]), t.dtype, t.shape, bytes);
  }
  const doc = {
    model: m.name, source: m.file, seed: m.seed,
    generator: 'mulberry32 per tensor, seeded with (seed XOR fnv1a32(name)) unless the tensor gives one (docs/models.md); not PyTorch-compatible',
    tensors: [...m.tensors.keys()].map(entry),
    inputs: m.inputs, outputs: m.outputs,
    nodes: m.nodes.map((n) => ({
      name: n.name, kernel: n.kernel, kernelId: n.info.id, shape: n.shape, split: n.split,
      rq: n.rq.map(([mul, div]) => ({ mul, div })), consts: n.consts, inputs: n.inputs, output: n.output,
      ...(r ? { board: { bitExact: r.nodes[n.index].bitExact, outputCrc: r.nodes[n.index].outputCrc, counter: r.nodes[n.index].counter } } : {}),
    })),
    golden: 'each node output <name>.npy is the golden (addon/TS) result',
    boardOutputs,
    ...(r ? { board: r.board, counterUnit: r.counterUnit, total: r.total } : {}),
  };
  fs.writeFileSync(path.join(d, 'model.json'), JSON.stringify(doc, null, 2) + '\n');
  return d;
}
