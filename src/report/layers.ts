// layers.ts - the report's view of model-block records (`run-hil.js model --results`): one group per
// board, model and run mode, layers in block order, for the per-layer bar chart.
import type { ResultRecord } from '../results/record';
import { reportRows } from './rows';

export interface LayerRow { index: number; node: string; kernel: string; counter: number; share: number; bitExact: boolean }
export interface BlockGroup { board: string; model: string; mode: string; unit: string; total: number; layers: LayerRow[] }

type WithModel = ResultRecord & { model?: { name: string; node: string; index: number; share: number; blockTotal: number; mode: string } };

export function blockGroups(records: ResultRecord[]): BlockGroup[] {
  const groups = new Map<string, BlockGroup>();
  for (const r of reportRows(records) as WithModel[]) {
    if (!r.model || r.error !== undefined || r.counter === undefined) continue;
    const key = `${r.board}|${r.model.name}|${r.model.mode}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { board: r.board, model: r.model.name, mode: r.model.mode, unit: r.counterUnit ?? 'count', total: r.model.blockTotal, layers: [] }));
    g.layers.push({ index: r.model.index, node: r.model.node, kernel: r.kernel, counter: r.counter, share: r.model.share, bitExact: r.bitExact });
  }
  for (const g of groups.values()) g.layers.sort((a, b) => a.index - b.index);
  return [...groups.values()];
}

/** Text bars for the markdown report: one line per layer, bar length = share of the block. */
export function textBars(g: BlockGroup, width = 40): string[] {
  const w = Math.max(...g.layers.map((l) => l.node.length));
  return [
    `${g.model} on ${g.board} (${g.mode === 'graph' ? 'one request' : 'layer by layer'}): ${Math.round(g.total).toLocaleString('en-US')} ${g.unit}`,
    '```',
    ...g.layers.map((l) => `${l.node.padEnd(w)} ${'█'.repeat(Math.max(l.share > 0 ? 1 : 0, Math.round(l.share * width))).padEnd(width)} ${(100 * l.share).toFixed(1).padStart(5)}% ${l.kernel}${l.bitExact ? '' : ' ✗'}`),
    '```',
  ];
}
