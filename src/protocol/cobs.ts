// COBS (Consistent Overhead Byte Stuffing): encoder and a streaming decoder bounded by a max length.

/** Worst-case encoded size (without the 0x00 delimiter) of n bytes. */
export function cobsMaxEncoded(n: number): number {
  return n + Math.ceil(n / 254) + 1;
}

/** Encodes `data`; the result has no 0x00 and no trailing delimiter. */
export function cobsEncode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncoded(data.length));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = data[i];
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decodes one COBS block (no delimiter); null when it is malformed. */
export function cobsDecode(enc: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(enc.length);
  let o = 0;
  let i = 0;
  while (i < enc.length) {
    const code = enc[i];
    if (code === 0 || i + code > enc.length) return null;
    for (let k = 1; k < code; k++) {
      const b = enc[i + k];
      if (b === 0) return null;
      out[o++] = b;
    }
    i += code;
    // A group shorter than 0xFF implies a zero, except at the very end.
    if (code < 0xff && i < enc.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

export interface CobsDecoderStats {
  frames: number;
  /** Blocks that were not valid COBS. */
  malformed: number;
  /** Blocks dropped because they exceeded the max length. */
  oversize: number;
}

/**
 * Streaming decoder: feed arbitrary chunks, get one callback per decoded frame.
 * A block longer than the encoding of `maxDecoded` bytes is dropped up to the next 0x00,
 * so garbage without delimiters never grows memory.
 */
export class CobsDecoder {
  readonly stats: CobsDecoderStats = { frames: 0, malformed: 0, oversize: 0 };
  private buf: Uint8Array;
  private len = 0;
  private overflow = false;

  constructor(
    private maxDecoded: number,
    private onFrame: (frame: Uint8Array) => void,
    /** Told about every dropped block (malformed or oversize), so a receiver can react at once. */
    private onDrop?: (reason: 'malformed' | 'oversize') => void,
  ) {
    this.buf = new Uint8Array(cobsMaxEncoded(maxDecoded));
  }

  /** Changes the bound (after HELLO); a partial block in progress is kept if it fits. */
  setMaxLength(maxDecoded: number): void {
    const next = new Uint8Array(cobsMaxEncoded(maxDecoded));
    if (this.len <= next.length) next.set(this.buf.subarray(0, this.len));
    else this.overflow = true;
    this.buf = next;
    this.maxDecoded = maxDecoded;
    if (this.overflow) this.len = 0;
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b !== 0) {
        if (this.overflow) continue;
        if (this.len === this.buf.length) {
          this.overflow = true;
          this.len = 0;
          continue;
        }
        this.buf[this.len++] = b;
        continue;
      }
      // Delimiter: finish the block.
      if (this.overflow) {
        this.drop('oversize');
        this.overflow = false;
      } else if (this.len > 0) {
        const dec = cobsDecode(this.buf.subarray(0, this.len));
        if (!dec) this.drop('malformed');
        else if (dec.length === 0) {
          // `01 00` decodes to nothing, like a lone 0x00: a flush, not a frame (docs/protocol.md).
        } else if (dec.length > this.maxDecoded) this.drop('oversize');
        else {
          this.stats.frames++;
          this.onFrame(Uint8Array.from(dec));
        }
      }
      this.len = 0;
    }
  }

  private drop(reason: 'malformed' | 'oversize'): void {
    this.stats[reason]++;
    this.onDrop?.(reason);
  }

  /** Drops a partial block (e.g. after a reconnect). */
  reset(): void {
    this.len = 0;
    this.overflow = false;
  }
}
