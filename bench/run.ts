/**
 * `npm run bench [-- group...]`: run the benchmark groups and print one table (median of repeats).
 * Groups: signal, generator, pickle, train (add `--quick` for fewer repeats); `stylegan2` runs only
 * the generator group's StyleGAN2-256 rows.
 */
import { formatTable, type BenchRow } from './harness.js';

const groups: Record<string, () => Promise<{ rows: (opts: { quick: boolean }) => Promise<BenchRow[]> }>> = {
  signal: () => import('./signal.js'),
  generator: () => import('./generator.js'),
  stylegan2: async () => ({ rows: (await import('./stylegan2.js')).stylegan2Rows }),
  pickle: () => import('./pickle.js'),
  train: () => import('./train.js'),
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const wanted = args.filter((a) => !a.startsWith('--'));
const names = wanted.length ? wanted : Object.keys(groups);
for (const n of names)
  if (!groups[n]) throw new Error(`unknown bench group ${n}; known: ${Object.keys(groups)}`);

const all: BenchRow[] = [];
for (const n of names) {
  process.stderr.write(`bench: ${n}…\n`);
  const mod = await groups[n]();
  const rows = await mod.rows({ quick });
  all.push(...rows);
  console.log(formatTable(rows) + '\n');
}
if (names.length > 1) console.log('All groups:\n' + formatTable(all));
