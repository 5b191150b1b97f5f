// How the client fits a damaged line: a reply timeout from measured round trips (so a lost frame
// costs a few round trips, not a fixed second), and a WRITE/READ chunk size that shrinks while
// frames keep failing and grows back while they get through.

/**
 * Round-trip estimate in the style of RFC 6298 (smoothed time + 4 × mean deviation), with a
 * per-byte term so one estimate serves both 20-byte CRC requests and 4 KiB READ replies.
 */
export class RttEstimator {
  private base: number | null = null;
  private perByte = 0;
  private dev = 0;
  /** Samples taken so far (first tries only: a resend's reply is ambiguous). */
  samples = 0;

  constructor(
    private minMs: number,
    private maxMs: number,
  ) {}

  private predict(bytes: number): number {
    return (this.base ?? 0) + this.perByte * bytes;
  }

  /** A reply came `ms` after a first try that moved `bytes` wire bytes (request + reply). */
  sample(ms: number, bytes: number): void {
    this.samples++;
    if (this.base === null) {
      this.base = ms;
      this.dev = ms / 2;
      return;
    }
    const err = ms - this.predict(bytes);
    this.dev += (Math.abs(err) - this.dev) / 4;
    // Long frames teach the per-byte cost, short ones the fixed latency.
    if (bytes > 512) this.perByte = Math.max(0, this.perByte + (Math.max(0, ms - this.base) / bytes - this.perByte) / 8);
    else this.base = Math.max(0, this.base + (ms - this.perByte * bytes - this.base) / 8);
  }

  /** How long to wait for the reply to a frame exchange of `bytes` wire bytes. */
  timeout(bytes: number): number {
    if (this.base === null) return this.maxMs;
    return Math.min(this.maxMs, Math.max(this.minMs, Math.ceil(2 * this.predict(bytes) + 4 * this.dev)));
  }
}

/**
 * Data bytes per WRITE/READ frame. Each try of a full frame that fails (corrupted or lost) shrinks
 * the limit by 14%, each clean first try of one grows it by 25% (a short tail frame says little
 * about the limit and counts for nothing): it settles where about
 * 40% of first tries get through, which keeps the wire cost per delivered byte near its minimum
 * for independent byte damage, and returns to the full frame within ~25 clean frames.
 */
export class ChunkSizer {
  limit: number;

  constructor(
    readonly min: number,
    public max: number,
  ) {
    this.limit = max;
  }

  /** A full frame (as long as the limits allowed) of `size` data bytes failed one try. */
  failed(size: number): void {
    this.limit = Math.max(this.min, Math.floor(Math.min(this.limit, size) * 0.86));
  }

  /** A full frame of `size` data bytes got through on its first try. */
  passed(size: number): void {
    this.limit = Math.min(this.max, Math.ceil(Math.min(this.limit, size) * 1.25));
  }

  /** The frame in flight is much longer than the line now carries: split it. */
  oversized(size: number): boolean {
    return size > this.min && size > this.limit * 1.5;
  }
}
