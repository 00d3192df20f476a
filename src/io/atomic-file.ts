/**
 * Atomic file output: write (or copy) into a hidden temporary file in the destination's folder,
 * then rename it over the destination. A rename within one folder is atomic on POSIX file
 * systems, so a reader — or a run resumed after a crash — sees either the old file or the whole
 * new one, never a truncated file. The temporary file is removed if anything fails.
 */
import { copyFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary name beside `path`: `.<name>.tmp-<pid>` (hidden, one per process). */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

function viaTemporary(path: string, write: (tmp: string) => void): void {
  const tmp = temporaryBeside(path);
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Write `data` to `path` atomically (temporary file in the same folder, then rename).
 *
 *     writeFileAtomic('run/log.json', JSON.stringify(state));
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  viaTemporary(path, (tmp) => writeFileSync(tmp, data));
}

/**
 * Copy `from` to `to` atomically (temporary copy in the destination folder, then rename).
 *
 *     copyFileAtomic('run/network-snapshot-000010.pkl', 'data/t.pkl');
 */
export function copyFileAtomic(from: string, to: string): void {
  viaTemporary(to, (tmp) => copyFileSync(from, tmp));
}
