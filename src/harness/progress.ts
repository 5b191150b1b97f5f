// progress.ts - sweep progress on stderr: a bar (cli-progress) in a terminal, plain lines otherwise.
import { SingleBar, Presets } from 'cli-progress';

export class Progress {
  private bar?: SingleBar;
  private n = 0;
  private label = '';

  constructor(private readonly total: number, private readonly quiet: boolean) {
    if (!quiet && process.stderr.isTTY) {
      this.bar = new SingleBar({ format: '{bar} {value}/{total} {point}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
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
    else if (!this.quiet) process.stderr.write(`[${this.n}/${this.total}] ${this.label} ${mark}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
