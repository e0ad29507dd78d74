/** A one-line progress bar on stderr: redrawn in place on a terminal, every 10% otherwise. */
export class Progress {
  private lastShown = -1;
  private readonly started = performance.now();

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, detail: string): void {
    const tty = this.stream.isTTY === true;
    const tenth = Math.floor((10 * done) / this.total);
    if (!tty && tenth === this.lastShown && done !== this.total) return;
    this.lastShown = tenth;
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const perStep = (performance.now() - this.started) / 1000 / Math.max(1, done);
    const line = `step ${done}/${this.total} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${detail} · ${perStep.toFixed(2)} s/step`;
    this.stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  finish(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
