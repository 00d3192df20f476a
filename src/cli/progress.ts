/**
 * Progress lines for long work on stderr: `label  3/10  30%  elapsed 4.1 s  ETA 9.5 s`.
 * Quiet when `quiet` is set (tests) — the result never depends on it.
 */
export interface Progress {
  /** Report that `done` of `total` units are finished. */
  tick(done: number, note?: string): void;
  /** Final line with the elapsed time. */
  finish(note?: string): void;
}

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function progress(label: string, total: number, { quiet = false } = {}): Progress {
  const t0 = Date.now();
  const write = (s: string) => {
    if (!quiet) process.stderr.write(s + '\n');
  };
  return {
    tick(done, note) {
      const elapsed = Date.now() - t0;
      const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
      const pct = total > 0 ? Math.round((100 * done) / total) : 100;
      write(
        `${label}  ${done}/${total}  ${pct}%  elapsed ${seconds(elapsed)}` +
          (done > 0 && done < total ? `  ETA ${seconds(eta)}` : '') +
          (note ? `  ${note}` : ''),
      );
    },
    finish(note) {
      write(`${label}  done in ${seconds(Date.now() - t0)}${note ? `  ${note}` : ''}`);
    },
  };
}
