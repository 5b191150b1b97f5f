// points.ts - expands a sweep config into test points (test x S x E x P x H [x T]).
import type { Shape } from '../board/types';
import type { SweepConfig } from './config';
import { KERNELS } from '../golden';

export interface TestPoint {
  test: string;
  kernel: string;
  split: 'heads' | 'rows';
  shape: Required<Shape>;
  cores: number;
  seed: number;
  rq: Array<[number, number]>;
  consts: number[];
}

export function pointLabel(p: TestPoint): string {
  const t = KERNELS[p.kernel].usesT ? ` T=${p.shape.T}` : '';
  return `${p.test} S=${p.shape.S} E=${p.shape.E} P=${p.shape.P} H=${p.shape.H}${t} cores=${p.cores}`;
}

export function expandPoints(cfg: SweepConfig): TestPoint[] {
  const points: TestPoint[] = [];
  for (const t of cfg.tests) {
    const k = KERNELS[t.kernel];
    const rq = t.rq ?? k.defaultRq;
    if (rq.length !== k.nRq) throw new Error(`${cfg.file}: ${t.name}.rq: ${t.kernel} takes ${k.nRq} [mul, div] pairs but the config gives ${rq.length}`);
    const consts = t.consts ?? k.defaultConsts ?? [];
    if (consts.length !== k.nConsts) throw new Error(`${cfg.file}: ${t.name}.consts: ${t.kernel} takes ${k.nConsts} constants but the config gives ${consts.length}`);
    for (const S of cfg.S) for (const E of cfg.E) for (const P of cfg.P) for (const H of cfg.H) {
      const tiles = k.usesT ? (t.T ?? [Math.min(S, 16)]).map((T) => Math.min(T, S)) : [S];
      for (const T of [...new Set(tiles)]) {
        points.push({ test: t.name, kernel: t.kernel, split: t.split, shape: { S, E, P, H, T }, cores: cfg.cores, seed: cfg.seed, rq, consts });
      }
    }
  }
  return points;
}
