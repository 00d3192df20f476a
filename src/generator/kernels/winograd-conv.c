/*
 * Fused Winograd F(4×4, 3×3) convolution with the StyleGAN2 layer epilogue, for NHWC float32 maps,
 * compiled to WebAssembly SIMD (build: scripts/build-kernels.sh; JavaScript side: winograd-conv.ts).
 *
 * One call computes, for every sample n, output pixel p and output channel o,
 *
 *     v = scale[n, o] · Σ_{r, c, i} g[r, c, i, o] · s[n, i] · x[n, p + r − pad, i]
 *         + bias[o] + noise_gain · noise[n, p]
 *     y = clamp(lrelu_slope(v))
 *
 * i.e. the modulated 3×3 cross-correlation (styles s on the input, demodulation × activation gain
 * in `scale`) followed by the noise, the bias, the leaky ReLU and the clamp of a StyleGAN2 conv
 * layer — every piece optional. The convolution runs as Winograd F(4, 3) (see
 * src/generator/ops/winograd.ts for the matrices): for a chunk of 4×4 output tiles,
 *
 *   1. input transform: V_ξ[t, i] = (Bᵀ d B)_ξ of each tile's 6×6 input patch d (styles applied
 *      on load, zero outside the map), 36 planes [tiles, C_in];
 *   2. 36 matrix products M_ξ = V_ξ · U_ξ with the pre-transformed weights U_ξ = (G g Gᵀ)_ξ
 *      [C_in, C_out] (packed by the JavaScript side in panels of 8 output channels);
 *   3. output transform Aᵀ M A per tile, the epilogue, and the store of the valid pixels.
 *
 * Why a hand-written kernel: as tfjs ops the same algorithm is ~50 kernel calls per layer, each a
 * full memory pass (depthwise convs for Bᵀ, slices, adds for Aᵀ, concats to interleave, then the
 * epilogue's five element-wise ops); here the transforms run on chunks that stay in the cache and
 * the epilogue is free. The products use a 4×8 register tile (see `gemm`) and, when the engine has
 * relaxed SIMD, fused multiply–adds (`RELAXED`).
 *
 * The source also builds with -DRELAXED (a second binary; winograd-conv.ts takes it where the engine
 * validates it). Memory: only the buffers it is given (no static data, no shadow stack; the build script checks),
 * so it can run inside TensorFlow.js's own wasm heap.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

#ifdef RELAXED
typedef float f4 __attribute__((vector_size(16)));
/* acc + a·b as one fused multiply–add (clang-14's prototype builtin; the build script rewrites its
 * opcode to the standard f32x4.relaxed_madd, which computes a·b + c). */
#define MADD(acc, a, b) ((v128_t)__builtin_wasm_fma_f32x4((f4)(a), (f4)(b), (f4)(acc)))
#else
#define MADD(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#endif

/* Parameter block, written by the JavaScript side (keep in sync with PARAM_FIELDS there). */
typedef struct {
  int32_t n, h, w, cin, cout; /* input NHWC; C_in % 4 == 0, C_out % 8 == 0 */
  int32_t pad;                /* zero padding on each side (output = input + 2·pad − 2) */
  int32_t oh, ow;             /* output size */
  int32_t chunk;              /* tiles per chunk (a multiple of 4) */
  int32_t use_slope, use_clamp;
  int32_t noise_stride;       /* floats between two samples' noise maps (0: one map for all) */
  float slope, clamp, noise_gain;
  const float *x;     /* [n, h, w, cin] */
  const float *s;     /* [n, cin] input styles, or null */
  const float *u;     /* [36][cout / 8][cin][8] transformed weights */
  const float *scale; /* [n, cout] output scale, or null */
  const float *bias;  /* [cout], or null */
  const float *noise; /* [oh·ow] per sample (see noise_stride), or null */
  float *y;           /* [n, oh, ow, cout] */
  float *scratch;     /* scratch_floats(…) / up_scratch_floats(…) floats, 16-byte aligned */
  const float *fy, *fx; /* up conv only: the 4 correlation taps of the filter per axis (× 2 each) */
  const float *dy;      /* weight gradient only: the upstream gradient [n, oh, ow, cout] */
} Params;

/* Floats of scratch one winograd_conv call needs: V and M for one chunk of tiles. */
/*
 * Distance between two transform planes of V or M: one plane plus a cache line. Why: a tile reads
 * or writes the same position of all 36 (81) planes; with plane sizes that are multiples of 4 KiB
 * those addresses fall into the same L1 set (8 ways) and evict each other on every tile — the line
 * of padding spreads them over the sets (the output transform took 3× longer without it).
 */
#define PLANE_PAD 16
INLINE int32_t plane_stride(int32_t chunk, int32_t c) { return chunk * c + PLANE_PAD; }

__attribute__((export_name("scratch_floats"))) int32_t scratch_floats(const Params *p) {
  return 36 * (plane_stride(p->chunk, p->cin) + plane_stride(p->chunk, p->cout));
}

/* One 1-D Bᵀ of F(4, 3) on six vectors, in place (10 adds/subs, 6 scalings). */
#define BT6(d0, d1, d2, d3, d4, d5)                                                               \
  do {                                                                                             \
    v128_t a_ = wasm_f32x4_sub(d4, wasm_f32x4_mul(four, d2));                                      \
    v128_t b_ = wasm_f32x4_sub(d3, wasm_f32x4_mul(four, d1));                                      \
    v128_t c_ = wasm_f32x4_sub(d4, d2);                                                            \
    v128_t e_ = wasm_f32x4_mul(two, wasm_f32x4_sub(d3, d1));                                       \
    v128_t r0_ = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d0), wasm_f32x4_mul(five, d2)), d4); \
    v128_t r5_ = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four, d1), wasm_f32x4_mul(five, d3)), d5); \
    d0 = r0_;                                                                                      \
    d1 = wasm_f32x4_add(a_, b_);                                                                   \
    d2 = wasm_f32x4_sub(a_, b_);                                                                   \
    d3 = wasm_f32x4_add(c_, e_);                                                                   \
    d4 = wasm_f32x4_sub(c_, e_);                                                                   \
    d5 = r5_;                                                                                      \
  } while (0)

/* One 1-D Aᵀ of F(4, 3): six vectors m0…m5 → four o0…o3. */
#define AT6(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3)                                                \
  do {                                                                                             \
    v128_t p_ = wasm_f32x4_add(m1, m2), q_ = wasm_f32x4_sub(m1, m2);                               \
    v128_t r_ = wasm_f32x4_add(m3, m4), t_ = wasm_f32x4_sub(m3, m4);                               \
    o0 = wasm_f32x4_add(wasm_f32x4_add(m0, p_), r_);                                               \
    o1 = wasm_f32x4_add(q_, wasm_f32x4_mul(two, t_));                                              \
    o2 = wasm_f32x4_add(p_, wasm_f32x4_mul(four, r_));                                             \
    o3 = wasm_f32x4_add(wasm_f32x4_add(q_, wasm_f32x4_mul(eight, t_)), m5);                        \
  } while (0)

/*
 * Input transform of one tile, 4 channels: the 6×6 patch with top-left input pixel (iy, ix) of
 * sample n, styles applied, zero outside the map; V[ξ·vs + c] for ξ = 0…35.
 */
INLINE void input_tile(const Params *p, const float *xn, const float *sn, int32_t iy, int32_t ix, int32_t c,
                       float *V, int32_t vs) {
  const v128_t two = wasm_f32x4_splat(2.f), four = wasm_f32x4_splat(4.f), five = wasm_f32x4_splat(5.f);
  const v128_t st = sn ? wasm_v128_load(sn + c) : wasm_f32x4_splat(1.f);
  const v128_t zero = wasm_f32x4_splat(0.f);
  /* Rows first: for each of the 6 patch rows, Bᵀ along x gives 6 vectors; keep them in t[][]. */
  v128_t t00, t01, t02, t03, t04, t05, t10, t11, t12, t13, t14, t15, t20, t21, t22, t23, t24, t25;
  v128_t t30, t31, t32, t33, t34, t35, t40, t41, t42, t43, t44, t45, t50, t51, t52, t53, t54, t55;
#define LOADROW(r, a0, a1, a2, a3, a4, a5)                                                         \
  do {                                                                                             \
    const int32_t y_ = iy + r;                                                                     \
    if (y_ < 0 || y_ >= p->h) {                                                                    \
      a0 = a1 = a2 = a3 = a4 = a5 = zero;                                                          \
    } else {                                                                                       \
      const float *row_ = xn + (long)y_ * p->w * p->cin + c;                                       \
      if (ix >= 0 && ix + 5 < p->w) {                                                              \
        const float *q_ = row_ + (long)ix * p->cin;                                                \
        a0 = wasm_f32x4_mul(wasm_v128_load(q_), st);                                               \
        a1 = wasm_f32x4_mul(wasm_v128_load(q_ + p->cin), st);                                      \
        a2 = wasm_f32x4_mul(wasm_v128_load(q_ + 2 * p->cin), st);                                  \
        a3 = wasm_f32x4_mul(wasm_v128_load(q_ + 3 * p->cin), st);                                  \
        a4 = wasm_f32x4_mul(wasm_v128_load(q_ + 4 * p->cin), st);                                  \
        a5 = wasm_f32x4_mul(wasm_v128_load(q_ + 5 * p->cin), st);                                  \
      } else {                                                                                     \
        a0 = (ix + 0 >= 0 && ix + 0 < p->w) ? wasm_f32x4_mul(wasm_v128_load(row_ + (long)(ix + 0) * p->cin), st) : zero; \
        a1 = (ix + 1 >= 0 && ix + 1 < p->w) ? wasm_f32x4_mul(wasm_v128_load(row_ + (long)(ix + 1) * p->cin), st) : zero; \
        a2 = (ix + 2 >= 0 && ix + 2 < p->w) ? wasm_f32x4_mul(wasm_v128_load(row_ + (long)(ix + 2) * p->cin), st) : zero; \
        a3 = (ix + 3 >= 0 && ix + 3 < p->w) ? wasm_f32x4_mul(wasm_v128_load(row_ + (long)(ix + 3) * p->cin), st) : zero; \
        a4 = (ix + 4 >= 0 && ix + 4 < p->w) ? wasm_f32x4_mul(wasm_v128_load(row_ + (long)(ix + 4) * p->cin), st) : zero; \
        a5 = (ix + 5 >= 0 && ix + 5 < p->w) ? wasm_f32x4_mul(wasm_v128_load(row_ + (long)(ix + 5) * p->cin), st) : zero; \
      }                                                                                            \
    }                                                                                              \
    BT6(a0, a1, a2, a3, a4, a5);                                                                   \
  } while (0)
  LOADROW(0, t00, t01, t02, t03, t04, t05);
  LOADROW(1, t10, t11, t12, t13, t14, t15);
  LOADROW(2, t20, t21, t22, t23, t24, t25);
  LOADROW(3, t30, t31, t32, t33, t34, t35);
  LOADROW(4, t40, t41, t42, t43, t44, t45);
  LOADROW(5, t50, t51, t52, t53, t54, t55);
#undef LOADROW
  /* Then columns: Bᵀ along y of column j gives V at ξ = 6·i + j, i = 0…5. */
#define COL(j, a0, a1, a2, a3, a4, a5)                                                             \
  do {                                                                                             \
    BT6(a0, a1, a2, a3, a4, a5);                                                                   \
    wasm_v128_store(V + (long)(0 * 6 + j) * vs, a0);                                               \
    wasm_v128_store(V + (long)(1 * 6 + j) * vs, a1);                                               \
    wasm_v128_store(V + (long)(2 * 6 + j) * vs, a2);                                               \
    wasm_v128_store(V + (long)(3 * 6 + j) * vs, a3);                                               \
    wasm_v128_store(V + (long)(4 * 6 + j) * vs, a4);                                               \
    wasm_v128_store(V + (long)(5 * 6 + j) * vs, a5);                                               \
  } while (0)
  COL(0, t00, t10, t20, t30, t40, t50);
  COL(1, t01, t11, t21, t31, t41, t51);
  COL(2, t02, t12, t22, t32, t42, t52);
  COL(3, t03, t13, t23, t33, t43, t53);
  COL(4, t04, t14, t24, t34, t44, t54);
  COL(5, t05, t15, t25, t35, t45, t55);
#undef COL
}

/*
 * M[rows, cout] = V[rows, cin] · U, U packed [cout / 8][cin][8]; rows % 4 == 0.
 * A 4×8 register tile: per step of k, 2 vector loads of U, 4 broadcast loads of V, 8 multiply–adds
 * (8 accumulators + 2 + 1 registers of the 16 x86 has). Measured on this CPU with fused
 * multiply–adds: 18–27 G MAC/s for the layer shapes, against 13–18 for the same tile with the V
 * values broadcast by shuffles from 4-wide loads and 13 for a 6×8 tile (register spills).
 */
INLINE void gemm(int32_t rows, int32_t cin, int32_t cout, const float *V, const float *U, float *M) {
  for (int32_t j = 0; j < cout; j += 8) {
    const float *up = U + (long)j * cin;
    for (int32_t i = 0; i < rows; i += 4) {
      const float *a0 = V + (long)i * cin, *a1 = a0 + cin, *a2 = a1 + cin, *a3 = a2 + cin;
      v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
      v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *b = up;
      for (int32_t k = 0; k < cin; k++, b += 8) {
        const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t a;
        a = wasm_v128_load32_splat(a0 + k);
        c00 = MADD(c00, a, b0);
        c01 = MADD(c01, a, b1);
        a = wasm_v128_load32_splat(a1 + k);
        c10 = MADD(c10, a, b0);
        c11 = MADD(c11, a, b1);
        a = wasm_v128_load32_splat(a2 + k);
        c20 = MADD(c20, a, b0);
        c21 = MADD(c21, a, b1);
        a = wasm_v128_load32_splat(a3 + k);
        c30 = MADD(c30, a, b0);
        c31 = MADD(c31, a, b1);
      }
      float *m = M + (long)i * cout + j;
      wasm_v128_store(m, c00);
      wasm_v128_store(m + 4, c01);
      m += cout;
      wasm_v128_store(m, c10);
      wasm_v128_store(m + 4, c11);
      m += cout;
      wasm_v128_store(m, c20);
      wasm_v128_store(m + 4, c21);
      m += cout;
      wasm_v128_store(m, c30);
      wasm_v128_store(m + 4, c31);
    }
  }
}

/*
 * The activation of the epilogue as vectors, made once per call: leaky ReLU slope (1 = none) and
 * clamp bounds (±∞ = none). Applying neutral values costs two or three operations per vector
 * but no branch, and keeps the parameter block out of the inner loops (stores to y may alias it).
 */
typedef struct {
  v128_t slope, lo, hi;
} Act;

INLINE Act act_of(const Params *p) {
  const float inf = __builtin_inff();
  Act a;
  a.slope = wasm_f32x4_splat(p->use_slope ? p->slope : 1.f);
  a.hi = wasm_f32x4_splat(p->use_clamp ? p->clamp : inf);
  a.lo = wasm_f32x4_splat(p->use_clamp ? -p->clamp : -inf);
  return a;
}

/* The epilogue on one vector of 4 output channels. */
INLINE v128_t epilogue(const Act *a, v128_t v, v128_t sc, v128_t bi, v128_t nz) {
  v = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(v, sc), bi), nz);
  v = wasm_v128_bitselect(wasm_f32x4_mul(v, a->slope), v, wasm_f32x4_lt(v, wasm_f32x4_splat(0.f)));
  return wasm_f32x4_pmax(a->lo, wasm_f32x4_pmin(a->hi, v));
}

/* Output transform, epilogue and store of one tile (output origin oy, ox), 4 channels c. */
INLINE void output_tile(const Params *p, const Act *a, const float *M, int32_t ms, int32_t n, int32_t oy,
                        int32_t ox, int32_t c) {
  const v128_t two = wasm_f32x4_splat(2.f), four = wasm_f32x4_splat(4.f), eight = wasm_f32x4_splat(8.f);
  /* Aᵀ along y for each column j: u[k][j], k = 0…3. */
  v128_t u00, u01, u02, u03, u04, u05, u10, u11, u12, u13, u14, u15;
  v128_t u20, u21, u22, u23, u24, u25, u30, u31, u32, u33, u34, u35;
#define LD(i, j) wasm_v128_load(M + (long)((i) * 6 + (j)) * ms)
#define COLT(j, o0, o1, o2, o3) AT6(LD(0, j), LD(1, j), LD(2, j), LD(3, j), LD(4, j), LD(5, j), o0, o1, o2, o3)
  COLT(0, u00, u10, u20, u30);
  COLT(1, u01, u11, u21, u31);
  COLT(2, u02, u12, u22, u32);
  COLT(3, u03, u13, u23, u33);
  COLT(4, u04, u14, u24, u34);
  COLT(5, u05, u15, u25, u35);
#undef COLT
#undef LD
  const v128_t sc = p->scale ? wasm_v128_load(p->scale + (long)n * p->cout + c) : wasm_f32x4_splat(1.f);
  const v128_t bi = p->bias ? wasm_v128_load(p->bias + c) : wasm_f32x4_splat(0.f);
  const float *nzn = p->noise ? p->noise + (long)n * p->noise_stride : 0;
  const float gain = p->noise_gain;
  float *yn = p->y + (long)n * p->oh * p->ow * p->cout + c;
  /* Aᵀ along x of each row k, then the epilogue and the store of the pixels inside the map. */
#define STORE(l, v)                                                                                \
  if (ox + l < p->ow) {                                                                            \
    const v128_t nz_ = nzr_ ? wasm_f32x4_splat(nzr_[ox + l] * gain) : wasm_f32x4_splat(0.f);        \
    wasm_v128_store(yr_ + (long)(ox + l) * p->cout, epilogue(a, v, sc, bi, nz_));                  \
  }
#define ROW(k, m0, m1, m2, m3, m4, m5)                                                             \
  do {                                                                                             \
    const int32_t y_ = oy + k;                                                                     \
    if (y_ < p->oh) {                                                                              \
      v128_t o0_, o1_, o2_, o3_;                                                                   \
      AT6(m0, m1, m2, m3, m4, m5, o0_, o1_, o2_, o3_);                                             \
      const float *nzr_ = nzn ? nzn + (long)y_ * p->ow : 0;                                        \
      float *yr_ = yn + (long)y_ * p->ow * p->cout;                                                \
      STORE(0, o0_);                                                                               \
      STORE(1, o1_);                                                                               \
      STORE(2, o2_);                                                                               \
      STORE(3, o3_);                                                                               \
    }                                                                                              \
  } while (0)
  ROW(0, u00, u01, u02, u03, u04, u05);
  ROW(1, u10, u11, u12, u13, u14, u15);
  ROW(2, u20, u21, u22, u23, u24, u25);
  ROW(3, u30, u31, u32, u33, u34, u35);
#undef ROW
#undef STORE
}

/* The whole layer (see the header comment). */
__attribute__((export_name("winograd_conv"))) void winograd_conv(const Params *p) {
  const int32_t th = (p->oh + 3) / 4, tw = (p->ow + 3) / 4;
  const long tiles = (long)p->n * th * tw;
  const int32_t chunk = p->chunk;
  const Act act = act_of(p);
  float *V = p->scratch;
  const int32_t vs = plane_stride(chunk, p->cin), ms = plane_stride(chunk, p->cout);
  float *M = V + (long)36 * vs;
  for (long t0 = 0; t0 < tiles; t0 += chunk) {
    const int32_t cnt = (int32_t)(tiles - t0 < chunk ? tiles - t0 : chunk);
    const int32_t rows = (cnt + 3) & ~3;
    for (int32_t t = 0; t < cnt; t++) {
      const long g = t0 + t;
      const int32_t n = (int32_t)(g / ((long)th * tw)), r = (int32_t)(g % ((long)th * tw));
      const int32_t ty = r / tw, tx = r % tw;
      const float *xn = p->x + (long)n * p->h * p->w * p->cin;
      const float *sn = p->s ? p->s + (long)n * p->cin : 0;
      for (int32_t c = 0; c < p->cin; c += 4)
        input_tile(p, xn, sn, 4 * ty - p->pad, 4 * tx - p->pad, c, V + (long)t * p->cin + c, vs);
    }
    /* Rows past the last tile (the GEMM works on 4 rows at a time) are zeros. */
    for (int32_t xi = 0; xi < 36; xi++)
      for (long q = (long)cnt * p->cin; q < (long)rows * p->cin; q++) V[(long)xi * vs + q] = 0.f;
    for (int32_t xi = 0; xi < 36; xi++)
      gemm(rows, p->cin, p->cout, V + (long)xi * vs, p->u + (long)xi * p->cin * p->cout, M + (long)xi * ms);
    for (int32_t t = 0; t < cnt; t++) {
      const long g = t0 + t;
      const int32_t n = (int32_t)(g / ((long)th * tw)), r = (int32_t)(g % ((long)th * tw));
      const int32_t ty = r / tw, tx = r % tw;
      for (int32_t c = 0; c < p->cout; c += 4) output_tile(p, &act, M + (long)t * p->cout + c, ms, n, 4 * ty, 4 * tx, c);
    }
  }
}

/*
 * ---- The up-sampling conv0 of StyleGAN2 -------------------------------------------------------
 *
 * Official: T = conv_transpose2d(s ⊙ x, W, stride 2) ((2H + 1)², weights unflipped), then the
 * [1,3,3,1] filter × 4 with one sample of padding in front: O[Y] = Σ_t T[Y − 1 + t]·f[t] per axis,
 * Y = 0 … 2H − 1 (see src/generator/stylegan2/up-conv.ts). Per axis the transposed conv is
 * T[2m] = x[m − 1]·W₂ + x[m]·W₀ (a 2-tap correlation) and T[2m + 1] = x[m]·W₁ (one tap).
 *
 * A tile of four inputs m₀ … m₀ + 3 reads d = x[m₀ − 1 … m₀ + 3] and makes T[2m₀ … 2m₀ + 7] from
 * nine products: Winograd F(4, 2) for the four even outputs (interpolation points 0, 1, −1, 2, ∞;
 * Bᵀ rows scaled to integers, the fractions moved into G),
 *
 *     Bᵀ = [2 −1 −2  1 0]    G = [1/2    0]    Aᵀ = [1  1  1 1 0]
 *          [0  2  1 −1 0]        [1/2  1/2]         [0  1 −1 2 0]
 *          [0 −2  3 −1 0]        [1/6 −1/6]         [0  1  1 4 0]
 *          [0 −1  0  1 0]        [1/6  1/3]         [0  1 −1 8 1]
 *          [0  2 −1 −2 1]        [ 0    1 ]
 *
 * on the taps (g₀, g₁) = (W₂, W₀), and the four odd outputs as they are (d₁ … d₄ times W₁). In 2-D a
 * tile of 4×4 inputs takes 81 products (5.06 per input pixel instead of the transposed conv's 9):
 * 81 GEMMs [tiles, C_in] × [C_in, C_out] with U_ab = Σ_rc Ĝ[a][r]·W[r][c]·Ĝ[b][c] (Ĝ: 9 × 3, made
 * by winograd-conv.ts). Stage 1 writes T in whole tiles (8·⌈(H + 1)/4⌉ rows and columns per sample;
 * row and column 2H + 1 come out zero, the ones after are never read) to scratch; stage 2 filters
 * it row by row (4 taps down, then 4 across) and applies the epilogue.
 */

/* Tile of the up conv: inputs per axis and products per axis. */
#define UL 4
#define UP 9

/* The per-axis input transform: d₀ … d₄ → v₀ … v₈ (F(4, 2)'s Bᵀ, then d₁ … d₄). */
#define UT9(d0, d1, d2, d3, d4, v)                                                                \
  do {                                                                                             \
    const v128_t t13_ = wasm_f32x4_sub(d3, d1);                                                    \
    v[0] = wasm_f32x4_add(wasm_f32x4_mul(two, wasm_f32x4_sub(d0, d2)), t13_);                       \
    v[1] = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(two, d1), d2), d3);                         \
    v[2] = wasm_f32x4_sub(wasm_f32x4_mul(three, d2), wasm_f32x4_add(wasm_f32x4_mul(two, d1), d3));  \
    v[3] = t13_;                                                                                   \
    v[4] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(two, wasm_f32x4_sub(d1, d3)), d2), d4);      \
    v[5] = d1;                                                                                     \
    v[6] = d2;                                                                                     \
    v[7] = d3;                                                                                     \
    v[8] = d4;                                                                                     \
  } while (0)

/*
 * Input transform of one up-conv tile (inputs rows iy … iy + 4, columns ix … ix + 4), 4 channels,
 * through `tmp` (45 vectors of scratch: the row-transformed patch), into V[ξ·vs], ξ = a·9 + b.
 */
INLINE void up_input_tile(const Params *p, const float *xn, const float *sn, int32_t iy, int32_t ix, int32_t c,
                          float *V, int32_t vs, v128_t *tmp) {
  const v128_t st = sn ? wasm_v128_load(sn + c) : wasm_f32x4_splat(1.f);
  const v128_t zero = wasm_f32x4_splat(0.f), two = wasm_f32x4_splat(2.f), three = wasm_f32x4_splat(3.f);
  for (int32_t r = 0; r < UL + 1; r++) {
    const int32_t y = iy + r;
    v128_t e[UL + 1];
    if (y < 0 || y >= p->h) {
      for (int32_t q = 0; q < UL + 1; q++) e[q] = zero;
    } else {
      const float *row = xn + (long)y * p->w * p->cin + c;
      for (int32_t q = 0; q < UL + 1; q++) {
        const int32_t x = ix + q;
        e[q] = (x >= 0 && x < p->w) ? wasm_f32x4_mul(wasm_v128_load(row + (long)x * p->cin), st) : zero;
      }
    }
    UT9(e[0], e[1], e[2], e[3], e[4], (tmp + r * UP));
  }
  for (int32_t b = 0; b < UP; b++) {
    v128_t v[UP];
    UT9(tmp[0 * UP + b], tmp[1 * UP + b], tmp[2 * UP + b], tmp[3 * UP + b], tmp[4 * UP + b], v);
    for (int32_t a = 0; a < UP; a++) wasm_v128_store(V + (long)(a * UP + b) * vs, v[a]);
  }
}

/* The per-axis output transform: nine products → T at offsets 0 … 7. */
#define UA9(p, o)                                                                                  \
  do {                                                                                             \
    const v128_t s12_ = wasm_f32x4_add(p[1], p[2]), d12_ = wasm_f32x4_sub(p[1], p[2]);             \
    o[0] = wasm_f32x4_add(wasm_f32x4_add(p[0], s12_), p[3]);                                       \
    o[2] = wasm_f32x4_add(d12_, wasm_f32x4_mul(two, p[3]));                                        \
    o[4] = wasm_f32x4_add(s12_, wasm_f32x4_mul(four, p[3]));                                       \
    o[6] = wasm_f32x4_add(wasm_f32x4_add(d12_, wasm_f32x4_mul(eight, p[3])), p[4]);                \
    o[1] = p[5];                                                                                   \
    o[3] = p[6];                                                                                   \
    o[5] = p[7];                                                                                   \
    o[7] = p[8];                                                                                   \
  } while (0)

/* Output transform of one up-conv tile into T (row stride tws·cout), 4 channels, through `tmp`
 * (72 vectors of scratch: the column-transformed products). */
INLINE void up_output_tile(const float *M, int32_t ms, float *T, int32_t tws, int32_t cout, v128_t *tmp) {
  const v128_t two = wasm_f32x4_splat(2.f), four = wasm_f32x4_splat(4.f), eight = wasm_f32x4_splat(8.f);
  for (int32_t b = 0; b < UP; b++) {
    v128_t m[UP], o[2 * UL];
    for (int32_t a = 0; a < UP; a++) m[a] = wasm_v128_load(M + (long)(a * UP + b) * ms);
    UA9(m, o);
    for (int32_t k = 0; k < 2 * UL; k++) tmp[k * UP + b] = o[k];
  }
  for (int32_t k = 0; k < 2 * UL; k++) {
    v128_t o[2 * UL];
    const v128_t *m = tmp + k * UP;
    UA9(m, o);
    float *t = T + (long)k * tws * cout;
    for (int32_t l = 0; l < 2 * UL; l++) wasm_v128_store(t + (long)l * cout, o[l]);
  }
}

/* Tiles per axis of the up conv for an input of n samples along it (m = 0 … n). */
INLINE int32_t up_tiles(int32_t n) { return (n + UL) / UL; }

/* Floats of scratch one winograd_up_conv call needs: V, M, T of one sample, one filter row, tmp. */
__attribute__((export_name("up_scratch_floats"))) int32_t up_scratch_floats(const Params *p) {
  const int32_t Tw = 2 * UL * up_tiles(p->w), Th = 2 * UL * up_tiles(p->h);
  return UP * UP * (plane_stride(p->chunk, p->cin) + plane_stride(p->chunk, p->cout)) + Th * Tw * p->cout +
         Tw * p->cout + 4 * 2 * UL * UP;
}

/*
 * Stage 2 of the up conv for output rows Y0 … Y1 − 1 of sample n (T rows up to Y1 + 1 complete):
 * O[Y, X] = Σ_a Σ_b fy[a]·fx[b]·T[Y − 1 + a, X − 1 + b] (T[−1] = 0), then the epilogue.
 */
INLINE void up_filter_rows(const Params *p, const float *T, float *R, int32_t Tw, int32_t n, int32_t Y0, int32_t Y1) {
  const int32_t cout = p->cout;
  const v128_t fy0 = wasm_f32x4_splat(p->fy[0]), fy1 = wasm_f32x4_splat(p->fy[1]);
  const v128_t fy2 = wasm_f32x4_splat(p->fy[2]), fy3 = wasm_f32x4_splat(p->fy[3]);
  const v128_t fx0 = wasm_f32x4_splat(p->fx[0]), fx1 = wasm_f32x4_splat(p->fx[1]);
  const v128_t fx2 = wasm_f32x4_splat(p->fx[2]), fx3 = wasm_f32x4_splat(p->fx[3]);
  const Act act = act_of(p);
  const float *nzn = p->noise ? p->noise + (long)n * p->noise_stride : 0;
  float *yn = p->y + (long)n * p->oh * p->ow * cout;
  const long rowf = (long)Tw * cout;
  for (int32_t Y = Y0; Y < Y1; Y++) {
    /* R[X'] = Σ_a fy[a]·T[Y − 1 + a, X'], X' = 0 … Tw − 1 (row −1 is zero). */
    const float *t1 = T + (long)Y * rowf, *t2 = t1 + rowf, *t3 = t2 + rowf;
    if (Y == 0) {
      for (long q = 0; q < rowf; q += 4)
        wasm_v128_store(R + q, MADD(MADD(wasm_f32x4_mul(fy1, wasm_v128_load(t1 + q)), fy2, wasm_v128_load(t2 + q)),
                                    fy3, wasm_v128_load(t3 + q)));
    } else {
      const float *t0 = t1 - rowf;
      for (long q = 0; q < rowf; q += 4)
        wasm_v128_store(R + q, MADD(MADD(MADD(wasm_f32x4_mul(fy0, wasm_v128_load(t0 + q)), fy1, wasm_v128_load(t1 + q)),
                                         fy2, wasm_v128_load(t2 + q)),
                                    fy3, wasm_v128_load(t3 + q)));
    }
    const float *nzr = nzn ? nzn + (long)Y * p->ow : 0;
    float *yr = yn + (long)Y * p->ow * cout;
    for (int32_t c = 0; c < cout; c += 4) {
      const v128_t sc = p->scale ? wasm_v128_load(p->scale + (long)n * cout + c) : wasm_f32x4_splat(1.f);
      const v128_t bi = p->bias ? wasm_v128_load(p->bias + c) : wasm_f32x4_splat(0.f);
      /* X = 0 reads R[−1] = 0. */
      v128_t a = wasm_f32x4_splat(0.f), b = wasm_v128_load(R + c), d = wasm_v128_load(R + cout + c);
      for (int32_t X = 0; X < p->ow; X++) {
        const v128_t e = wasm_v128_load(R + (long)(X + 2) * cout + c);
        v128_t v = MADD(MADD(MADD(wasm_f32x4_mul(fx0, a), fx1, b), fx2, d), fx3, e);
        const v128_t nz = nzr ? wasm_f32x4_splat(nzr[X] * p->noise_gain) : wasm_f32x4_splat(0.f);
        wasm_v128_store(yr + (long)X * cout + c, epilogue(&act, v, sc, bi, nz));
        a = b;
        b = d;
        d = e;
      }
    }
  }
}

/*
 * One edge of T as a 1-D up conv (the tiles leave T's last even row and column out when H and W are
 * multiples of 4: a whole tile row for them would be mostly zeros). `count` inputs at
 * x0 + i·xs, in tiles of 4 positions (`ntiles`, zero past `count`), nine products each with the
 * packed planes U (9 · C_in · C_out), eight T values per tile written at T0 + q·ts.
 */
INLINE void up_edge(const Params *p, const float *sn, const float *x0, long xs, int32_t count, int32_t ntiles,
                    const float *U, float *T0, long ts, float *V, float *M, int32_t vs, int32_t ms, int32_t chunk) {
  const int32_t cin = p->cin, cout = p->cout;
  const v128_t zero = wasm_f32x4_splat(0.f), two = wasm_f32x4_splat(2.f), three = wasm_f32x4_splat(3.f);
  const v128_t four = wasm_f32x4_splat(4.f), eight = wasm_f32x4_splat(8.f);
  for (int32_t t0 = 0; t0 < ntiles; t0 += chunk) {
    const int32_t cnt = ntiles - t0 < chunk ? ntiles - t0 : chunk;
    const int32_t rows = (cnt + 3) & ~3;
    for (int32_t t = 0; t < cnt; t++) {
      const int32_t m0 = UL * (t0 + t);
      for (int32_t c = 0; c < cin; c += 4) {
        const v128_t st = sn ? wasm_v128_load(sn + c) : wasm_f32x4_splat(1.f);
        v128_t d[UL + 1], v[UP];
        for (int32_t j = 0; j < UL + 1; j++) {
          const int32_t i = m0 - 1 + j;
          d[j] = (i >= 0 && i < count) ? wasm_f32x4_mul(wasm_v128_load(x0 + i * xs + c), st) : zero;
        }
        UT9(d[0], d[1], d[2], d[3], d[4], v);
        for (int32_t b = 0; b < UP; b++) wasm_v128_store(V + (long)b * vs + (long)t * cin + c, v[b]);
      }
    }
    for (int32_t b = 0; b < UP; b++)
      for (long q = (long)cnt * cin; q < (long)rows * cin; q++) V[(long)b * vs + q] = 0.f;
    for (int32_t b = 0; b < UP; b++)
      gemm(rows, cin, cout, V + (long)b * vs, U + (long)b * cin * cout, M + (long)b * ms);
    for (int32_t t = 0; t < cnt; t++)
      for (int32_t c = 0; c < cout; c += 4) {
        v128_t m[UP], o[2 * UL];
        for (int32_t b = 0; b < UP; b++) m[b] = wasm_v128_load(M + (long)b * ms + (long)t * cout + c);
        UA9(m, o);
        for (int32_t q = 0; q < 2 * UL; q++) wasm_v128_store(T0 + ((long)2 * UL * (t0 + t) + q) * ts + c, o[q]);
      }
  }
}

/* conv0 (see the section comment): x [n, h, w, cin] → y [n, 2h, 2w, cout]. */
__attribute__((export_name("winograd_up_conv"))) void winograd_up_conv(const Params *p) {
  const int32_t cin = p->cin, cout = p->cout, h = p->h, w = p->w;
  /* With H and W multiples of 4 the tiles cover the inputs exactly and the last even row and column
   * of T (T[2H], T[·][2W], which only the last input row and column reach) come from up_edge;
   * otherwise the tiles run to input position H (W) with zeros past the map. Not for a 4 × 4 map:
   * one tile, a call bound by streaming U (81 · C_in · C_out floats, 85 MB at 512 → 512), which the
   * edges' extra passes grow (4.6 → 6.2 ms at 512 → 512 here); from 8 × 8 the products saved win
   * (8 × 8: 9 tiles of 4 rows padded to 12 vs 4 + two edges, 15.6 → 6.0 ms). */
  const int32_t edges = h % UL == 0 && w % UL == 0 && h * w > 16;
  const int32_t th = edges ? h / UL : up_tiles(h), tw = edges ? w / UL : up_tiles(w);
  const int32_t Th = 2 * UL * up_tiles(h), Tw = 2 * UL * up_tiles(w); /* T's allocation, whole tiles */
  const int32_t chunk = p->chunk;
  float *V = p->scratch;
  const int32_t vs = plane_stride(chunk, cin), ms = plane_stride(chunk, cout);
  float *M = V + (long)UP * UP * vs;
  float *T = M + (long)UP * UP * ms;
  float *R = T + (long)Th * Tw * cout; /* one vertically filtered row */
  v128_t *tmp = (v128_t *)(R + (long)Tw * cout);
  const long tiles = (long)th * tw;
  for (int32_t n = 0; n < p->n; n++) {
    const float *xn = p->x + (long)n * p->h * p->w * cin;
    const float *sn = p->s ? p->s + (long)n * cin : 0;
    int32_t done_rows = 0; /* output rows filtered so far */
    if (edges) {
      /* Row 2H + 1 and column 2W + 1 of T: zero (x[H] = 0 and W₁ is their only tap). */
      for (long q = 0; q < (long)Tw * cout; q++) T[(long)(2 * h + 1) * Tw * cout + q] = 0.f;
      for (int32_t r = 0; r < 2 * h + 2; r++)
        for (int32_t c = 0; c < cout; c++) T[((long)r * Tw + 2 * w + 1) * cout + c] = 0.f;
      /* Row 2H: x[H − 1, ·] with the taps W[2, ·] (planes 81 … 89), every column 0 … 2W. */
      up_edge(p, sn, xn + (long)(h - 1) * w * cin, cin, w, up_tiles(w), p->u + (long)UP * UP * cin * cout,
              T + (long)2 * h * Tw * cout, cout, V, M, vs, ms, chunk);
      /* Column 2W, rows 0 … 2H − 1: x[·, W − 1] with the taps W[·, 2] (planes 90 … 98). */
      up_edge(p, sn, xn + (long)(w - 1) * cin, (long)w * cin, h, h / UL, p->u + (long)(UP * UP + UP) * cin * cout,
              T + (long)2 * w * cout, (long)Tw * cout, V, M, vs, ms, chunk);
    }
    /* Stage 1: T, chunk by chunk of tiles; stage 2 follows it as rows of T complete. */
    for (long t0 = 0; t0 < tiles; t0 += chunk) {
      const int32_t cnt = (int32_t)(tiles - t0 < chunk ? tiles - t0 : chunk);
      const int32_t rows = (cnt + 3) & ~3;
      for (int32_t t = 0; t < cnt; t++) {
        const int32_t ty = (int32_t)((t0 + t) / tw), tx = (int32_t)((t0 + t) % tw);
        for (int32_t c = 0; c < cin; c += 4)
          up_input_tile(p, xn, sn, UL * ty - 1, UL * tx - 1, c, V + (long)t * cin + c, vs, tmp);
      }
      for (int32_t xi = 0; xi < UP * UP; xi++)
        for (long q = (long)cnt * cin; q < (long)rows * cin; q++) V[(long)xi * vs + q] = 0.f;
      for (int32_t xi = 0; xi < UP * UP; xi++)
        gemm(rows, cin, cout, V + (long)xi * vs, p->u + (long)xi * cin * cout, M + (long)xi * ms);
      for (int32_t t = 0; t < cnt; t++) {
        const int32_t ty = (int32_t)((t0 + t) / tw), tx = (int32_t)((t0 + t) % tw);
        float *Tt = T + ((long)(2 * UL * ty) * Tw + 2 * UL * tx) * cout;
        for (int32_t c = 0; c < cout; c += 4) up_output_tile(M + (long)t * cout + c, ms, Tt + c, Tw, cout, tmp);
      }
      /* Filter the output rows whose T rows are complete while those are still in the cache. */
      const int32_t ready = 2 * UL * (int32_t)((t0 + cnt) / tw) - 2;
      if (ready > done_rows) {
        const int32_t y1 = ready < p->oh ? ready : p->oh;
        up_filter_rows(p, T, R, Tw, n, done_rows, y1);
        done_rows = y1;
      }
    }
    up_filter_rows(p, T, R, Tw, n, done_rows, p->oh);
  }
}

/*
 * ---- The skip architecture's RGB image up-sampling ---------------------------------------------
 *
 * Official upsample2d(img, f, up = 2) for a 4-tap separable filter: zero insertion, padding 2 in
 * front and 1 behind, the filter × 4. With the correlation taps c = f[3 − t]·2 per axis (the same
 * taps as the up conv's filter pass) each axis is two phases:
 *
 *     O[2m] = c₀·x[m − 1] + c₂·x[m],     O[2m + 1] = c₁·x[m] + c₃·x[m + 1]      (x zero outside)
 *
 * The image has 3 channels: as tfjs ops (pad + a one-channel conv) this cost more than it should.
 * Here: n planes (N·C of NCHW) of h × w → 2h × 2w, along x into scratch (n·h·2w floats), then
 * along y, 4 columns at a time.
 */
__attribute__((export_name("image_up2"))) void image_up2(const Params *p) {
  const int32_t h = p->h, w = p->w, W2 = 2 * w;
  const float c0 = p->fx[0], c1 = p->fx[1], c2 = p->fx[2], c3 = p->fx[3];
  for (int32_t q = 0; q < p->n; q++) {
    const float *x = p->x + (long)q * h * w;
    float *r = p->scratch + (long)q * h * W2;
    for (int32_t i = 0; i < h; i++, x += w, r += W2)
      for (int32_t m = 0; m < w; m++) {
        const float xm1 = m > 0 ? x[m - 1] : 0.f, xp1 = m + 1 < w ? x[m + 1] : 0.f;
        r[2 * m] = c0 * xm1 + c2 * x[m];
        r[2 * m + 1] = c1 * x[m] + c3 * xp1;
      }
  }
  const v128_t d0 = wasm_f32x4_splat(p->fy[0]), d1 = wasm_f32x4_splat(p->fy[1]);
  const v128_t d2 = wasm_f32x4_splat(p->fy[2]), d3 = wasm_f32x4_splat(p->fy[3]);
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int32_t q = 0; q < p->n; q++) {
    const float *r = p->scratch + (long)q * h * W2;
    float *y = p->y + (long)q * 4 * h * w;
    for (int32_t m = 0; m < h; m++) {
      const float *rm = r + (long)m * W2, *ru = m > 0 ? rm - W2 : 0, *rd = m + 1 < h ? rm + W2 : 0;
      float *ye = y + (long)(2 * m) * W2, *yo = ye + W2;
      int32_t j = 0;
      for (; j + 4 <= W2; j += 4) {
        const v128_t a = ru ? wasm_v128_load(ru + j) : zero, b = wasm_v128_load(rm + j);
        const v128_t c = rd ? wasm_v128_load(rd + j) : zero;
        wasm_v128_store(ye + j, wasm_f32x4_add(wasm_f32x4_mul(d0, a), wasm_f32x4_mul(d2, b)));
        wasm_v128_store(yo + j, wasm_f32x4_add(wasm_f32x4_mul(d1, b), wasm_f32x4_mul(d3, c)));
      }
      for (; j < W2; j++) {
        const float a = ru ? ru[j] : 0.f, b = rm[j], c = rd ? rd[j] : 0.f;
        ye[j] = p->fy[0] * a + p->fy[2] * b;
        yo[j] = p->fy[1] * b + p->fy[3] * c;
      }
    }
  }
}

/*
 * ---- The weight gradient of the 3×3 convolution (training) ------------------------------------
 *
 * For x [n, h, w, C_in] (zero outside the map, `pad` on each side) and the upstream gradient
 * dy [n, oh, ow, C_out] of y = conv3×3(x, g),
 *
 *     ∂L/∂g[a, b, i, o] = Σ_{n, p} x[n, p + (a, b) − pad, i] · dy[n, p, o]      (HWIO out)
 *
 * as Winograd F(4×4, 3×3) run backwards. On one 4×4 output tile the forward is
 * y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, linear in g, so ⟨dy, y⟩ = ⟨A dy Aᵀ ⊙ Bᵀ d B, G g Gᵀ⟩ and
 *
 *     ∂L/∂g = Gᵀ P G,   P_ξ[i, o] = Σ_tiles (Bᵀ d B)_ξ[tile, i] · (A dy Aᵀ)_ξ[tile, o]:
 *
 * 36 products per tile of 16 outputs (2.25 per output and tap pair instead of 9). Per chunk of
 * tiles: the input transform of `winograd_conv` into V [36][C_in/4][chunk][4], the gradient's
 * transform A dy Aᵀ into H [36][C_out/8][chunk][8], then the 36 products Vᵀ·H accumulated into P
 * [36][C_in][C_out] (the reduction runs over the tiles: both operands stream contiguously, with the
 * 4×8 register tile of `gemm`). At the end the weight transform's adjoint Gᵀ P G writes y
 * [3][3][C_in][C_out]. Scratch: P and one chunk of V and H (or Gᵀ P's 18 planes if larger).
 */

/* The points' rows of G (F(4, 3), points 0, ±1, ±2, ∞; as ops/winograd.ts), applied as Gᵀ·: the
 * contribution of plane row u to tap a is G[u][a]. Spelled as a function so that no table lands in
 * a data segment. */
INLINE float g43(int32_t u, int32_t a) {
  switch (u * 3 + a) {
    case 0: return 0.25f;
    case 3: case 4: case 5: return -1.f / 6.f;
    case 6: case 8: return -1.f / 6.f;
    case 7: return 1.f / 6.f;
    case 9: case 12: return 1.f / 24.f;
    case 10: return 1.f / 12.f;
    case 13: return -1.f / 12.f;
    case 11: case 14: return 1.f / 6.f;
    case 17: return 1.f;
    default: return 0.f; /* 1, 2, 15, 16 */
  }
}

/* P, then one chunk of V and H, whose space the adjoint's intermediate Q [6][3][C_in][C_out] reuses. */
__attribute__((export_name("weight_grad_scratch_floats"))) int32_t weight_grad_scratch_floats(const Params *p) {
  const int32_t plane = p->cin * p->cout;
  const int32_t vh = 36 * (plane_stride(p->chunk, p->cin) + plane_stride(p->chunk, p->cout));
  return 36 * plane + (vh > 18 * plane ? vh : 18 * plane);
}

/* One 1-D A·(4 values) of F(4, 3): g₀ … g₃ → h₀ … h₅ (the adjoint of AT6). */
#define A6(g0, g1, g2, g3, h0, h1, h2, h3, h4, h5)                                                  \
  do {                                                                                             \
    const v128_t e_ = wasm_f32x4_add(g0, g2), o_ = wasm_f32x4_add(g1, g3);                         \
    const v128_t e4_ = wasm_f32x4_add(g0, wasm_f32x4_mul(four, g2));                               \
    const v128_t o4_ = wasm_f32x4_add(wasm_f32x4_mul(two, g1), wasm_f32x4_mul(eight, g3));         \
    h0 = g0;                                                                                       \
    h1 = wasm_f32x4_add(e_, o_);                                                                   \
    h2 = wasm_f32x4_sub(e_, o_);                                                                   \
    h3 = wasm_f32x4_add(e4_, o4_);                                                                 \
    h4 = wasm_f32x4_sub(e4_, o4_);                                                                 \
    h5 = g3;                                                                                       \
  } while (0)

/* A dy Aᵀ of one 4×4 tile of dy (origin oy, ox; zero outside the map), 4 channels c, into
 * H[ξ·hs] (4 floats each). */
INLINE void grad_tile(const Params *p, const float *dyn, int32_t oy, int32_t ox, int32_t c, float *H, int32_t hs) {
  const v128_t two = wasm_f32x4_splat(2.f), four = wasm_f32x4_splat(4.f), eight = wasm_f32x4_splat(8.f);
  const v128_t zero = wasm_f32x4_splat(0.f);
  v128_t r[4][6];
  for (int32_t k = 0; k < 4; k++) {
    const int32_t y = oy + k;
    v128_t g[4];
    for (int32_t l = 0; l < 4; l++)
      g[l] = (y < p->oh && ox + l < p->ow) ? wasm_v128_load(dyn + ((long)y * p->ow + ox + l) * p->cout + c) : zero;
    A6(g[0], g[1], g[2], g[3], r[k][0], r[k][1], r[k][2], r[k][3], r[k][4], r[k][5]);
  }
  for (int32_t j = 0; j < 6; j++) {
    v128_t h0, h1, h2, h3, h4, h5;
    A6(r[0][j], r[1][j], r[2][j], r[3][j], h0, h1, h2, h3, h4, h5);
    wasm_v128_store(H + (long)(0 * 6 + j) * hs, h0);
    wasm_v128_store(H + (long)(1 * 6 + j) * hs, h1);
    wasm_v128_store(H + (long)(2 * 6 + j) * hs, h2);
    wasm_v128_store(H + (long)(3 * 6 + j) * hs, h3);
    wasm_v128_store(H + (long)(4 * 6 + j) * hs, h4);
    wasm_v128_store(H + (long)(5 * 6 + j) * hs, h5);
  }
}

/* P[cin, cout] += Vᵀ · H over `cnt` tiles, V [cin/4][chunk][4], H [cout/8][chunk][8]. */
INLINE void gemm_tn(int32_t cnt, int32_t chunk, int32_t cin, int32_t cout, const float *V, const float *H, float *P) {
  for (int32_t i = 0; i < cin; i += 4) {
    const float *vb = V + (long)i * chunk;
    for (int32_t j = 0; j < cout; j += 8) {
      const float *hb = H + (long)j * chunk;
      v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
      v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *a = vb, *b = hb;
      for (int32_t t = 0; t < cnt; t++, a += 4, b += 8) {
        const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t s;
        s = wasm_v128_load32_splat(a);
        c00 = MADD(c00, s, b0);
        c01 = MADD(c01, s, b1);
        s = wasm_v128_load32_splat(a + 1);
        c10 = MADD(c10, s, b0);
        c11 = MADD(c11, s, b1);
        s = wasm_v128_load32_splat(a + 2);
        c20 = MADD(c20, s, b0);
        c21 = MADD(c21, s, b1);
        s = wasm_v128_load32_splat(a + 3);
        c30 = MADD(c30, s, b0);
        c31 = MADD(c31, s, b1);
      }
      float *m = P + (long)i * cout + j;
#define ACC(q, v) wasm_v128_store(q, wasm_f32x4_add(wasm_v128_load(q), v))
      ACC(m, c00);
      ACC(m + 4, c01);
      m += cout;
      ACC(m, c10);
      ACC(m + 4, c11);
      m += cout;
      ACC(m, c20);
      ACC(m + 4, c21);
      m += cout;
      ACC(m, c30);
      ACC(m + 4, c31);
#undef ACC
    }
  }
}

__attribute__((export_name("winograd_weight_grad"))) void winograd_weight_grad(const Params *p) {
  const int32_t th = (p->oh + 3) / 4, tw = (p->ow + 3) / 4;
  const long tiles = (long)p->n * th * tw;
  const int32_t chunk = p->chunk, cin = p->cin, cout = p->cout;
  const long plane = (long)cin * cout;
  float *P = p->scratch;
  const int32_t vs = plane_stride(chunk, cin), hs = plane_stride(chunk, cout);
  float *V = P + 36 * plane;
  float *H = V + (long)36 * vs;
  for (long q = 0; q < 36 * plane; q++) P[q] = 0.f;
  for (long t0 = 0; t0 < tiles; t0 += chunk) {
    const int32_t cnt = (int32_t)(tiles - t0 < chunk ? tiles - t0 : chunk);
    for (int32_t t = 0; t < cnt; t++) {
      const long g = t0 + t;
      const int32_t n = (int32_t)(g / ((long)th * tw)), r = (int32_t)(g % ((long)th * tw));
      const int32_t ty = r / tw, tx = r % tw;
      const float *xn = p->x + (long)n * p->h * p->w * cin;
      const float *dyn = p->dy + (long)n * p->oh * p->ow * cout;
      for (int32_t c = 0; c < cin; c += 4)
        input_tile(p, xn, 0, 4 * ty - p->pad, 4 * tx - p->pad, c, V + (long)c * chunk + 4 * t, vs);
      for (int32_t c = 0; c < cout; c += 4)
        grad_tile(p, dyn, 4 * ty, 4 * tx, c, H + (long)(c & ~7) * chunk + 8 * t + (c & 7), hs);
    }
    for (int32_t xi = 0; xi < 36; xi++)
      gemm_tn(cnt, chunk, cin, cout, V + (long)xi * vs, H + (long)xi * hs, P + xi * plane);
  }
  /* ∂L/∂g[a][b] = Σ_{u, v} G[u][a]·G[v][b]·P[6u + v]: along v into Q[u][b] (reusing V's space),
   * then along u. */
  float *Q = V;
  for (int32_t u = 0; u < 6; u++)
    for (int32_t b = 0; b < 3; b++) {
      float *q = Q + (long)(u * 3 + b) * plane;
      const float c0 = g43(0, b), c1 = g43(1, b), c2 = g43(2, b), c3 = g43(3, b), c4 = g43(4, b), c5 = g43(5, b);
      const v128_t k0 = wasm_f32x4_splat(c0), k1 = wasm_f32x4_splat(c1), k2 = wasm_f32x4_splat(c2);
      const v128_t k3 = wasm_f32x4_splat(c3), k4 = wasm_f32x4_splat(c4), k5 = wasm_f32x4_splat(c5);
      const float *r = P + (long)(6 * u) * plane;
      for (long e = 0; e < plane; e += 4) {
        v128_t s = wasm_f32x4_mul(k0, wasm_v128_load(r + e));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k1, wasm_v128_load(r + plane + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k2, wasm_v128_load(r + 2 * plane + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k3, wasm_v128_load(r + 3 * plane + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k4, wasm_v128_load(r + 4 * plane + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k5, wasm_v128_load(r + 5 * plane + e)));
        wasm_v128_store(q + e, s);
      }
    }
  for (int32_t a = 0; a < 3; a++)
    for (int32_t b = 0; b < 3; b++) {
      float *y = p->y + (long)(a * 3 + b) * plane;
      const v128_t k0 = wasm_f32x4_splat(g43(0, a)), k1 = wasm_f32x4_splat(g43(1, a)), k2 = wasm_f32x4_splat(g43(2, a));
      const v128_t k3 = wasm_f32x4_splat(g43(3, a)), k4 = wasm_f32x4_splat(g43(4, a)), k5 = wasm_f32x4_splat(g43(5, a));
      const float *q = Q + (long)b * plane;
      const long us = 3 * plane; /* Q[u][b] to Q[u + 1][b] */
      for (long e = 0; e < plane; e += 4) {
        v128_t s = wasm_f32x4_mul(k0, wasm_v128_load(q + e));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k1, wasm_v128_load(q + us + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k2, wasm_v128_load(q + 2 * us + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k3, wasm_v128_load(q + 3 * us + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k4, wasm_v128_load(q + 4 * us + e)));
        s = wasm_f32x4_add(s, wasm_f32x4_mul(k5, wasm_v128_load(q + 5 * us + e)));
        wasm_v128_store(y + e, s);
      }
    }
}

/*
 * ---- Weight packing --------------------------------------------------------------------------
 *
 * U_ξ = (G g Gᵀ)_ξ of every 3×3 kernel g, written in the layout `winograd_conv` reads:
 * u[ξ][o / 8][i][o mod 8], channels zero-padded to cin_p (multiple of 4) and cout_p (of 8). The
 * weights come as tfjs's HWIO [3][3][cin][cout]; with `flipped` they are those of a ∂L/∂x conv,
 * w̃[a][b][i][o] = w[2 − a][2 − b][o][i] for hwio of shape [3][3][cout][cin]. In float32 (the
 * JavaScript version worked in float64: the two differ by float32 rounding of the 36 sums, far
 * below the algorithm's own error).
 */
typedef struct {
  int32_t cin, cout, cin_p, cout_p, flipped;
  const float *hwio;
  float *u; /* 36 · cin_p · cout_p floats, zeroed here where padded */
} PackParams;

__attribute__((export_name("pack_weights"))) void pack_weights(const PackParams *p) {
  const int32_t cin = p->cin, cout = p->cout, cin_p = p->cin_p, cout_p = p->cout_p;
  const long plane = (long)cin_p * cout_p;
  for (long q = 0; q < 36 * plane; q++) p->u[q] = 0.f;
  for (int32_t o = 0; o < cout; o++)
    for (int32_t i = 0; i < cin; i++) {
      float g[9], t[18];
      for (int32_t r = 0; r < 9; r++)
        g[r] = p->flipped ? p->hwio[((long)(8 - r) * cout + o) * cin + i] : p->hwio[((long)r * cin + i) * cout + o];
      /* t = G g (6 × 3), then U = t Gᵀ (6 × 6). */
      for (int32_t a = 0; a < 6; a++)
        for (int32_t c = 0; c < 3; c++)
          t[3 * a + c] = g43(a, 0) * g[c] + g43(a, 1) * g[3 + c] + g43(a, 2) * g[6 + c];
      float *dst = p->u + (((long)(o >> 3) * cin_p + i) << 3) + (o & 7);
      for (int32_t a = 0; a < 6; a++)
        for (int32_t b = 0; b < 6; b++)
          dst[(a * 6 + b) * plane] = t[3 * a] * g43(b, 0) + t[3 * a + 1] * g43(b, 1) + t[3 * a + 2] * g43(b, 2);
    }
}
