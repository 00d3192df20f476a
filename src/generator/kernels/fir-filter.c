/*
 * Per-channel 2-D FIR filtering of NHWC float32 maps with one set of taps for every channel, and
 * its adjoint, compiled to WebAssembly SIMD (build: scripts/build-kernels.sh; JavaScript side:
 * fir-filter.ts). For taps f [kh][kw], zero padding p and stride s:
 *
 *     forward:  y[n, i, j, c] = Σ_{a, b} f[a][b] · x[n, s·i + a − p, s·j + b − p, c]
 *     adjoint:  y[n, q, r, c] = Σ_{a, b} f[a][b] · x[n, (q + p − a)/s, (r + p − b)/s, c]
 *
 * (x zero outside its map; in the adjoint only the terms whose quotients are whole numbers). The
 * adjoint is ∂L/∂x of the forward for ∂L/∂y = x, so the two are each other's gradients. The
 * discriminator's [1,3,3,1] blurs run here: as tfjs ops (one-channel convs on N·C planes, or
 * depthwise convs, whose 4×4 wasm kernel ran at 0.2 G MAC/s) they cost more than the convs next
 * to them. Channels are the inner, vectorised axis (4 per SIMD vector, then a scalar tail).
 * Memory: only the buffers it is given (no static data, no shadow stack; the build script checks).
 */
#include <stdint.h>
#include <wasm_simd128.h>

/* Parameter block, written by the JavaScript side (keep in sync with PARAM_FIELDS there). */
typedef struct {
  int32_t n, h, w, c; /* input NHWC */
  int32_t oh, ow;     /* output size */
  int32_t kh, kw;     /* taps per axis */
  int32_t pad, stride;
  int32_t adjoint; /* 0: the forward, 1: its adjoint (see above) */
  const float *taps; /* [kh][kw] */
  const float *x;    /* [n, h, w, c] */
  float *y;          /* [n, oh, ow, c] */
} Params;

/* y_pixel[0 … c) += t · x_pixel[0 … c). */
static inline __attribute__((always_inline)) void axpy(float *y, const float *x, float t, int32_t c) {
  const v128_t tv = wasm_f32x4_splat(t);
  int32_t k = 0;
  for (; k + 4 <= c; k += 4)
    wasm_v128_store(y + k, wasm_f32x4_add(wasm_v128_load(y + k), wasm_f32x4_mul(tv, wasm_v128_load(x + k))));
  for (; k < c; k++) y[k] += t * x[k];
}

/* The input index that tap t reads for output index i along one axis of length `len`, or −1:
 * s·i + t − p for the forward; (i + p − t)/s for the adjoint when that is a whole number. */
static inline __attribute__((always_inline)) int32_t source(int32_t i, int32_t t, int32_t pad, int32_t s,
                                                            int32_t adjoint, int32_t len) {
  int32_t u;
  if (adjoint) {
    const int32_t q = i + pad - t;
    if (q < 0 || q % s) return -1;
    u = q / s;
  } else {
    u = s * i + t - pad;
  }
  return u >= 0 && u < len ? u : -1;
}

__attribute__((export_name("fir_filter"))) void fir_filter(const Params *p) {
  const int32_t c = p->c, s = p->stride, pad = p->pad;
  for (int32_t n = 0; n < p->n; n++) {
    const float *xn = p->x + (long)n * p->h * p->w * c;
    float *yn = p->y + (long)n * p->oh * p->ow * c;
    for (int32_t i = 0; i < p->oh; i++)
      for (int32_t j = 0; j < p->ow; j++) {
        float *yp = yn + ((long)i * p->ow + j) * c;
        for (int32_t k = 0; k < c; k++) yp[k] = 0.f;
        for (int32_t a = 0; a < p->kh; a++) {
          const int32_t u = source(i, a, pad, s, p->adjoint, p->h);
          if (u < 0) continue;
          for (int32_t b = 0; b < p->kw; b++) {
            const int32_t v = source(j, b, pad, s, p->adjoint, p->w);
            if (v < 0) continue;
            axpy(yp, xn + ((long)u * p->w + v) * c, p->taps[a * p->kw + b], c);
          }
        }
      }
  }
}
