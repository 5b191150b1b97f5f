// fromPoint.ts - turn the harness's PointResult (plus an optional energy figure) into a results record.
import type { PointResult } from '../harness/sweep';
import type { EnergyResult } from '../energy/types';
import { KERNELS } from '../golden';
import type { EnergyRecord, ResultRecord } from './record';

export function energyRecord(e: EnergyResult): EnergyRecord {
  const out: EnergyRecord = { source: e.source, perInferenceUj: e.perInferenceJ * 1e6, estimate: e.estimate };
  if (e.perMacJ !== null) out.perMacPj = e.perMacJ * 1e12;
  if (e.windowS > 0) out.avgPowerMw = e.avgPowerW * 1e3;
  return out;
}

/** T is kept only for kernels that use it (mhsa_dft), so resume keys do not depend on an unused field. */
export function recordFromPoint(r: PointResult, extra: { energy?: EnergyResult; port?: string } = {}): ResultRecord {
  const p = r.point;
  const { S, E, P, H, T } = p.shape;
  const rec: ResultRecord = {
    board: r.board,
    ...(extra.port ? { port: extra.port } : {}),
    firmwareVersion: r.firmwareVersion,
    kernel: p.kernel,
    test: p.test,
    shape: KERNELS[p.kernel]?.usesT ? { S, E, P, H, T } : { S, E, P, H },
    cores: p.cores,
    bitExact: r.bitExact,
    macs: r.macs,
    timestamp: r.timestamp,
  };
  if (r.mismatch !== undefined) rec.mismatch = r.mismatch;
  if (r.counter !== undefined) rec.counter = r.counter;
  if (r.counterUnit !== undefined) rec.counterUnit = r.counterUnit;
  if (r.macPerCount !== undefined && Number.isFinite(r.macPerCount)) rec.macPerCount = r.macPerCount;
  if (r.arenaPeak !== undefined) rec.arenaPeak = r.arenaPeak;
  if (extra.energy) rec.energy = energyRecord(extra.energy);
  if (r.error !== undefined) rec.error = r.error;
  return rec;
}
