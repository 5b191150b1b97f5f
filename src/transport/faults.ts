// Seeded fault injection on byte streams: drops, duplicates and bit flips, for link tests.

export interface FaultOptions {
  /** uint32 seed of the mulberry32 stream. */
  seed: number;
  /** Probability per byte of each fault (defaults 0). */
  drop?: number;
  dup?: number;
  flip?: number;
}

export interface FaultStats {
  bytes: number;
  dropped: number;
  duplicated: number;
  flipped: number;
}

export class FaultInjector {
  readonly stats: FaultStats = { bytes: 0, dropped: 0, duplicated: 0, flipped: 0 };
  private state: number;
  /** Faults apply only while enabled (a test may turn them off to finish cleanly). */
  enabled = true;

  constructor(private opts: FaultOptions) {
    this.state = opts.seed >>> 0;
  }

  /** mulberry32, as docs/kernels.md defines it. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  apply(chunk: Uint8Array): Buffer {
    this.stats.bytes += chunk.length;
    if (!this.enabled) return Buffer.from(chunk);
    const { drop = 0, dup = 0, flip = 0 } = this.opts;
    const out: number[] = [];
    for (const b of chunk) {
      const r = this.next();
      if (r < drop) {
        this.stats.dropped++;
      } else if (r < drop + dup) {
        this.stats.duplicated++;
        out.push(b, b);
      } else if (r < drop + dup + flip) {
        this.stats.flipped++;
        out.push(b ^ (1 << Math.floor(this.next() * 8)));
      } else out.push(b);
    }
    return Buffer.from(out);
  }
}
