/**
 * H.264 MP4 writing through the `ffmpeg` program, when it is installed. Frames go to ffmpeg's
 * standard input as raw rgb24 (`-f rawvideo -pix_fmt rgb24 -s W×H -r FPS -i -`) and come out as
 * `libx264` with `yuv420p` — the pixel format every browser and player decodes. yuv420p stores
 * colour at half resolution, so both sides must be even: odd frames are padded by one white
 * column/row (never scaled, which would blur the pixel-exact tiles).
 *
 * Without ffmpeg nothing is written and the result says why; callers print that note once and go
 * on (the GIF writer needs no external program). The video is written to `<path>.partial` and
 * renamed when ffmpeg succeeds, so a killed run never leaves a truncated file under the real name.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** One RGBA frame (row-major, width·height·4 bytes), as the GIF writer takes. */
export interface Mp4Frame {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Options of `writeMp4`. */
export interface Mp4Options {
  /** Frames per second (default 12.5, the GIF writer's 80 ms per frame). */
  fps?: number;
  /** Environment whose PATH is searched for ffmpeg (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** What `writeMp4` did. */
export type Mp4Result =
  | { written: true; path: string; width: number; height: number; frames: number; ffmpeg: string }
  | { written: false; reason: string };

/** Absolute path of an executable `name` on the PATH of `env`, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here: keep looking
    }
  }
  return null;
}

/** The size ffmpeg receives: width and height rounded up to even numbers (yuv420p). */
export function evenSize(width: number, height: number): { width: number; height: number } {
  return { width: width + (width % 2), height: height + (height % 2) };
}

/** rgb24 bytes of one frame on an even canvas; padding pixels are white. */
export function toRgb24(frame: Mp4Frame, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3).fill(255);
  for (let y = 0; y < frame.height; y++)
    for (let x = 0; x < frame.width; x++) {
      const i = (y * frame.width + x) * 4;
      const o = (y * width + x) * 3;
      out[o] = frame.rgba[i];
      out[o + 1] = frame.rgba[i + 1];
      out[o + 2] = frame.rgba[i + 2];
    }
  return out;
}

function checkFrames(frames: readonly Mp4Frame[]): { width: number; height: number } {
  if (!Array.isArray(frames) || frames.length === 0)
    throw new RangeError('frames must contain at least one frame');
  const { width, height } = frames[0];
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new RangeError(`frames[0] must have a positive integer size, got ${width}×${height}`);
  for (const [i, f] of frames.entries()) {
    if (f.width !== width || f.height !== height)
      throw new RangeError(
        `frames[${i}] is ${f.width}×${f.height}, expected ${width}×${height} (all frames of a video share one size)`,
      );
    if (f.rgba.length !== width * height * 4)
      throw new RangeError(`frames[${i}].rgba has ${f.rgba.length} bytes, expected ${width * height * 4}`);
  }
  return { width, height };
}

/**
 * Encode `frames` as an H.264 MP4 at `path` with ffmpeg. Resolves `{written: false, reason}` when
 * ffmpeg is not on PATH; rejects when ffmpeg runs and fails (its last stderr lines in the message).
 */
export async function writeMp4(
  path: string,
  frames: readonly Mp4Frame[],
  opts: Mp4Options = {},
): Promise<Mp4Result> {
  const size = checkFrames(frames);
  const fps = opts.fps ?? 12.5;
  if (!(Number.isFinite(fps) && fps > 0)) throw new RangeError(`fps must be a positive number, got ${fps}`);
  const ffmpeg = findOnPath('ffmpeg', opts.env);
  if (!ffmpeg)
    return { written: false, reason: 'ffmpeg is not on PATH: no MP4 written (install ffmpeg for videos)' };
  const { width, height } = evenSize(size.width, size.height);
  const partial = `${path}.partial`;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    String(fps),
    '-i',
    '-',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'mp4',
    '-y',
    partial,
  ];
  const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], env: opts.env ?? process.env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  // A write error (ffmpeg exited early) is reported through the exit status below.
  child.stdin.on('error', () => {});
  for (const f of frames) {
    const ok = child.stdin.write(toRgb24(f, width, height));
    if (!ok) await new Promise<void>((resolve) => child.stdin.once('drain', resolve).once('close', resolve));
  }
  child.stdin.end();
  const code = await exited;
  if (code !== 0) {
    rmSync(partial, { force: true });
    throw new Error(
      `ffmpeg failed (exit status ${code}) writing ${path}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  renameSync(partial, path);
  return { written: true, path, width, height, frames: frames.length, ffmpeg };
}
