// progress.ts - sweep progress on stderr: a bar (cli-progress) in a terminal, plain lines otherwise.
// Lines logged while the bar is up (warnings, "board dropped") go through log(): the bar's line is
// cleared, the message printed on its own line, and the bar drawn again below it.
import { SingleBar, Presets } from 'cli-progress';

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export class Progress {
  private bar?: SingleBar;
  private n = 0;
  private label = '';

  constructor(private readonly total: number, private readonly quiet: boolean, private readonly stream: Stream = process.stderr) {
    if (!quiet && stream.isTTY) {
      this.bar = new SingleBar({ format: '{bar} {value}/{total} {point}', stream: stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
      this.bar.start(total, 0, { point: '' });
    }
  }

  start(label: string): void {
    this.label = label;
    this.bar?.update(this.n, { point: label });
  }

  done(mark: string): void {
    this.n++;
    if (this.bar) this.bar.update(this.n, { point: this.label });
    else if (!this.quiet) this.stream.write(`[${this.n}/${this.total}] ${this.label} ${mark}\n`);
  }

  /** A message that must not land in the middle of the bar's line (printed even when quiet). */
  log(line: string): void {
    if (!this.bar) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.stream.write(`\r\x1b[2K${line}\n`);
    (this.bar as unknown as { render(force: boolean): void }).render(true); // redraw even though unchanged
  }

  stop(): void {
    this.bar?.stop();
  }
}
