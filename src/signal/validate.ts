/**
 * Argument checks shared by the signal library.
 *
 * Every public function validates its inputs with these helpers so that a bad argument fails
 * loudly with a message that names the argument, the value it got and what is allowed
 * (the API contract: "Nothing returns NaN silently").
 */

/**
 * Format a value for an error message without dumping huge arrays: numbers as they are, strings
 * quoted (so `'0.7'` is told apart from `0.7`), short arrays in full, long arrays and typed arrays
 * by their length, other objects by their class.
 */
export function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return value.length > 60
      ? `${JSON.stringify(value.slice(0, 60))}… (string of length ${value.length})`
      : JSON.stringify(value);
  if (Array.isArray(value))
    return value.length > 8 ? `[array of length ${value.length}]` : JSON.stringify(value);
  if (ArrayBuffer.isView(value) && 'length' in value)
    return `${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape) && 'data' in value) return `an ndarray of shape [${shape.join(', ')}]`;
  }
  return Object.prototype.toString.call(value);
}

/** Edit distance of two short strings (for "did you mean" hints on misspelled option keys). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(
        d[j] + 1,
        d[j - 1] + 1,
        prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return d[b.length];
}

/**
 * Throw a TypeError unless `value` is undefined or a plain options object whose keys are all in
 * `allowed` (a record with one entry per option, so that TypeScript keeps the list complete). A
 * misspelled key would otherwise be ignored silently and change the result (`{ widht: 0.8 }`); the
 * message names the key, the allowed ones and the closest match.
 */
export function assertOptions(name: string, value: unknown, allowed: Record<string, true>): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value))
    throw new TypeError(`${name} must be an options object, got ${show(value)}`);
  const keys = Object.keys(allowed);
  for (const key of Object.keys(value)) {
    if (Object.prototype.hasOwnProperty.call(allowed, key)) continue;
    const near = keys
      .map((k) => [k, editDistance(key, k)] as const)
      .filter(([, dist]) => dist <= 2)
      .sort((x, y) => x[1] - y[1])[0];
    throw new TypeError(
      `${name} has an unknown key ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near[0])}?)` : ''}; ` +
        `allowed keys: ${keys.join(', ')}`,
    );
  }
}

/** Throw a TypeError unless `value` is a finite number. */
export function assertFinite(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${show(value)}`);
  }
}

/** Throw unless `value` is an integer ≥ `min`. */
export function assertInteger(name: string, value: unknown, min = -Infinity): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${show(value)}`);
  }
  if (value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

/** Throw a RangeError unless `lo < value < hi` (open interval), or the given inclusive bounds. */
export function assertInRange(
  name: string,
  value: unknown,
  lo: number,
  hi: number,
  { loInclusive = false, hiInclusive = false } = {},
): asserts value is number {
  assertFinite(name, value);
  const okLo = loInclusive ? value >= lo : value > lo;
  const okHi = hiInclusive ? value <= hi : value < hi;
  if (!okLo || !okHi) {
    const range = `${loInclusive ? '[' : '('}${lo}, ${hi}${hiInclusive ? ']' : ')'}`;
    throw new RangeError(`${name} must lie in ${range}, got ${value}`);
  }
}

/** Throw a RangeError unless `value > 0`. */
export function assertPositive(name: string, value: unknown): asserts value is number {
  assertFinite(name, value);
  if (value <= 0) throw new RangeError(`${name} must be > 0, got ${value}`);
}

/** Throw a TypeError if any element of `data` is NaN or infinite. */
export function assertAllFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new TypeError(`${name} must contain only finite numbers, got ${show(data[i])} at index ${i}`);
    }
  }
}
