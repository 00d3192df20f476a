/**
 * Progress of a whole report with an ETA: every configuration gets a weight (its estimated cost:
 * multiply–accumulates per image × images it will render), and the work inside a configuration
 * reports a fraction. ETA = elapsed · (W − done) / done, where done is the weighted work finished —
 * so a slow config such as R (twice the channels) is expected to take longer up front.
 */
export interface ReportProgress {
  /** Config `index` is `fraction` (0…1) done; `note` names the metric and its own counter. */
  update(index: number, fraction: number, note: string): void;
  /** A plain line (config headers, results). */
  log(line: string): void;
  /** Seconds since start. */
  elapsed(): number;
}

/** `1 min 5 s` / `4.2 s`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * Weighted progress on stderr (silent with `quiet`). `labels[i]` names config i (`T`), `weights[i]`
 * its estimated cost in any unit.
 */
export function reportProgress(
  labels: string[],
  weights: number[],
  {
    quiet = false,
    write = (s: string): void => void process.stderr.write(s + '\n'),
  }: { quiet?: boolean; write?: (line: string) => void } = {},
): ReportProgress {
  const t0 = Date.now();
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  const before = weights.map((_, i) => weights.slice(0, i).reduce((a, b) => a + b, 0));
  const out = (s: string) => {
    if (!quiet) write(s);
  };
  const elapsed = () => (Date.now() - t0) / 1000;
  return {
    update(index, fraction, note) {
      const f = Math.min(1, Math.max(0, fraction));
      const done = before[index] + f * weights[index];
      const el = elapsed();
      const pct = Math.round((100 * done) / total);
      const eta = done > 0 && done < total ? `  ETA ${formatSeconds((el * (total - done)) / done)}` : '';
      out(
        `[${index + 1}/${labels.length} ${labels[index]}] ${note}  overall ${pct}%  elapsed ${formatSeconds(el)}${eta}`,
      );
    },
    log(line) {
      out(line);
    },
    elapsed,
  };
}
