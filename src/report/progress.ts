/**
 * Progress of a whole report with an ETA: every configuration gets a weight (its estimated cost:
 * multiply–accumulates per image × images it will render), and the work inside a configuration
 * reports a fraction. ETA = elapsed · (W − done) / done, where done = Σ_i weight_i · fraction_i is
 * the weighted work finished — so a slow config such as R (twice the channels) is expected to take
 * longer up front. Configs may run one after another or at the same time (worker threads).
 */
import { logThrottle } from '../cli/progress.js';

export interface ReportProgress {
  /** Config `index` is `fraction` (0…1) done; `note` names the metric and its own counter. */
  update(index: number, fraction: number, note: string): void;
  /** Config `index` is finished (counts as fraction 1 whatever it last reported). */
  finish(index: number): void;
  /** A plain line (config headers, results). */
  log(line: string): void;
  /** Seconds since start. */
  elapsed(): number;
}

/** True when the note's first counter `k/n` is complete (k = n > 0): a finished unit of work. */
function finishesUnit(note: string): boolean {
  const m = /(\d+)\/(\d+)/.exec(note);
  return m !== null && m[1] === m[2] && m[2] !== '0';
}

/** `1 min 5 s` / `4.2 s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * Weighted progress on stderr (silent with `quiet`). `labels[i]` names config i (`T`), `weights[i]`
 * its estimated cost in any unit. `update` lines are throttled by `throttle` (default: every line on
 * a terminal, at most one per 5 s when stderr is a log; with a custom `write`, every line), except
 * those whose note ends a counter (`EQ 4/4 latents`, `translate strip 3/3 frames`): they mark a
 * finished unit of work (one metric of one config) and always print, as do `log` lines (config
 * headers and results).
 */
export function reportProgress(
  labels: string[],
  weights: number[],
  {
    quiet = false,
    write,
    throttle = logThrottle({ isTTY: write !== undefined || Boolean(process.stderr.isTTY) }),
  }: {
    quiet?: boolean;
    write?: (line: string) => void;
    throttle?: { pass(force: boolean): boolean };
  } = {},
): ReportProgress {
  const emit = write ?? ((s: string): void => void process.stderr.write(s + '\n'));
  const t0 = Date.now();
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const fractions = weights.map(() => 0);
  const out = (s: string, force = true) => {
    if (!quiet && throttle.pass(force)) emit(s);
  };
  const elapsed = () => (Date.now() - t0) / 1000;
  return {
    update(index, fraction, note) {
      fractions[index] = Math.min(1, Math.max(0, fraction));
      const done = fractions.reduce((a, f, i) => a + f * weights[i], 0);
      const el = elapsed();
      const pct = Math.round((100 * done) / total);
      const eta = done > 0 && done < total ? `  ETA ${formatSeconds((el * (total - done)) / done)}` : '';
      out(
        `[${index + 1}/${labels.length} ${labels[index]}] ${note}  overall ${pct}%  elapsed ${formatSeconds(el)}${eta}`,
        finishesUnit(note),
      );
    },
    finish(index) {
      fractions[index] = 1;
    },
    log(line) {
      out(line);
    },
    elapsed,
  };
}
