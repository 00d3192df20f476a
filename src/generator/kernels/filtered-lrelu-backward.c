/*
 * Backward of the fused filtered leaky ReLU (filtered-lrelu.c) for NHWC float32 maps, compiled to
 * WebAssembly SIMD (build: scripts/build-kernels.sh; the JavaScript side is
 * filtered-lrelu-backward.ts next to this file).
 *
 * The forward is y = D(act(V)), V = U(x + b), where U is the separable up pass (zero insertion by
 * u, padding, correlation taps g_ux along x and g_uy along y, gain folded into g_uy), act the leaky
 * ReLU followed by the clamp, and D the down pass (separable taps g_d on both axes, or 2-D taps
 * g2 for the radial filter of config R, keeping every d-th sample). Given dy = ∂L/∂y:
 *
 *     G_T = Dᵀ dy                       (the adjoint of the down pass: a scatter of dy through g_d)
 *     G_V = G_T ⊙ act'(V)               act' = 1 where V > 0, else slope; 0 where |act(V)| > clamp
 *     dx  = Uᵀ G_V,   db[c] = Σ dx[·, ·, ·, c]
 *
 * act' follows the tfjs ops the training path differentiates otherwise (LeakyRelu's step(V, α)
 * and ClipByValue's inclusive bounds), so both paths give the same gradient.
 *
 * V is recomputed from x (one up pass, as in the forward) instead of being stored by the forward:
 * the recomputation costs about a third of this kernel, while a stored mask would cost N·C·th·tw
 * bytes in the heap for every layer between the forward and the backward of a training step.
 *
 * Loop structure, for every sample and block of CB channels (channels innermost, 4 per vector):
 *   DY  = the block of dy;  separable: DX = DY through the x down taps (adjoint of the x pass)
 *   UX  = the up-x pass of every input row (with the bias)
 *   for every temporary row i that some output reads:
 *     G(i)  = Σ_o g_d[i − d·o] · DX(o)                        (separable), or
 *           = Σ_o Σ_p g2[i − d·o, · − d·p] · DY(o, p)         (radial)
 *     V(i)  = Σ_t g_uy[t] · UX((i + t − y0)/u);  G(i) ⊙= act'(V(i))
 *     GUX((i + t − y0)/u) += g_uy[t] · G(i)                   (adjoint of the up-y pass)
 *   dx(r, q) = Σ_t g_ux[t] · GUX(r, u·q + x0 − t)             (adjoint of the up-x pass), db += dx
 *
 * Memory: the kernel reads and writes only the buffers it is given; its scratch (scratch_floats)
 * holds planes of one sample and one channel block, never the batch. No static data, no shadow
 * stack (the build script checks both): it runs inside TensorFlow.js's own wasm heap.
 */
#include <stdint.h>
#include <wasm_simd128.h>

/* Channels per block: two f32x4 vectors. */
#define CB 8

/* Parameter block, written by the JavaScript side (keep in sync with PARAM_FIELDS there). */
typedef struct {
  int32_t n, h, w, c;       /* input NHWC */
  int32_t up, px0, py0, lu; /* up factor u, left/top padding on the u-grid, up taps */
  int32_t tw, th;           /* temporary-rate size (columns, rows) */
  int32_t down, ldh, ldw;   /* down factor d, down taps along y and x */
  int32_t radial;           /* 1: 2-D down taps g2[ldh][ldw]; 0: separable (ldh == ldw) */
  int32_t oh, ow;           /* output size */
  int32_t use_slope, use_clamp;
  float slope, clamp;
  const float *x;    /* [n, h, w, c] */
  const float *bias; /* [c] or null */
  const float *dy;   /* [n, oh, ow, c] */
  float *dx;         /* [n, h, w, c] */
  float *db;         /* [c] */
  const float *gux, *guy; /* up taps along x and y (correlation, scaled), lu each */
  const float *gd;        /* down taps: ldw (separable) or ldh·ldw (radial, row-major [a][b]) */
  float *scratch;         /* scratch_floats(…) floats, 16-byte aligned */
} Params;

static inline int32_t floor_div(int32_t a, int32_t b) {
  int32_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
static inline int32_t ceil_div(int32_t a, int32_t b) { return -floor_div(-a, b); }
static inline int32_t mod(int32_t a, int32_t b) { return a - floor_div(a, b) * b; }
static inline int32_t max_i(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t min_i(int32_t a, int32_t b) { return a < b ? a : b; }

/* dst[0 .. len) += g · src[0 .. len) (len a multiple of 4). */
static void axpy(float *restrict dst, const float *restrict src, float g, int32_t len) {
  const v128_t gv = wasm_f32x4_splat(g);
  for (int32_t q = 0; q < len; q += 4)
    wasm_v128_store(dst + q, wasm_f32x4_add(wasm_v128_load(dst + q), wasm_f32x4_mul(gv, wasm_v128_load(src + q))));
}

static void zero(float *dst, int32_t len) {
  const v128_t z = wasm_f32x4_splat(0.f);
  for (int32_t q = 0; q < len; q += 4) wasm_v128_store(dst + q, z);
}

/* CB channels of `cv` valid ones at src (stride 1) into dst, zeros past cv; plus add[c] if given. */
static inline void load_block(float *dst, const float *src, int32_t cv, const float *add) {
  for (int32_t c = 0; c < CB; c++) dst[c] = c < cv ? src[c] + (add ? add[c] : 0.f) : 0.f;
}

/* DY(o, p) for every output sample: the channel block of dy, [oh][ow][CB]. */
static void load_dy(const Params *P, int32_t s, int32_t c0, int32_t cv, float *dyb) {
  const int32_t C = P->c;
  for (int32_t o = 0; o < P->oh; o++) {
    const float *src = P->dy + ((int64_t)(s * P->oh + o) * P->ow) * C + c0;
    float *dst = dyb + (int64_t)o * P->ow * CB;
    if (cv == CB)
      for (int32_t p = 0; p < P->ow; p++) {
        wasm_v128_store(dst + p * CB, wasm_v128_load(src + p * C));
        wasm_v128_store(dst + p * CB + 4, wasm_v128_load(src + p * C + 4));
      }
    else
      for (int32_t p = 0; p < P->ow; p++) load_block(dst + p * CB, src + p * C, cv, 0);
  }
}

/* Separable: DX(o, j) = Σ_p g_d[j − d·p] · DY(o, p) over 0 ≤ j − d·p < ldw (adjoint of down x). */
static void down_x_adjoint(const Params *P, const float *dyb, float *dxt) {
  const int32_t d = P->down, ld = P->ldw;
  for (int32_t o = 0; o < P->oh; o++) {
    const float *src = dyb + (int64_t)o * P->ow * CB;
    float *dst = dxt + (int64_t)o * P->tw * CB;
    for (int32_t j = 0; j < P->tw; j++) {
      v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0;
      const int32_t plo = max_i(ceil_div(j - ld + 1, d), 0), phi = min_i(floor_div(j, d), P->ow - 1);
      for (int32_t p = plo; p <= phi; p++) {
        const v128_t g = wasm_f32x4_splat(P->gd[j - d * p]);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g, wasm_v128_load(src + p * CB)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g, wasm_v128_load(src + p * CB + 4)));
      }
      wasm_v128_store(dst + j * CB, a0);
      wasm_v128_store(dst + j * CB + 4, a1);
    }
  }
}

/* UX(r) for every input row r: x + b, then the up pass along x (as the forward kernel). */
static void up_x_plane(const Params *P, int32_t s, int32_t c0, int32_t cv, float *xr, float *ux) {
  const int32_t u = P->up, lu = P->lu, w = P->w, x0 = P->px0, C = P->c;
  for (int32_t r = 0; r < P->h; r++) {
    const float *src = P->x + ((int64_t)(s * P->h + r) * w) * C + c0;
    for (int32_t q = 0; q < w; q++) load_block(xr + q * CB, src + q * C, cv, P->bias ? P->bias + c0 : 0);
    float *dst = ux + (int64_t)r * P->tw * CB;
    for (int32_t j = 0; j < P->tw; j++) {
      const int32_t t0 = mod(x0 - j, u);
      v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0;
      for (int32_t t = t0, q = (j + t0 - x0) / u; t < lu; t += u, q++) {
        if (q < 0 || q >= w) continue;
        const v128_t g = wasm_f32x4_splat(P->gux[t]);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g, wasm_v128_load(xr + q * CB)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g, wasm_v128_load(xr + q * CB + 4)));
      }
      wasm_v128_store(dst + j * CB, a0);
      wasm_v128_store(dst + j * CB + 4, a1);
    }
  }
}

/* Radial: G(i) = Σ_o Σ_p g2[i − d·o][· − d·p] · DY(o, p), scattered over the row's columns. */
static void radial_row_adjoint(const Params *P, int32_t i, const float *dyb, float *g) {
  const int32_t d = P->down, ldh = P->ldh, ldw = P->ldw;
  const int32_t olo = max_i(ceil_div(i - ldh + 1, d), 0), ohi = min_i(floor_div(i, d), P->oh - 1);
  zero(g, P->tw * CB);
  for (int32_t o = olo; o <= ohi; o++) {
    const float *taps = P->gd + (i - d * o) * ldw;
    const float *src = dyb + (int64_t)o * P->ow * CB;
    for (int32_t p = 0; p < P->ow; p++) {
      const v128_t lo = wasm_v128_load(src + p * CB), hi = wasm_v128_load(src + p * CB + 4);
      float *dst = g + (d * p) * CB;
      for (int32_t b = 0; b < ldw; b++) {
        const v128_t t = wasm_f32x4_splat(taps[b]);
        wasm_v128_store(dst + b * CB, wasm_f32x4_add(wasm_v128_load(dst + b * CB), wasm_f32x4_mul(t, lo)));
        wasm_v128_store(dst + b * CB + 4, wasm_f32x4_add(wasm_v128_load(dst + b * CB + 4), wasm_f32x4_mul(t, hi)));
      }
    }
  }
}

/* g ⊙= act'(v) over len floats: 1 where v > 0 else slope; 0 where |lrelu(v)| > clamp. */
static void apply_mask(const Params *P, const float *restrict v, float *restrict g, int32_t len) {
  const v128_t zero4 = wasm_f32x4_splat(0.f), one = wasm_f32x4_splat(1.f);
  const v128_t slope = wasm_f32x4_splat(P->slope), clamp = wasm_f32x4_splat(P->clamp);
  for (int32_t q = 0; q < len; q += 4) {
    const v128_t vv = wasm_v128_load(v + q);
    v128_t m = P->use_slope ? wasm_v128_bitselect(one, slope, wasm_f32x4_gt(vv, zero4)) : one;
    if (P->use_clamp) m = wasm_v128_and(m, wasm_f32x4_le(wasm_f32x4_abs(wasm_f32x4_mul(vv, m)), clamp));
    wasm_v128_store(g + q, wasm_f32x4_mul(wasm_v128_load(g + q), m));
  }
}

/* dx(r, ·) = Σ_t g_ux[t] · GUX(r, u·q + x0 − t) for one input row; db block += the row. */
static void up_x_adjoint_row(const Params *P, int32_t s, int32_t r, int32_t c0, int32_t cv,
                             const float *gux_row, float *dbb, float *tmp) {
  const int32_t u = P->up, lu = P->lu, x0 = P->px0, C = P->c;
  float *dst = P->dx + ((int64_t)(s * P->h + r) * P->w) * C + c0;
  v128_t s0 = wasm_v128_load(dbb), s1 = wasm_v128_load(dbb + 4);
  for (int32_t q = 0; q < P->w; q++) {
    v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0;
    const int32_t jq = u * q + x0;
    const int32_t tlo = max_i(jq - P->tw + 1, 0), thi = min_i(jq, lu - 1);
    for (int32_t t = tlo; t <= thi; t++) {
      const v128_t g = wasm_f32x4_splat(P->gux[t]);
      const float *src = gux_row + (jq - t) * CB;
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(g, wasm_v128_load(src)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(g, wasm_v128_load(src + 4)));
    }
    s0 = wasm_f32x4_add(s0, a0);
    s1 = wasm_f32x4_add(s1, a1);
    if (cv == CB) {
      wasm_v128_store(dst + q * C, a0);
      wasm_v128_store(dst + q * C + 4, a1);
    } else {
      wasm_v128_store(tmp, a0);
      wasm_v128_store(tmp + 4, a1);
      for (int32_t c = 0; c < cv; c++) dst[q * C + c] = tmp[c];
    }
  }
  wasm_v128_store(dbb, s0);
  wasm_v128_store(dbb + 4, s1);
}

/*
 * Scratch layout (floats): input row (w·CB), UX and GUX planes (h·tw·CB each), DY (oh·ow·CB),
 * separable only DX (oh·tw·CB), the rows V(i) and G(i) (tw·CB each), the db block and a staging
 * block (CB each).
 */
__attribute__((export_name("scratch_floats"))) int32_t scratch_floats(const Params *P) {
  const int32_t plane = P->h * P->tw;
  return (P->w + 2 * plane + P->oh * P->ow + (P->radial ? 0 : P->oh * P->tw) + 2 * P->tw + 2) * CB;
}

/* dx and db of the fused filtered nonlinearity described by *P for the output gradient dy. */
__attribute__((export_name("filtered_lrelu_backward"))) void filtered_lrelu_backward(const Params *P) {
  const int32_t u = P->up, d = P->down, h = P->h, lu = P->lu, ldh = P->ldh;
  const int32_t row_len = P->tw * CB;
  const int32_t plane = h * row_len;
  float *xr = P->scratch;
  float *ux = xr + P->w * CB;
  float *gux = ux + plane;
  float *dyb = gux + plane;
  float *dxt = dyb + P->oh * P->ow * CB;
  float *vrow = dxt + (P->radial ? 0 : P->oh * row_len);
  float *grow = vrow + row_len;
  float *dbb = grow + row_len;
  float *tmp = dbb + CB;
  const int32_t last_i = min_i(d * (P->oh - 1) + ldh - 1, P->th - 1); /* last row any output reads */
  for (int32_t c = 0; c < P->c; c++) P->db[c] = 0.f;
  for (int32_t s = 0; s < P->n; s++) {
    for (int32_t c0 = 0; c0 < P->c; c0 += CB) {
      const int32_t cv = P->c - c0 < CB ? P->c - c0 : CB;
      load_dy(P, s, c0, cv, dyb);
      if (!P->radial) down_x_adjoint(P, dyb, dxt);
      up_x_plane(P, s, c0, cv, xr, ux);
      zero(gux, plane);
      for (int32_t i = 0; i <= last_i; i++) {
        const int32_t olo = max_i(ceil_div(i - ldh + 1, d), 0), ohi = min_i(floor_div(i, d), P->oh - 1);
        if (olo > ohi) continue; /* no output reads this row: its gradient is zero */
        /* G(i): the adjoint of the down pass at row i */
        if (P->radial)
          radial_row_adjoint(P, i, dyb, grow);
        else {
          zero(grow, row_len);
          for (int32_t o = olo; o <= ohi; o++) axpy(grow, dxt + (int64_t)o * row_len, P->gd[i - d * o], row_len);
        }
        /* V(i) from the input rows r = (i + t − y0)/u, taps t ≡ y0 − i (mod u), then the mask */
        const int32_t t0 = mod(P->py0 - i, u), r0 = (i + t0 - P->py0) / u;
        zero(vrow, row_len);
        for (int32_t t = t0, r = r0; t < lu; t += u, r++)
          if (r >= 0 && r < h) axpy(vrow, ux + (int64_t)r * row_len, P->guy[t], row_len);
        apply_mask(P, vrow, grow, row_len);
        /* adjoint of the up-y pass: the same (t, r) pairs, scattered */
        for (int32_t t = t0, r = r0; t < lu; t += u, r++)
          if (r >= 0 && r < h) axpy(gux + (int64_t)r * row_len, grow, P->guy[t], row_len);
      }
      zero(dbb, CB);
      for (int32_t r = 0; r < h; r++) up_x_adjoint_row(P, s, r, c0, cv, gux + (int64_t)r * row_len, dbb, tmp);
      for (int32_t c = 0; c < cv; c++) P->db[c0 + c] += dbb[c];
    }
  }
}
