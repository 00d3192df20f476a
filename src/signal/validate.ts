/**
 * Argument checks shared by the signal library.
 *
 * Every public function validates its inputs with these helpers so that a bad argument fails
 * loudly with a message that names the argument, the value it got and what is allowed
 * (the API contract: "Nothing returns NaN silently").
 */

/** Format a value for an error message without dumping huge arrays. */
function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value))
    return value.length > 8 ? `[array of length ${value.length}]` : JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  return Object.prototype.toString.call(value);
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
      throw new TypeError(`${name} must contain only finite numbers, got ${data[i]} at index ${i}`);
    }
  }
}
