// rows.ts - the report's view of a results file: one row per point (latest record wins), sorted, formatted.
import { pointKey, type ResultRecord } from '../results/record';

/**
 * A rerun point (resume after an error, or a second run appended to the same file) appears
 * more than once: keep the latest record. Sort by test (first appearance), board, kernel, shape, cores.
 */
export function reportRows(records: ResultRecord[]): ResultRecord[] {
  const latest = new Map<string, ResultRecord>();
  for (const r of records) latest.set(pointKey(r), r);
  const testOrder = new Map<string, number>();
  for (const r of records) if (!testOrder.has(r.test)) testOrder.set(r.test, testOrder.size);
  const rows = [...latest.values()];
  const num = (r: ResultRecord) => [r.shape.S, r.shape.E, r.shape.P, r.shape.H, r.shape.T ?? 0, r.cores];
  return rows.sort((a, b) => {
    const t = testOrder.get(a.test)! - testOrder.get(b.test)!;
    if (t) return t;
    if (a.board !== b.board) return a.board < b.board ? -1 : 1;
    if (a.kernel !== b.kernel) return a.kernel < b.kernel ? -1 : 1;
    const na = num(a), nb = num(b);
    for (let i = 0; i < na.length; i++) if (na[i] !== nb[i]) return na[i] - nb[i];
    return 0;
  });
}

export const fmtInt = (n: number | undefined): string => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));

/** Three significant digits, no exponent for the usual range: 0.0123, 1.23, 12.3, 1234. */
export function fmtSig(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toString();
  if (a < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

export const bitExactMark = (r: ResultRecord): string => (r.error !== undefined ? '✗ error' : r.bitExact ? '✓' : '✗');

export const anyT = (rows: ResultRecord[]): boolean => rows.some((r) => r.shape.T !== undefined);
export const anyEnergy = (rows: ResultRecord[]): boolean => rows.some((r) => r.energy !== undefined);

/** "12.3" or "12.3*" for a power-model estimate. */
export const fmtEnergy = (r: ResultRecord): string =>
  r.energy ? `${fmtSig(r.energy.perInferenceUj)}${r.energy.estimate ? '*' : ''}` : '-';

export function summary(rows: ResultRecord[]): string {
  const ok = rows.filter((r) => r.bitExact && r.error === undefined).length;
  return `${ok} of ${rows.length} points bit-exact`;
}

/** One line per failed point: why. */
export function failures(rows: ResultRecord[]): string[] {
  return rows
    .filter((r) => !r.bitExact || r.error !== undefined)
    .map((r) => `✗ ${r.board} ${r.test} (${r.kernel}) ${shapeLabel(r)} cores=${r.cores}: ${r.error ?? r.mismatch ?? 'not bit-exact'}`);
}

export function shapeLabel(r: ResultRecord): string {
  const s = r.shape;
  return `S=${s.S} E=${s.E} P=${s.P} H=${s.H}${s.T !== undefined ? ` T=${s.T}` : ''}`;
}
