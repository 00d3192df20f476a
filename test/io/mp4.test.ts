/**
 * MP4 writer: frames piped to ffmpeg come back with the right size (padded to even), frame count
 * and colours (ffprobe and an ffmpeg decode); with a PATH that hides ffmpeg the writer says so and
 * writes nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evenSize, findOnPath, toRgb24, writeMp4, type Mp4Frame } from '../../src/io/mp4.js';

const dir = mkdtempSync(join(tmpdir(), 'aliasfree-mp4-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Frame k: a flat colour that changes from frame to frame (H.264 keeps flat areas nearly exact). */
function flatFrame(width: number, height: number, rgb: [number, number, number]): Mp4Frame {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([...rgb, 255], i * 4);
  return { width, height, rgba };
}

const colours: [number, number, number][] = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [220, 220, 60],
  [30, 30, 30],
];

test('mp4: even size and white padding of the rgb24 frames', () => {
  assert.deepEqual(evenSize(31, 17), { width: 32, height: 18 });
  assert.deepEqual(evenSize(32, 18), { width: 32, height: 18 });
  const rgb = toRgb24(flatFrame(3, 1, [1, 2, 3]), 4, 2);
  assert.deepEqual([...rgb.subarray(0, 12)], [1, 2, 3, 1, 2, 3, 1, 2, 3, 255, 255, 255]);
  assert.ok(
    rgb.subarray(12).every((v) => v === 255),
    'the padded row is white',
  );
});

test('mp4: ffprobe reads the frame count and the padded size; colours survive', async () => {
  const ffprobe = findOnPath('ffprobe');
  assert.ok(
    findOnPath('ffmpeg') && ffprobe,
    'this test needs ffmpeg and ffprobe on PATH (Debian: apt-get install ffmpeg)',
  );
  const path = join(dir, 'five.mp4');
  const frames = colours.map((c) => flatFrame(31, 17, c));
  const r = await writeMp4(path, frames, { fps: 10 });
  assert.equal(r.written, true);
  assert.ok(existsSync(path));
  assert.ok(!existsSync(`${path}.partial`), 'the partial file was renamed');
  const probe = JSON.parse(
    execFileSync(ffprobe, [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames,width,height,codec_name,pix_fmt',
      '-of',
      'json',
      path,
    ]).toString(),
  ).streams[0];
  assert.equal(Number(probe.nb_read_frames), 5);
  assert.equal(probe.width, 32);
  assert.equal(probe.height, 18);
  assert.equal(probe.codec_name, 'h264');
  assert.equal(probe.pix_fmt, 'yuv420p');
  // Decode back to rgb24: the centre pixel of each frame is within a few levels of its colour
  // (yuv420p conversion and H.264 quantisation on a flat area).
  const raw = execFileSync(findOnPath('ffmpeg')!, [
    '-v',
    'error',
    '-i',
    path,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
  assert.equal(raw.length, 5 * 32 * 18 * 3);
  colours.forEach((c, k) => {
    const o = k * 32 * 18 * 3 + (8 * 32 + 15) * 3;
    for (let ch = 0; ch < 3; ch++)
      assert.ok(Math.abs(raw[o + ch] - c[ch]) <= 8, `frame ${k} channel ${ch}: ${raw[o + ch]} vs ${c[ch]}`);
  });
});

test('mp4: without ffmpeg on PATH the writer says so and writes nothing', async () => {
  const empty = mkdtempSync(join(dir, 'no-ffmpeg-'));
  const path = join(dir, 'none.mp4');
  const r = await writeMp4(path, [flatFrame(4, 4, [0, 0, 0])], { env: { PATH: empty } });
  assert.equal(r.written, false);
  assert.match(r.written ? '' : r.reason, /ffmpeg is not on PATH/);
  assert.ok(!existsSync(path));
  assert.deepEqual(readdirSync(empty), []);
});

test('mp4: bad frames are refused with the frame named', async () => {
  await assert.rejects(writeMp4(join(dir, 'x.mp4'), []), /at least one frame/);
  await assert.rejects(
    writeMp4(join(dir, 'x.mp4'), [flatFrame(4, 4, [0, 0, 0]), flatFrame(4, 2, [0, 0, 0])]),
    /frames\[1\] is 4×2, expected 4×4/,
  );
  await assert.rejects(
    writeMp4(join(dir, 'x.mp4'), [flatFrame(4, 4, [0, 0, 0])], { fps: 0 }),
    /fps must be a positive number/,
  );
});
