// table.ts - the per-layer table of a block run: node, kernel, shape, ✓/✗, counter, share of the block,
// MAC per count, live activation bytes; then the block total (counter, time at the board clock, energy).
import { counterToSeconds } from '../energy/model';
import { formatSI, type EnergyResult } from '../energy/types';
import type { BlockResult } from './run';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const sig = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString());

function pad(rows: string[][], right: Set<number>): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map((r) => r.map((c, i) => (right.has(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd());
}

/** The counter's unit for a column header: "instructions", "ns", "cycles". */
export function unitWord(r: Pick<BlockResult, 'counterKind'>): string {
  return r.counterKind === 'nanoseconds' ? 'ns' : r.counterKind;
}

/** Block time from the counter, with how it was obtained (null when the board has no clock). */
export function blockTime(r: Pick<BlockResult, 'total' | 'counterKind' | 'clockHz' | 'board'>): { s: number; note: string } | null {
  try {
    const t = counterToSeconds(r.total, r.counterKind, r.clockHz, r.board);
    const at = formatSI(r.clockHz, 'Hz');
    const note = r.counterKind === 'nanoseconds' ? 'host wall clock' : r.counterKind === 'cycles' ? `at ${at}` : `at ${at}, assuming 1 instruction per cycle`;
    return { s: t.s, note };
  } catch {
    return null;
  }
}

export function formatBlock(r: BlockResult, energy?: EnergyResult): string {
  const unit = unitWord(r);
  const head = ['#', 'node', 'kernel', 'shape', 'ok', unit, 'share', `MAC/${unit === 'instructions' ? 'instr' : unit}`, 'live bytes'];
  const rows = [head, ...r.nodes.map((n) => [
    String(n.index), n.name, n.kernel, n.shape, n.bitExact ? '✓' : '✗', int(n.counter),
    r.total > 0 ? `${((100 * n.counter) / r.total).toFixed(1)}%` : '-',
    n.counter > 0 ? sig(n.macs / n.counter) : '-', int(n.liveBytes),
  ])];
  const lines = [
    `model ${r.model} (${r.file}) on ${r.board}, ${r.cores} core(s), ${r.mode === 'graph' ? 'one request (GRAPH)' : 'layer by layer (one RUN per node)'}${r.repeat > 1 ? `, repeat ${r.repeat}` : ''}`,
    ...pad(rows, new Set([0, 5, 6, 7, 8])),
  ];
  const ok = r.nodes.filter((n) => n.bitExact).length;
  const t = blockTime(r);
  let total = `block: ${int(r.total)} ${r.counterUnit}, ${int(r.macs)} MACs (${r.total > 0 ? sig(r.macs / r.total) : '-'} MAC/${unit === 'instructions' ? 'instr' : unit})`;
  if (t) total += `, ${formatSI(t.s, 's')}${t.note ? ` (${t.note})` : ''}`;
  if (r.dispatchOverhead !== undefined) total += `; board block counter − Σ layers = ${int(r.dispatchOverhead)} (dispatch between layers) in ${r.requests ?? 1} request(s)`;
  if (energy) total += `, energy ${formatSI(energy.perInferenceJ, 'J')}${energy.estimate ? ' (estimate)' : ''} per block`;
  lines.push(total);
  lines.push(`memory: weights ${int(r.weightBytes)} B resident, activation peak ${int(r.peakBytes)} B live at ${r.peakNode}, arena used ${int(r.arenaBytes)} B`);
  lines.push(r.interrupted
    ? `interrupted after ${r.interrupted.done} of ${r.interrupted.of} layers: ${r.interrupted.why}; ${ok} of ${r.nodes.length} completed layers bit-exact`
    : `${ok} of ${r.nodes.length} layers bit-exact`);
  for (const n of r.nodes) if (!n.bitExact) lines.push(`✗ ${n.name} (${n.kernel} ${n.shape}): ${n.mismatch}`);
  return lines.join('\n');
}
