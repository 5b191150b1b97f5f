// table.ts - the markdown and CSV renderings of a results file.
import type { ResultRecord } from '../results/record';
import { blockGroups, textBars } from './layers';
import { anyEnergy, anyT, bitExactMark, failures, fmtEnergy, fmtInt, fmtSig, reportRows, summary } from './rows';

/** Escape what would break a markdown table cell. */
const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(records: ResultRecord[]): string {
  const rows = reportRows(records);
  const withT = anyT(rows);
  const withE = anyEnergy(rows);
  const header = ['test', 'board', 'kernel', 'S', 'E', 'P', 'H', ...(withT ? ['T'] : []), 'cores', 'bit-exact',
    'counter', 'unit', 'MAC/count', 'arena peak [B]', ...(withE ? ['energy [µJ]'] : [])];
  const right = header.map((h) => !['test', 'board', 'kernel', 'bit-exact', 'unit'].includes(h));
  const body = rows.map((r) => [
    r.test, r.board, r.kernel, String(r.shape.S), String(r.shape.E), String(r.shape.P), String(r.shape.H),
    ...(withT ? [r.shape.T !== undefined ? String(r.shape.T) : '-'] : []), String(r.cores), bitExactMark(r),
    fmtInt(r.counter), r.counterUnit ?? '-', fmtSig(r.macPerCount), fmtInt(r.arenaPeak),
    ...(withE ? [fmtEnergy(r)] : []),
  ]);
  const line = (cells: string[]) => `| ${cells.map(md).join(' | ')} |`;
  const out = [line(header), `|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`, ...body.map(line), ''];
  out.push(summary(rows));
  const fails = failures(rows);
  if (fails.length) out.push('', ...fails.map((f) => `- ${md(f)}`));
  if (rows.some((r) => r.energy?.estimate)) out.push('', '\\* energy from the power model (an estimate, not a measurement)');
  const blocks = blockGroups(records);
  if (blocks.length) out.push('', '## Per-layer share of each block', ...blocks.flatMap((g) => ['', ...textBars(g)]));
  return out.join('\n') + '\n';
}

/** RFC 4180 field: quoted when it holds a comma, quote or newline. */
function csvField(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Raw numbers (no separators, full precision) for spreadsheets and scripts. */
export function renderCsv(records: ResultRecord[]): string {
  const rows = reportRows(records);
  const header = ['test', 'board', 'firmware', 'kernel', 'S', 'E', 'P', 'H', 'T', 'cores', 'bit_exact', 'counter', 'counter_unit',
    'macs', 'mac_per_count', 'arena_peak_bytes', 'energy_uj_per_inference', 'energy_pj_per_mac', 'energy_source', 'error', 'timestamp'];
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push([
      r.test, r.board, r.firmwareVersion, r.kernel, r.shape.S, r.shape.E, r.shape.P, r.shape.H, r.shape.T, r.cores,
      r.error === undefined && r.bitExact, r.counter, r.counterUnit, r.macs, r.macPerCount, r.arenaPeak,
      r.energy?.perInferenceUj, r.energy?.perMacPj, r.energy?.source, r.error ?? r.mismatch, r.timestamp,
    ].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
