// writer.ts - append one results line per finished point, synchronously and fsync'd, so a crash loses nothing finished.
import * as fs from 'fs';
import * as path from 'path';
import { checkRecord, ResultRecord } from './record';
import { tornWarning } from './reader';

export class ResultsWriter {
  private fd: number | null;

  private constructor(readonly file: string, fd: number, readonly warnings: string[]) {
    this.fd = fd;
  }

  /**
   * Open for appending (created with its directory when missing). A torn last line left by a
   * crash is cut off first, so the next record starts on its own line and the file stays valid.
   */
  static open(file: string): ResultsWriter {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const fd = fs.openSync(file, 'a+');
    const warnings: string[] = [];
    const size = fs.fstatSync(fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        const text = fs.readFileSync(file, 'utf8');
        const cut = text.lastIndexOf('\n') + 1;
        const tail = text.slice(cut);
        let complete = false;
        try { JSON.parse(tail); complete = true; } catch { /* torn */ }
        if (complete) {
          fs.writeSync(fd, '\n'); // only the newline was lost
        } else {
          const line = text.slice(0, cut).split('\n').length;
          warnings.push(tornWarning(file, line, Buffer.byteLength(tail)));
          fs.ftruncateSync(fd, Buffer.byteLength(text.slice(0, cut)));
        }
        fs.fsyncSync(fd);
      }
    }
    return new ResultsWriter(file, fd, warnings);
  }

  /** Validate, append one line and fsync before returning. */
  append(record: ResultRecord): void {
    if (this.fd === null) throw new Error(`results file ${this.file}: append after close`);
    checkRecord(record, `results record for ${this.file}`);
    fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
