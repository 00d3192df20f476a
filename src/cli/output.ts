/**
 * Output folders of the CLI commands: created (with parents) before any long work starts, so that
 * a bad `--out` fails at once with a message naming the option and saying what is wrong, instead of
 * raw errno text after minutes of computation.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';

/** Plain words for the errno codes a folder can fail with. */
const WHY: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a file is in the way (a parent is not a folder)',
  EEXIST: 'a file with that name exists',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'the name is too long',
};

function explain(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (code && WHY[code]) ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Make sure `dir` is a writable folder, creating it and its parents; `option` names where the path
 * came from (`--out`, `<outDir>`) in the error. With `refuseNonEmpty`, an existing folder that holds
 * anything is an error that names `forceFlag`. Returns `dir`.
 */
export function prepareOutDir(
  dir: string,
  option = '--out',
  { refuseNonEmpty = false, forceFlag = '--force' }: { refuseNonEmpty?: boolean; forceFlag?: string } = {},
): string {
  if (typeof dir !== 'string' || dir.trim() === '')
    throw new TypeError(`${option} must be a folder path, got ${JSON.stringify(dir)}`);
  const where = `${option} ${JSON.stringify(dir)}`;
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${where}: ${WHY.EEXIST}, not a folder`);
    if (refuseNonEmpty && readdirSync(dir).length > 0)
      throw new Error(
        `${where} is not empty; give ${forceFlag} to write into it (files of the same name are replaced)`,
      );
  } else {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new Error(`${where}: cannot create the folder: ${explain(err)}`);
    }
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new Error(`${where}: cannot write into the folder: ${explain(err)}`);
  }
  return dir;
}

/** `1 file`, `5 files`. */
export function countFiles(n: number): string {
  return `${n} ${n === 1 ? 'file' : 'files'}`;
}
