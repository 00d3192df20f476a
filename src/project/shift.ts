/**
 * The `dx,dy` shift of a translated projection as the command line gives it (no tfjs here: the
 * command-line parser imports it at start-up).
 */

/**
 * Parse `"dx,dy"` (pixels, fractions allowed) into two finite numbers; a RangeError says what was
 * expected otherwise.
 *
 * @example
 * ```ts
 * parseShift('2.5,-1'); // [2.5, -1]
 * ```
 */
export function parseShift(value: string): [number, number] {
  const parts = String(value)
    .split(',')
    .map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !nums.every(Number.isFinite))
    throw new RangeError(
      `expected two numbers of pixels "dx,dy" (e.g. 2.5,-1), got ${JSON.stringify(value)}`,
    );
  return [nums[0], nums[1]];
}
