// table.ts - the sweep table users read: test, S/E/P/H, cores, bit-exact, counter + unit,
// MACs, MAC per count, arena peak; per-core counters when a point ran on several cores, and the
// critical path and load imbalance (max/mean per-core work) where the board measures them.
import type { PointResult } from './sweep';
import { SPEC_FULL_MACS, SPEC_SAMPLE_UNITS } from '../golden/sample';

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

export function perCountLabel(unit: string | undefined): string {
  if (!unit) return 'MAC/count';
  if (unit.startsWith('ns')) return 'MAC/ns';
  if (unit.startsWith('instructions')) return 'MAC/instr';
  if (unit.startsWith('cycles')) return 'MAC/cycle';
  return `MAC/${unit}`;
}

export function formatTable(results: PointResult[]): string {
  const unit = results.find((r) => r.counterUnit)?.counterUnit;
  const withEnergy = results.some((r) => r.energy);
  const header = ['test', 'kernel', 'S', 'E', 'P', 'H', 'T', 'cores', 'bit-exact', `counter [${unit ?? '-'}]`, 'MACs', perCountLabel(unit), 'arena peak [B]'];
  if (withEnergy) header.push('energy/inf [µJ]', 'energy/MAC [pJ]');
  const withCores = results.some((r) => (r.perCore?.length ?? 0) > 1);
  const withCritical = results.some((r) => r.criticalPath !== undefined);
  if (withCritical) header.push('critical path', 'imbalance');
  if (withCores) header.push(withCritical ? 'per-core work / wait' : 'per-core');
  const rows = results.map((r) => {
    const s = r.point.shape;
    return [
      r.point.test, r.point.kernel, String(s.S), String(s.E), String(s.P), String(s.H),
      r.point.kernel === 'mhsa_dft' ? String(s.T) : '-', String(r.point.cores),
      r.error ? '✗ error' : r.bitExact ? '✓' : '✗',
      r.counter !== undefined ? fmtInt(r.counter) : '-', fmtInt(r.macs), fmtRatio(r.macPerCount),
      r.arenaPeak !== undefined ? fmtInt(r.arenaPeak) : '-',
      ...(withEnergy ? energyCells(r) : []),
      ...(withCritical ? [r.criticalPath !== undefined ? fmtInt(r.criticalPath) : '-', fmtRatio(imbalance(r.perCore))] : []),
      ...(withCores ? [perCoreCell(r)] : []),
    ];
  });
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = (i: number): boolean => i >= 2 && i !== 8;
  const line = (cells: string[]): string => cells.map((c, i) => (right(i) ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  const out = [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const failed = results.filter((r) => !r.bitExact);
  out.push('');
  out.push(`${results.length - failed.length} of ${results.length} points bit-exact`);
  out.push(...referenceFooter(results));
  if (results.some((r) => r.energy?.estimate)) out.push('* energy estimated from a power model (nominal or user-supplied power), not measured');
  for (const r of failed) out.push(`  ✗ ${r.point.test} (${r.point.kernel}) S=${r.point.shape.S} E=${r.point.shape.E} P=${r.point.shape.P} H=${r.point.shape.H}: ${r.error ?? r.mismatch}`);
  return out.join('\n');
}

/** max / mean of the per-core counters (1 = balanced). */
export function imbalance(perCore: number[] | undefined): number | undefined {
  if (!perCore || perCore.length === 0) return undefined;
  const mean = perCore.reduce((a, b) => a + b, 0) / perCore.length;
  return mean > 0 ? Math.max(...perCore) / mean : undefined;
}

/** Compact count: 1234 → "1234", 123456 → "123k", 12345678 → "12.3M". */
function fmtShort(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1e6).toPrecision(3)}M`;
}

function perCoreCell(r: PointResult): string {
  if (!r.perCore) return '-';
  return r.perCore.map((c, i) => (r.perCoreWait ? `${fmtShort(c)}+${fmtShort(r.perCoreWait[i])}` : fmtShort(c))).join(' ');
}

function energyCells(r: PointResult): string[] {
  if (!r.energy) return ['-', '-'];
  const mark = r.energy.estimate ? '*' : '';
  const perMac = r.energy.perMacJ === null ? '-' : `${(r.energy.perMacJ * 1e12).toPrecision(3)}${mark}`;
  return [`${(r.energy.perInferenceJ * 1e6).toPrecision(4)}${mark}`, perMac];
}

/** Which references the ✓ column means, counted over the points. */
export function referenceFooter(results: PointResult[]): string[] {
  const n = (f: (r: PointResult) => boolean): number => results.filter(f).length;
  const vsAddon = n((r) => !!r.references?.includes('addon'));
  const vsTs = n((r) => !!r.references?.includes('ts'));
  const sampled = n((r) => r.specCheck === 'sampled');
  const parts: string[] = [];
  const hostBoard = n((r) => r.board === 'host');
  if (vsAddon) parts.push(`board vs host C kernels (addon) on ${vsAddon} point(s)`);
  if (vsTs) {
    const what = vsAddon ? 'host C kernels (and so the board) vs TypeScript golden (spec)' : hostBoard ? 'host C kernels (board host) vs TypeScript golden (spec)' : 'board vs TypeScript golden (spec)';
    parts.push(`${what} on ${vsTs} point(s)${sampled ? `, ${sampled} of them above ${SPEC_FULL_MACS / 1e6}M MACs on a sample of ${SPEC_SAMPLE_UNITS} rows/heads (first, last, evenly spaced)` : ''}`);
  }
  if (!parts.length) return [];
  const lines = [`references: ${parts.join('; ')}`];
  if (vsAddon && vsTs < vsAddon) lines.push(`  (${vsAddon - vsTs} point(s) not checked against the spec: --golden addon)`);
  return lines;
}
