/**
 * The memory contract of the hand-written kernels (src/generator/kernels): a module that imports
 * only a memory (tfjs's heap), exports the expected functions and has no data section (no static
 * memory of its own that could overlap tfjs's).
 */
import assert from 'node:assert/strict';

/** Section ids of a WebAssembly binary, in order (walks the section headers). */
export function wasmSectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let p = 8;
  while (p < bytes.length) {
    ids.push(bytes[p++]);
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++];
      size |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    p += size;
  }
  assert.equal(p, bytes.length, 'the section sizes add up to the file');
  return ids;
}

/**
 * Assert the contract for a base64 module: imports exactly `env.memory`, exports `exports` (among
 * possibly others when `only` is false), has a code section and no data section (id 11).
 */
export function assertHeapKernelModule(base64: string, exports: string[], only = true): void {
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const mod = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(mod), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  const names = WebAssembly.Module.exports(mod).map((e) => e.name);
  const want = [...exports].sort();
  assert.deepEqual((only ? names : names.filter((n) => exports.includes(n))).sort(), want);
  const ids = wasmSectionIds(bytes);
  assert.ok(ids.includes(10), 'has a code section');
  assert.ok(!ids.includes(11), 'no data section');
}
