/*
 * Fused filtered leaky ReLU of StyleGAN3 for NHWC float32 maps, compiled to WebAssembly SIMD
 * (build: scripts/build-kernels.sh; the JavaScript side is filtered-lrelu.ts next to this file).
 *
 * It computes exactly the official reference (`filtered_lrelu`, ref path) for one layer:
 *
 *     T = clamp( lrelu_slope( gain · upfirdn(x + b, f_u, up = u, pad = [x0, x1, y0, y1]) ) )
 *     y = upfirdn(T, f_d, down = d)                      (no padding; every d-th sample kept)
 *
 * with a separable up filter and either a separable or a 2-D (radial, config R) down filter.
 * Taps come in as *correlation* taps (already flipped, scaled by u per axis and, along y, by the
 * gain, which lrelu lets us fold in: gain · lrelu(v) = lrelu(gain · v) for gain > 0).
 *
 * Why a hand-written kernel: as a chain of tfjs ops the nonlinearity needs a dozen full passes over
 * maps at the temporary rate (up to 4× the layer's pixels), which made it cost more than the
 * convolutions. Here everything streams, row by row, through a few row buffers that stay in the L2
 * cache, and each multiply–add works on 4 channels at once (channels are innermost in NHWC):
 *
 *   for every sample and every block of CB channels:
 *     for every temporary row i (top to bottom):
 *       UX(r) = the up-x pass of input row r, for the input rows that row i reads (kept in a ring)
 *       T(i)  = act( Σ_t g_y[t] · UX((i + t − y0)/u) )            (only taps that hit a real row)
 *       separable down:  DY(o) += g_d[i − d·o] · T(i)  for each output row o that reads row i;
 *                        when DY(o) is complete: y[o, p] = Σ_t g_d[t] · DY(o)[d·p + t]
 *       radial down:     Y(o)[p] += Σ_b g2[i − d·o, b] · T(i)[d·p + b]; write Y(o) when complete
 *
 * Every product the reference evaluates on a nonzero sample is evaluated once; nothing is computed
 * on the zeros of the zero-inserted grid. Memory: the kernel reads and writes only the buffers it
 * is given (the caller allocates them in the memory it imports), and it uses no static data and no
 * shadow stack (the build script checks both), so it can run inside TensorFlow.js's own wasm heap.
 */
#include <stdint.h>
#include <wasm_simd128.h>

/* Channels per block: two f32x4 vectors. */
#define CB 8

/* Helpers that must vanish into their callers (no shadow stack: see the header comment). */
#define INLINE static inline __attribute__((always_inline))

/* Parameter block, written by the JavaScript side (keep in sync with PARAM_FIELDS there). */
typedef struct {
  int32_t n, h, w, c;         /* input NHWC */
  int32_t up, px0, py0, lu;   /* up factor u, left/top padding on the u-grid, up taps */
  int32_t tw, th;             /* temporary-rate size (columns, rows) */
  int32_t down, ldh, ldw;     /* down factor d, down taps along y and x */
  int32_t radial;             /* 1: 2-D down taps g2[ldh][ldw]; 0: separable (ldh == ldw) */
  int32_t mirror;             /* radial only, 1: every row of g2 is symmetric (g2[a][b] = g2[a][ldw−1−b]) */
  int32_t oh, ow;             /* output size */
  int32_t use_slope, use_clamp;
  float slope, clamp;
  const float *x;             /* [n, h, w, c] */
  const float *bias;          /* [c] or null */
  float *y;                   /* [n, oh, ow, c] */
  const float *gux, *guy;     /* up taps along x and y (correlation, scaled), lu each */
  const float *gd;            /* down taps: ldw (separable) or ldh·ldw (radial, row-major [a][b]) */
  float *scratch;             /* scratch_floats(…) floats, 16-byte aligned */
  const float **rowp;         /* lu entries: row pointers of one up-y output */
  float *rowc;                /* lu entries: their taps */
} Params;

static inline int32_t floor_div(int32_t a, int32_t b) {
  int32_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
static inline int32_t ceil_div(int32_t a, int32_t b) { return -floor_div(-a, b); }
static inline int32_t mod(int32_t a, int32_t b) { return a - floor_div(a, b) * b; }

/* Input row r of sample s, channels [c0, c0 + cv), plus the bias, into xr[w][CB] (zeros past cv). */
static void load_row(const Params *P, int32_t s, int32_t r, int32_t c0, int32_t cv, float *xr) {
  const float *src = P->x + ((int64_t)(s * P->h + r) * P->w) * P->c + c0;
  const int32_t C = P->c;
  if (cv == CB) {
    v128_t b0 = wasm_f32x4_splat(0.f), b1 = b0;
    if (P->bias) {
      b0 = wasm_v128_load(P->bias + c0);
      b1 = wasm_v128_load(P->bias + c0 + 4);
    }
    for (int32_t i = 0; i < P->w; i++) {
      wasm_v128_store(xr + i * CB, wasm_f32x4_add(wasm_v128_load(src + i * C), b0));
      wasm_v128_store(xr + i * CB + 4, wasm_f32x4_add(wasm_v128_load(src + i * C + 4), b1));
    }
    return;
  }
  for (int32_t i = 0; i < P->w; i++)
    for (int32_t c = 0; c < CB; c++)
      xr[i * CB + c] = c < cv ? src[i * C + c] + (P->bias ? P->bias[c0 + c] : 0.f) : 0.f;
}

/* Up pass along x: ux[j] = Σ_t gux[t] · xr[(j + t − x0)/u] over the taps t that land on a sample. */
static void up_x(const Params *P, const float *xr, float *ux) {
  const int32_t u = P->up, lu = P->lu, w = P->w, x0 = P->px0;
  for (int32_t j = 0; j < P->tw; j++) {
    const int32_t t0 = mod(x0 - j, u);
    v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0;
    for (int32_t t = t0, i = (j + t0 - x0) / u; t < lu; t += u, i++) {
      if (i < 0 || i >= w) continue;
      const v128_t g = wasm_f32x4_splat(P->gux[t]);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g, wasm_v128_load(xr + i * CB)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g, wasm_v128_load(xr + i * CB + 4)));
    }
    wasm_v128_store(ux + j * CB, a0);
    wasm_v128_store(ux + j * CB + 4, a1);
  }
}

/* Leaky ReLU (slope) then clamp to ±clamp, 4 lanes. */
static inline v128_t activate(const Params *P, v128_t v) {
  if (P->use_slope) {
    const v128_t neg = wasm_f32x4_mul(v, wasm_f32x4_splat(P->slope));
    v = wasm_v128_bitselect(v, neg, wasm_f32x4_ge(v, wasm_f32x4_splat(0.f)));
  }
  if (P->use_clamp)
    v = wasm_f32x4_min(wasm_f32x4_max(v, wasm_f32x4_splat(-P->clamp)), wasm_f32x4_splat(P->clamp));
  return v;
}

/* Six rows and their taps, the taps splatted: the inner loops of the up-y and down-y passes. */
typedef struct {
  const float *r0, *r1, *r2, *r3, *r4, *r5;
  v128_t g0, g1, g2, g3, g4, g5;
} Rows6;

INLINE Rows6 rows6(const float *r0, const float *r1, const float *r2, const float *r3, const float *r4,
                   const float *r5, const float *g) {
  Rows6 s = {r0, r1, r2, r3, r4, r5,
             wasm_f32x4_splat(g[0]), wasm_f32x4_splat(g[1]), wasm_f32x4_splat(g[2]),
             wasm_f32x4_splat(g[3]), wasm_f32x4_splat(g[4]), wasm_f32x4_splat(g[5])};
  return s;
}

/* Σ_m g_m · r_m[q … q + 4). */
INLINE v128_t rows6_at(const Rows6 *s, int32_t q) {
  v128_t a = wasm_f32x4_mul(s->g0, wasm_v128_load(s->r0 + q));
  a = wasm_f32x4_add(a, wasm_f32x4_mul(s->g1, wasm_v128_load(s->r1 + q)));
  a = wasm_f32x4_add(a, wasm_f32x4_mul(s->g2, wasm_v128_load(s->r2 + q)));
  a = wasm_f32x4_add(a, wasm_f32x4_mul(s->g3, wasm_v128_load(s->r3 + q)));
  a = wasm_f32x4_add(a, wasm_f32x4_mul(s->g4, wasm_v128_load(s->r4 + q)));
  return wasm_f32x4_add(a, wasm_f32x4_mul(s->g5, wasm_v128_load(s->r5 + q)));
}

/* T = act(Σ_k rowc[k] · rowp[k]) over one temporary row (len floats, a multiple of 4). */
static void combine_rows(const Params *P, int32_t k, int32_t len, float *restrict t) {
  if (k == 6) {
    /* The generator's case (12 taps at u = 2, 24 at u = 4): taps and rows in registers. */
    const float **r = P->rowp;
    const Rows6 s = rows6(r[0], r[1], r[2], r[3], r[4], r[5], P->rowc);
    for (int32_t q = 0; q < len; q += 4) wasm_v128_store(t + q, activate(P, rows6_at(&s, q)));
    return;
  }
  for (int32_t q = 0; q < len; q += 4) {
    v128_t a = wasm_f32x4_splat(0.f);
    for (int32_t m = 0; m < k; m++)
      a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(P->rowc[m]), wasm_v128_load(P->rowp[m] + q)));
    wasm_v128_store(t + q, activate(P, a));
  }
}

/*
 * dst (+)= Σ_m g_m · r_m over len floats (a multiple of 4), six rows at a time: the down-y pass
 * gathers an output row from the ring of temporary rows in chunks of six taps (taps and row
 * pointers stay in registers; unused slots point at a zero row with a zero tap).
 */
INLINE void taps6(const Rows6 s, float *restrict dst, int32_t len, int32_t add) {
  for (int32_t q = 0; q < len; q += 4) {
    v128_t a = rows6_at(&s, q);
    if (add) a = wasm_f32x4_add(wasm_v128_load(dst + q), a);
    wasm_v128_store(dst + q, a);
  }
}

/* Output row o of sample s from a finished row: separable → down pass along x; radial → copy. */
static void store_row(const Params *P, int32_t s, int32_t o, int32_t c0, int32_t cv, const float *row,
                      int32_t filter_x, float *tmp) {
  float *dst = P->y + ((int64_t)(s * P->oh + o) * P->ow) * P->c + c0;
  const int32_t C = P->c, d = P->down, ld = P->ldw;
  for (int32_t p = 0; p < P->ow; p++) {
    v128_t a0, a1;
    if (filter_x) {
      a0 = wasm_f32x4_splat(0.f);
      a1 = a0;
      const float *src = row + (d * p) * CB;
      for (int32_t t = 0; t < ld; t++) {
        const v128_t g = wasm_f32x4_splat(P->gd[t]);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g, wasm_v128_load(src + t * CB)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g, wasm_v128_load(src + t * CB + 4)));
      }
    } else {
      a0 = wasm_v128_load(row + p * CB);
      a1 = wasm_v128_load(row + p * CB + 4);
    }
    if (cv == CB) {
      wasm_v128_store(dst + p * C, a0);
      wasm_v128_store(dst + p * C + 4, a1);
    } else {
      wasm_v128_store(tmp, a0);
      wasm_v128_store(tmp + 4, a1);
      for (int32_t c = 0; c < cv; c++) dst[p * C + c] = tmp[c];
    }
  }
}

/* Accumulators of the radial pass: 8 channels (two vectors) for each of three output rows. */
typedef struct {
  v128_t a0, a1, b0, b1, c0, c1;
} Acc3;

/* s + (x, y, z) · (lo, hi): one tap of the three rows on the 8 channels (lo, hi). */
INLINE Acc3 acc3_tap(Acc3 s, v128_t lo, v128_t hi, float x, float y, float z) {
  const v128_t gx = wasm_f32x4_splat(x), gy = wasm_f32x4_splat(y), gz = wasm_f32x4_splat(z);
  s.a0 = wasm_f32x4_add(s.a0, wasm_f32x4_mul(gx, lo));
  s.a1 = wasm_f32x4_add(s.a1, wasm_f32x4_mul(gx, hi));
  s.b0 = wasm_f32x4_add(s.b0, wasm_f32x4_mul(gy, lo));
  s.b1 = wasm_f32x4_add(s.b1, wasm_f32x4_mul(gy, hi));
  s.c0 = wasm_f32x4_add(s.c0, wasm_f32x4_mul(gz, lo));
  s.c1 = wasm_f32x4_add(s.c1, wasm_f32x4_mul(gz, hi));
  return s;
}

/* q_m[0..8) += the accumulators of row m. */
INLINE void acc3_add_to(Acc3 s, float *q0, float *q1, float *q2) {
  wasm_v128_store(q0, wasm_f32x4_add(wasm_v128_load(q0), s.a0));
  wasm_v128_store(q0 + 4, wasm_f32x4_add(wasm_v128_load(q0 + 4), s.a1));
  wasm_v128_store(q1, wasm_f32x4_add(wasm_v128_load(q1), s.b0));
  wasm_v128_store(q1 + 4, wasm_f32x4_add(wasm_v128_load(q1 + 4), s.b1));
  wasm_v128_store(q2, wasm_f32x4_add(wasm_v128_load(q2), s.c0));
  wasm_v128_store(q2 + 4, wasm_f32x4_add(wasm_v128_load(q2 + 4), s.c1));
}

/*
 * Radial down, one temporary row t into three output rows at once (sharing the loads of t):
 * acc_m[p] += Σ_b g_m[b] · t[d·p + b] for m = 0, 1, 2. Unused slots get zero taps and a spare row.
 * With `mirror` (every tap row symmetric, as the radial jinc filter) the two samples a tap pair
 * reads are added first, g[b]·t[d·p + b] + g[b]·t[d·p + ldw−1−b] = g[b]·(t[…] + t[…]), which
 * halves the multiplications and shares the additions among the three rows.
 */
static void radial_rows3(const Params *P, const float *restrict t, const float *g0, const float *g1,
                         const float *g2, float *acc0, float *acc1, float *acc2) {
  const int32_t d = P->down, ld = P->ldw;
  const int32_t paired = P->mirror ? ld / 2 : 0; /* taps b < paired meet their partner ld−1−b */
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int32_t p = 0; p < P->ow; p++) {
    Acc3 s = {zero, zero, zero, zero, zero, zero};
    const float *src = t + (d * p) * CB;
    for (int32_t b = 0; b < paired; b++) {
      const float *l = src + b * CB, *r = src + (ld - 1 - b) * CB;
      const v128_t lo = wasm_f32x4_add(wasm_v128_load(l), wasm_v128_load(r));
      const v128_t hi = wasm_f32x4_add(wasm_v128_load(l + 4), wasm_v128_load(r + 4));
      s = acc3_tap(s, lo, hi, g0[b], g1[b], g2[b]);
    }
    /* the unpaired taps: all of them, or the middle one of an odd mirrored row */
    for (int32_t b = paired; b < ld - paired; b++) {
      const v128_t lo = wasm_v128_load(src + b * CB), hi = wasm_v128_load(src + b * CB + 4);
      s = acc3_tap(s, lo, hi, g0[b], g1[b], g2[b]);
    }
    acc3_add_to(s, acc0 + p * CB, acc1 + p * CB, acc2 + p * CB);
  }
}

/* Ring sizes (rows): up-x rows; radial accumulator rows; separable temporary rows. */
static inline int32_t ux_ring(const Params *P) { return ceil_div(P->lu, P->up) + 1; }
static inline int32_t acc_ring(const Params *P) { return ceil_div(P->ldh, P->down) + 1; }

/*
 * Rows (of tw or ow samples × CB channels) after the input row and the up-x ring:
 *   radial:    one temporary row, the accumulator ring and a spare output row (ow each);
 *   separable: the ring of the last ldh temporary rows and the down-y row;
 * then a zero row (tw), a CB-float staging area and ldw zero taps (+ CB of slack).
 */
__attribute__((export_name("scratch_floats"))) int32_t scratch_floats(const Params *P) {
  const int32_t rows = P->radial ? P->tw + (acc_ring(P) + 1) * P->ow : (P->ldh + 1) * P->tw;
  return (P->w + ux_ring(P) * P->tw + rows + P->tw) * CB + CB + P->ldw + CB;
}

/* Run the fused filtered nonlinearity described by *P. */
__attribute__((export_name("filtered_lrelu"))) void filtered_lrelu(const Params *P) {
  const int32_t u = P->up, d = P->down, h = P->h, lu = P->lu, ldh = P->ldh;
  const int32_t RU = ux_ring(P), RD = acc_ring(P);
  const int32_t row_len = P->tw * CB, acc_len = P->ow * CB;
  float *xr = P->scratch;
  float *ux = xr + P->w * CB;
  float *rows = ux + RU * row_len;
  /* radial: trow, then the accumulator ring and the spare row (the output row of an unused slot) */
  float *acc = rows + row_len;
  float *spare = acc + RD * acc_len;
  /* separable: the ring of the last ldh temporary rows, then the down-y row */
  float *dy = rows + ldh * row_len;
  float *zrow = P->radial ? spare + acc_len : dy + row_len; /* zeros: rows past the map's edge */
  float *tmp = zrow + row_len;
  float *ztaps = tmp + CB; /* ldw zero taps for unused slots */
  for (int32_t q = 0; q < row_len; q++) zrow[q] = 0.f;
  for (int32_t b = 0; b < P->ldw; b++) ztaps[b] = 0.f;
  const int32_t last_i = d * (P->oh - 1) + ldh - 1; /* last temporary row any output reads */
  for (int32_t s = 0; s < P->n; s++) {
    for (int32_t c0 = 0; c0 < P->c; c0 += CB) {
      const int32_t cv = P->c - c0 < CB ? P->c - c0 : CB;
      int32_t next_r = 0; /* next input row whose up-x pass is not in the ring yet */
      for (int32_t i = 0; i <= last_i; i++) {
        /* Up y: taps t ≡ y0 − i (mod u) read input rows r = (i + t − y0)/u (zeros off the map). */
        const int32_t t0 = mod(P->py0 - i, u);
        const int32_t r0 = (i + t0 - P->py0) / u;
        int32_t k = 0;
        for (int32_t t = t0, r = r0; t < lu; t += u, r++, k++) {
          P->rowc[k] = P->guy[t];
          if (r < 0 || r >= h) {
            P->rowp[k] = zrow;
            continue;
          }
          if (next_r < r) next_r = r;
          for (; next_r <= r; next_r++) {
            load_row(P, s, next_r, c0, cv, xr);
            up_x(P, xr, ux + (next_r % RU) * row_len);
          }
          P->rowp[k] = ux + (r % RU) * row_len;
        }
        float *trow = P->radial ? rows : rows + (i % ldh) * row_len;
        combine_rows(P, k, row_len, trow);
        /* Down y: output rows o with d·o ≤ i ≤ d·o + ldh − 1 read this row with tap i − d·o. */
        int32_t olo = ceil_div(i - ldh + 1, d), ohi = floor_div(i, d);
        if (olo < 0) olo = 0;
        if (ohi > P->oh - 1) ohi = P->oh - 1;
        if (P->radial) {
          if (ohi == i / d && i % d == 0 && ohi >= olo) /* row ohi starts here */
            for (int32_t q = 0; q < acc_len; q++) acc[(ohi % RD) * acc_len + q] = 0.f;
          for (int32_t o = olo; o <= ohi; o += 3) {
            float *a0 = acc + (o % RD) * acc_len;
            float *a1 = o + 1 <= ohi ? acc + ((o + 1) % RD) * acc_len : spare;
            float *a2 = o + 2 <= ohi ? acc + ((o + 2) % RD) * acc_len : spare;
            const float *g0 = P->gd + (i - d * o) * P->ldw;
            const float *g1 = o + 1 <= ohi ? P->gd + (i - d * (o + 1)) * P->ldw : ztaps;
            const float *g2 = o + 2 <= ohi ? P->gd + (i - d * (o + 2)) * P->ldw : ztaps;
            radial_rows3(P, trow, g0, g1, g2, a0, a1, a2);
          }
          if (olo <= ohi && i - d * olo == ldh - 1)
            store_row(P, s, olo, c0, cv, acc + (olo % RD) * acc_len, 0, tmp);
          continue;
        }
        /* Separable: output row o = (i − ldh + 1)/d is complete once row i is in the ring. */
        const int32_t first = i - ldh + 1;
        if (first < 0 || first % d != 0 || first / d >= P->oh) continue;
        for (int32_t t = 0; t < ldh; t += 6) {
          const float *p0 = rows + ((first + t) % ldh) * row_len;
          const float *p1 = t + 1 < ldh ? rows + ((first + t + 1) % ldh) * row_len : zrow;
          const float *p2 = t + 2 < ldh ? rows + ((first + t + 2) % ldh) * row_len : zrow;
          const float *p3 = t + 3 < ldh ? rows + ((first + t + 3) % ldh) * row_len : zrow;
          const float *p4 = t + 4 < ldh ? rows + ((first + t + 4) % ldh) * row_len : zrow;
          const float *p5 = t + 5 < ldh ? rows + ((first + t + 5) % ldh) * row_len : zrow;
          /* taps past ldh read the zero taps (and the zero row) */
          const float *g = t + 6 <= ldh ? P->gd + t : tmp;
          if (g == tmp)
            for (int32_t m = 0; m < 6; m++) tmp[m] = t + m < ldh ? P->gd[t + m] : 0.f;
          taps6(rows6(p0, p1, p2, p3, p4, p5, g), dy, row_len, t > 0);
        }
        store_row(P, s, first / d, c0, cv, dy, 1, tmp);
      }
    }
  }
}
