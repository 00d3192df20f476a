import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { crc32, readZip, writeZip, ZipFormatError } from '../../src/train/dataset/zip.js';
import {
  decodeImage,
  encodeImage,
  resizeImage,
  DatasetError,
  type Uint8Image,
} from '../../src/train/dataset/images.js';
import {
  archiveName,
  datasetZipFromFolder,
  ImageDataset,
  InfiniteSampler,
  writeDatasetZip,
} from '../../src/train/dataset/image-folder.js';
import pngjs from 'pngjs';
import { proceduralImage, proceduralDataset } from '../../src/train/dataset/procedural.js';

const { PNG } = pngjs;

function img(w: number, c: number, fill: (i: number) => number): Uint8Image {
  return {
    width: w,
    height: w,
    channels: c,
    data: Uint8Array.from({ length: w * w * c }, (_, i) => fill(i)),
  };
}

test('crc32 of the standard check string', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('zip: write → read round trip; deflated members read; corrupt data detected', () => {
  const entries = [
    { name: 'a/b.txt', data: new TextEncoder().encode('hello') },
    { name: 'dataset.json', data: new Uint8Array(0) },
  ];
  const z = writeZip(entries);
  const back = readZip(z);
  assert.deepEqual(
    back.map((e) => e.name),
    ['a/b.txt', 'dataset.json'],
  );
  assert.equal(new TextDecoder().decode(back[0].data), 'hello');
  assert.deepEqual(writeZip(back), z, 'byte-reproducible');
  // A hand-made deflated member (method 8).
  const raw = new TextEncoder().encode('deflated text deflated text');
  const comp = deflateRawSync(raw);
  const patched = buildDeflatedZip('x.txt', raw, comp);
  assert.equal(new TextDecoder().decode(readZip(patched)[0].data), 'deflated text deflated text');
  const bad = z.slice();
  bad[30 + 'a/b.txt'.length] ^= 1; // first data byte
  assert.throws(() => readZip(bad, 'bad.zip'), /bad.zip: CRC mismatch in a\/b.txt/);
  assert.throws(() => readZip(new Uint8Array(10), 'tiny'), ZipFormatError);
  assert.throws(() => writeZip([{ name: '../x', data: new Uint8Array(1) }]), /relative path/);
});

function buildDeflatedZip(name: string, raw: Uint8Array, comp: Uint8Array): Uint8Array {
  const stored = writeZip([{ name, data: comp }]);
  const v = new DataView(stored.buffer);
  const n = name.length;
  v.setUint16(8, 8, true);
  v.setUint32(14, crc32(raw), true);
  v.setUint32(22, raw.length, true);
  const cd = 30 + n + comp.length;
  v.setUint16(cd + 10, 8, true);
  v.setUint32(cd + 16, crc32(raw), true);
  v.setUint32(cd + 24, raw.length, true);
  return stored;
}

test('PNG: grey and RGB round trip bit-exactly; alpha refused', () => {
  for (const c of [1, 3]) {
    const a = img(8, c, (i) => (i * 37) % 256);
    const b = decodeImage(encodeImage(a), 'x');
    assert.equal(b.channels, c);
    assert.deepEqual(b.data, a.data);
  }
  const rgba = new PNG({ width: 2, height: 2 });
  rgba.data = Buffer.alloc(16, 7);
  assert.throws(
    () => decodeImage(PNG.sync.write(rgba), 'alpha.png'),
    /alpha.png: has 4 channels.*RGB or grayscale/,
  );
  assert.throws(() => decodeImage(new Uint8Array([1, 2, 3]), 'junk.png'), /junk.png: not a readable PNG/);
});

test('dataset zip in the dataset_tool.py layout: names, dataset.json, labels, x-flip, scaling', () => {
  const images = [0, 1, 2].map((k) => ({ image: img(4, 3, (i) => (i + 50 * k) % 256), label: k }));
  const zip = writeDatasetZip(images);
  const names = readZip(zip).map((e) => e.name);
  assert.deepEqual(names, [
    '00000/img00000000.png',
    '00000/img00000001.png',
    '00000/img00000002.png',
    'dataset.json',
  ]);
  assert.equal(archiveName(123456), '00123/img00123456.png');
  const json = JSON.parse(new TextDecoder().decode(readZip(zip)[3].data));
  assert.deepEqual(json, {
    labels: [
      [names[0], 0],
      [names[1], 1],
      [names[2], 2],
    ],
  });
  const ds = ImageDataset.fromZip(zip, { xflip: true, useLabels: true });
  assert.equal(ds.rawLength, 3);
  assert.equal(ds.length, 6);
  assert.equal(ds.resolution, 4);
  assert.equal(ds.channels, 3);
  assert.equal(ds.labelDim, 3);
  assert.deepEqual([...ds.labels![2]], [0, 0, 1]);
  const orig = ds.image(1).data;
  const flip = ds.image(4).data;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++) assert.equal(flip[(c * 4 + y) * 4 + x], orig[(c * 4 + y) * 4 + 3 - x]);
  const b = ds.batch([0, 4]);
  assert.deepEqual(b.shape, [2, 3, 4, 4]);
  const u = ds.image(0).data;
  for (let i = 0; i < u.length; i++) assert.equal(b.data[i], Math.fround(Math.fround(u[i] / 127.5) - 1));
  assert.equal(Math.fround(0 / 127.5) - 1, -1);
  assert.equal(Math.fround(255 / 127.5) - 1, 1);
  assert.deepEqual(ds.trainingSetKwargs('d.zip', 0), {
    class_name: 'training.dataset.ImageFolderDataset',
    path: 'd.zip',
    use_labels: true,
    max_size: 3,
    xflip: true,
    resolution: 4,
    random_seed: 0,
  });
  assert.throws(() => ImageDataset.fromZip(zip, { resolution: 8 }), /images are 4×4, but resolution 8/);
  assert.equal(ImageDataset.fromZip(writeDatasetZip([{ image: img(4, 1, () => 9) }])).labels, null);
});

test('dataset errors: different sizes or channels, not square, not a power of two', () => {
  assert.throws(
    () => writeDatasetZip([{ image: img(4, 3, () => 0) }, { image: img(8, 3, () => 0), source: 'b.png' }]),
    (e: Error) =>
      e instanceof DatasetError &&
      /b\.png: is 8×8 with 3 channel\(s\) but image 0 is 4×4 with 3/.test(e.message),
  );
  assert.throws(
    () => writeDatasetZip([{ image: img(4, 3, () => 0) }, { image: img(4, 1, () => 0) }]),
    /same size and channels/,
  );
  assert.throws(() => writeDatasetZip([{ image: img(6, 3, () => 0) }]), /side 6 is not a power of two/);
  assert.throws(
    () => writeDatasetZip([{ image: { width: 4, height: 2, channels: 3, data: new Uint8Array(24) } }]),
    /must be square/,
  );
});

test('dataset from a folder: sorted, labels from dataset.json, --resolution resizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-ds-'));
  try {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.png'), encodeImage(img(8, 3, () => 200)));
    writeFileSync(join(dir, 'a.png'), encodeImage(img(8, 3, () => 100)));
    writeFileSync(
      join(dir, 'dataset.json'),
      JSON.stringify({
        labels: [
          ['a.png', 1],
          ['sub/b.png', 0],
        ],
      }),
    );
    const ds = ImageDataset.fromZip(datasetZipFromFolder(dir), { useLabels: true });
    assert.equal(ds.image(0).data[0], 100);
    assert.equal(ds.image(1).data[0], 200);
    assert.deepEqual([...ds.labels![0]], [0, 1]);
    const small = ImageDataset.fromZip(datasetZipFromFolder(dir, { resolution: 4 }));
    assert.equal(small.resolution, 4);
    assert.ok(
      small.image(0).data.every((v) => v === 100),
      'constant image stays constant',
    );
    writeFileSync(join(dir, 'c.png'), encodeImage(img(16, 3, () => 0)));
    assert.throws(() => datasetZipFromFolder(dir), /c\.png: is 16×16.*a\.png is 8×8/);
    writeFileSync(join(dir, 'd.jpg'), new Uint8Array(4));
    assert.throws(() => datasetZipFromFolder(dir, { resolution: 4 }), /d\.jpg: only PNG/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resizeImage preserves the mean of a smooth image', () => {
  const a = img(16, 1, (i) => 64 + Math.round(60 * Math.sin((2 * Math.PI * (i % 16)) / 16)));
  const r = resizeImage(a, 8);
  const mean = (d: Uint8Array) => d.reduce((s, v) => s + v, 0) / d.length;
  assert.ok(Math.abs(mean(r.data) - mean(a.data)) < 1, `${mean(r.data)} vs ${mean(a.data)}`);
});

test('InfiniteSampler: deterministic by seed, covers every index', () => {
  const a = new InfiniteSampler(10, 3).take(40);
  assert.deepEqual(new InfiniteSampler(10, 3).take(40), a);
  assert.equal(new Set(a).size, 10);
  assert.notDeepEqual(new InfiniteSampler(10, 4).take(40), a);
  assert.ok(a.every((i) => i >= 0 && i < 10));
});

test('procedural set: deterministic, seed-dependent, objects move by sub-pixel amounts', () => {
  const a = proceduralImage(3, { resolution: 16, seed: 1 });
  assert.deepEqual(proceduralImage(3, { resolution: 16, seed: 1 }), a);
  assert.notDeepEqual(proceduralImage(3, { resolution: 16, seed: 2 }).data, a.data);
  assert.notDeepEqual(proceduralImage(4, { resolution: 16, seed: 1 }).data, a.data);
  const set = proceduralDataset(4, { resolution: 16 });
  assert.equal(set.length, 4);
  const zip = writeDatasetZip(set.map((image) => ({ image })));
  const ds = ImageDataset.fromZip(zip);
  assert.deepEqual(ds.image(2).data, set[2].data);
  // Anti-aliased: no pixel-to-pixel jump of the full range in the rendered images.
  let maxJump = 0;
  for (const im of set)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 16; y++)
        for (let x = 1; x < 16; x++)
          maxJump = Math.max(
            maxJump,
            Math.abs(im.data[(c * 16 + y) * 16 + x] - im.data[(c * 16 + y) * 16 + x - 1]),
          );
  assert.ok(maxJump < 255, `max jump ${maxJump}`);
  const grey = proceduralImage(0, { resolution: 8, channels: 1 });
  assert.equal(grey.channels, 1);
  assert.throws(() => proceduralImage(0, { resolution: 12 }), /power of two/);
});
