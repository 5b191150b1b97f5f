// records.ts - a block run as results records (one JSON line per layer, src/results/record.ts), so
// `report` can tabulate them and draw the per-layer bar chart.
import type { ResultRecord } from '../results/record';
import type { BlockResult } from './run';

export interface ModelRecordInfo {
  name: string;        // model name
  file: string;
  node: string;
  index: number;       // position in the block
  nodes: number;       // layers in the block
  share: number;       // counter / block total
  blockTotal: number;
  mode: 'layers' | 'graph';
  liveBytes: number;
}

export type ModelRecord = ResultRecord & { model: ModelRecordInfo };

export function blockRecords(r: BlockResult): ModelRecord[] {
  const now = new Date().toISOString();
  return r.nodes.map((n) => ({
    board: r.board, firmwareVersion: r.firmwareVersion, kernel: n.kernel, test: `${r.model}/${n.name}`,
    shape: shapeOf(n.shape), cores: r.cores, bitExact: n.bitExact, ...(n.mismatch ? { mismatch: n.mismatch } : {}),
    counter: n.counter, counterUnit: r.counterUnit, macs: n.macs, macPerCount: n.counter > 0 ? n.macs / n.counter : 0,
    arenaPeak: n.liveBytes, timestamp: now,
    model: {
      name: r.model, file: r.file, node: n.name, index: n.index, nodes: r.interrupted?.of ?? r.nodes.length,
      share: r.total > 0 ? n.counter / r.total : 0, blockTotal: r.total, mode: r.mode, liveBytes: n.liveBytes,
    },
  }));
}

/** "S=81 K=32 N=128 T=8" -> the record's S, E, P, H (T) fields (1 for fields the kernel does not use). */
function shapeOf(text: string): ResultRecord['shape'] {
  const v: Record<string, number> = {};
  for (const part of text.split(' ')) {
    const [k, x] = part.split('=');
    v[k] = Number(x);
  }
  return { S: v.S ?? 1, E: v.E ?? v.K ?? 1, P: v.P ?? v.N ?? 1, H: v.H ?? 1, ...(v.T !== undefined ? { T: v.T } : {}) };
}
