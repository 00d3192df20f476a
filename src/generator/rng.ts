/**
 * Seeded pseudo-random numbers for weight initialisation and latent sampling.
 *
 * xoshiro128** (Blackman & Vigna) over a 128-bit state filled from the seed by splitmix32, giving
 * uniform floats in [0, 1) with 32 random bits; normals by the Box–Muller transform. The stream is
 * our own (not PyTorch's), so seeds reproduce our weights, not the official ones; only the
 * distributions are the official ones.
 */

/** A deterministic generator of uniform and normal variates. */
export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  /** `seed`: any safe integer (or a string, hashed). Equal seeds give equal streams. */
  constructor(seed: number | string = 0) {
    let h: number;
    if (typeof seed === 'string') {
      h = 2166136261;
      for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
    } else {
      if (!Number.isSafeInteger(seed))
        throw new TypeError(`seed must be a safe integer or a string, got ${seed}`);
      // Mix the high and low 32-bit halves so that large seeds stay distinct.
      h = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b1);
    }
    // splitmix32 fills the state (never all zero).
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next raw 32-bit output of xoshiro128**. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal N(0, 1) by Box–Muller (the second variate of each pair is cached). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform(); // log(0) guard
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` standard normals as float32 (the official parameters are float32 tensors). */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
