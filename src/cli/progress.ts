/**
 * Progress lines for long work on stderr: `label  3/10  30%  elapsed 4.1 s  ETA 9.5 s`.
 * Quiet when `quiet` is set (tests) — the result never depends on it.
 *
 * On a terminal every tick prints. When stderr is not a terminal (a log file, CI), lines are
 * throttled — at most one every `intervalMs` (default 5 s) — except the lines that mark a finished
 * unit of work, which always print, so that a log shows steady progress without thousands of lines.
 */
export interface Progress {
  /** Report that `done` of `total` units are finished. */
  tick(done: number, note?: string): void;
  /** Final line with the elapsed time. */
  finish(note?: string): void;
}

/** Where progress goes: `process.stderr` or anything with `write` (and `isTTY` for a terminal). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Options of `progress`. */
export interface ProgressOptions {
  /** Print nothing. Default false. */
  quiet?: boolean;
  /**
   * Whether each tick finishes a unit of work (an image, a file) that always gets its line; false
   * when ticks are parts of one unit (frames of one GIF, samples of one measurement), whose lines
   * are throttled in logs — except the last (`done === total`). Default true.
   */
  units?: boolean;
  /** Default `process.stderr`. */
  stream?: ProgressStream;
  /** Least time between two throttled lines when the stream is not a terminal, ms. Default 5000. */
  intervalMs?: number;
  /** Clock in ms (default `Date.now`); tests pass their own. */
  now?: () => number;
}

/** Default least time between two throttled progress lines in a log, ms. */
export const LOG_INTERVAL_MS = 5000;

/**
 * A gate for log lines: `pass(force)` is true for every line on a terminal, and otherwise for a
 * forced line or the first line at least `intervalMs` after the last one that passed.
 */
export function logThrottle({
  isTTY = false,
  intervalMs = LOG_INTERVAL_MS,
  now = Date.now,
}: {
  isTTY?: boolean;
  intervalMs?: number;
  now?: () => number;
} = {}): { pass(force: boolean): boolean } {
  if (!(intervalMs >= 0) || !Number.isFinite(intervalMs))
    throw new RangeError(`intervalMs must be a finite number >= 0 (ms), got ${intervalMs}`);
  let last = -Infinity;
  return {
    pass(force) {
      if (isTTY) return true;
      const t = now();
      if (!force && t - last < intervalMs) return false;
      last = t;
      return true;
    },
  };
}

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Progress of `total` units of `label` on `opts.stream` (see the module comment for throttling). */
export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const { quiet = false, units = true, stream = process.stderr, now = Date.now } = opts;
  const gate = logThrottle({ isTTY: Boolean(stream.isTTY), intervalMs: opts.intervalMs, now });
  const t0 = now();
  const write = (s: string, force: boolean) => {
    if (!quiet && gate.pass(force)) stream.write(s + '\n');
  };
  return {
    tick(done, note) {
      const elapsed = now() - t0;
      const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
      const pct = total > 0 ? Math.round((100 * done) / total) : 100;
      write(
        `${label}  ${done}/${total}  ${pct}%  elapsed ${seconds(elapsed)}` +
          (done > 0 && done < total ? `  ETA ${seconds(eta)}` : '') +
          (note ? `  ${note}` : ''),
        units || done >= total,
      );
    },
    finish(note) {
      write(`${label}  done in ${seconds(now() - t0)}${note ? `  ${note}` : ''}`, true);
    },
  };
}
