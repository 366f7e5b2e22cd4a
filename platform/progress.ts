/**
 * Progress for long commands (seed, audit): a redrawn bar on a terminal, plain
 * lines at most every few seconds otherwise (CI logs, pipes), to stderr so
 * that stdout stays machine-readable.
 */
export interface Progress {
  /** Sets the absolute count done. */
  update(done: number): void;
  finish(message?: string): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const interactive = Boolean(stream.isTTY);
  let lastLine = 0;
  let done = 0;

  function render(final = false): void {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? Math.round(done / elapsed) : 0;
    const stats = `${done}/${total} (${Math.round(fraction * 100)}%, ${rate}/s)`;
    if (interactive) {
      const width = 28;
      const filled = Math.round(fraction * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${stats}${final ? '\n' : ''}`);
    } else if (final || Date.now() - lastLine > 2_000) {
      lastLine = Date.now();
      stream.write(`${label}: ${stats}\n`);
    }
  }

  let lastRender = 0;
  return {
    update(value) {
      done = value;
      if (Date.now() - lastRender > 100) {
        lastRender = Date.now();
        render();
      }
    },
    finish(message) {
      render(true);
      if (message) stream.write(`${message}\n`);
    },
  };
}
