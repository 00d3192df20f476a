/**
 * ZIP archives (PKWARE APPNOTE 6.3) as the official `dataset_tool.py` writes them (Python `zipfile`,
 * ZIP_STORED) and `training/dataset.py` reads them: local file headers, a central directory and the
 * end-of-central-directory record. Reading also accepts deflated members (method 8, inflated with
 * node:zlib) and the ZIP64 records Python writes for more than 65 535 members or 4 GiB.
 */
import { inflateRawSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, polynomial 0xEDB88320) of `bytes`, as ZIP and PNG use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One member of an archive: its name (forward slashes) and its uncompressed bytes. */
export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** MS-DOS time/date of 1980-01-01 00:00: a fixed stamp keeps archives byte-reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * An uncompressed (STORED) ZIP archive of `entries`, in the given order. Names must be relative paths
 * without `..` (RangeError); at most 65 535 members and 4 GiB (no ZIP64 writing).
 */
export function writeZip(entries: readonly ZipEntry[]): Uint8Array {
  if (entries.length > 0xffff)
    throw new RangeError(`entries: at most 65535 members without ZIP64, got ${entries.length}`);
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const e of entries) {
    if (typeof e.name !== 'string' || !e.name || e.name.startsWith('/') || e.name.split('/').includes('..'))
      throw new RangeError(`entry name must be a relative path without '..', got ${JSON.stringify(e.name)}`);
    if (seen.has(e.name)) throw new RangeError(`duplicate entry name ${JSON.stringify(e.name)}`);
    seen.add(e.name);
    if (!(e.data instanceof Uint8Array)) throw new TypeError(`entry ${e.name}: data must be a Uint8Array`);
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const size = e.data.length;
    if (offset + size > 0xfffffff0)
      throw new RangeError('archive larger than 4 GiB needs ZIP64 (not written)');
    const utf8 = /[^\x20-\x7e]/.test(e.name) ? 0x0800 : 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed
    lv.setUint16(6, utf8, true);
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, DOS_TIME, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, size, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 0, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, (3 << 8) | 20, true); // made by: unix, 2.0
    cv.setUint16(6, 20, true);
    cv.setUint16(8, utf8, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, DOS_TIME, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, size, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(38, (0o100644 << 16) >>> 0, true); // regular file, rw-r--r--
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, e.data);
    central.push(cd);
    offset += local.length + size;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const c of [...parts, ...central, end]) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** A ZIP that cannot be read: truncated, corrupt, or using a feature outside the subset above. */
export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

/**
 * The members of a ZIP archive (directories skipped) in central-directory order, each checked
 * against its CRC-32. `what` names the archive in messages.
 */
export function readZip(bytes: Uint8Array, what = 'zip archive'): ZipEntry[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--)
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new ZipFormatError(`${what}: no end-of-central-directory record (not a zip file?)`);
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (
    (count === 0xffff || cdOffset === 0xffffffff) &&
    eocd >= 20 &&
    view.getUint32(eocd - 20, true) === 0x07064b50
  ) {
    const z64 = Number(view.getBigUint64(eocd - 12, true));
    if (z64 + 56 > bytes.length || view.getUint32(z64, true) !== 0x06064b50)
      throw new ZipFormatError(`${what}: broken ZIP64 end-of-central-directory record`);
    count = Number(view.getBigUint64(z64 + 32, true));
    cdOffset = Number(view.getBigUint64(z64 + 48, true));
  }
  const dec = new TextDecoder();
  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50)
      throw new ZipFormatError(`${what}: central directory entry ${k} is corrupt`);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let csize = view.getUint32(p + 20, true);
    let usize = view.getUint32(p + 24, true);
    const nlen = view.getUint16(p + 28, true);
    const xlen = view.getUint16(p + 30, true);
    const clen = view.getUint16(p + 32, true);
    let local = view.getUint32(p + 42, true);
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nlen));
    // ZIP64 extra field (0x0001): the 64-bit values of whichever fields are saturated, in order.
    let x = p + 46 + nlen;
    const xend = x + xlen;
    while (x + 4 <= xend) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        if (usize === 0xffffffff) ((usize = Number(view.getBigUint64(q, true))), (q += 8));
        if (csize === 0xffffffff) ((csize = Number(view.getBigUint64(q, true))), (q += 8));
        if (local === 0xffffffff) local = Number(view.getBigUint64(q, true));
      }
      x += 4 + len;
    }
    p = xend + clen;
    if (name.endsWith('/')) continue;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50)
      throw new ZipFormatError(`${what}: local header of ${name} is corrupt`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + csize > bytes.length) throw new ZipFormatError(`${what}: ${name} is truncated`);
    const raw = bytes.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) data = new Uint8Array(inflateRawSync(raw));
    else
      throw new ZipFormatError(`${what}: ${name} uses compression method ${method} (only 0 and 8 are read)`);
    if (data.length !== usize)
      throw new ZipFormatError(`${what}: ${name} has ${data.length} bytes, expected ${usize}`);
    if (crc32(data) !== crc) throw new ZipFormatError(`${what}: CRC mismatch in ${name}`);
    out.push({ name, data });
  }
  return out;
}
