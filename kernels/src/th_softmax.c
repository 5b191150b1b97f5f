/* th_softmax.c - kernel 6 `softmax` and the I-BERT integer softmax row shared by the attention kernels. */
#include "th_internal.h"

/* y(d) for d = max - x: z = floor(d / 5), p = 5z - d, y = ((p + 7)^2 + 24) >> z.
 * y(d) = 0 for every d >= 31 (z > 31 never happens before that): index min(d, 31). */
#define TH_Y_LEN 32
static const uint8_t th_y_of_d[TH_Y_LEN] = {73, 60, 49, 40, 33, 36, 30, 24, 20, 16, 18,
                                            15, 12, 10, 8,  9,  7,  6,  5,  4,  4,  3,
                                            3,  2,  2,  2,  1,  1,  1,  1,  1,  0};

TH_INLINE int32_t th_d_index(int32_t m, int32_t x) {
  int32_t d = m - x;
  return d < TH_Y_LEN - 1 ? d : TH_Y_LEN - 1;
}

void th_isoftmax_row(const int8_t *x, uint8_t *out, int32_t n) {
  int32_t j, m = x[0];
  uint32_t sum = 0; /* <= 73 * 65535 */
  for (j = 1; j < n; j++) m = x[j] > m ? x[j] : m;
  for (j = 0; j < n; j++) sum += th_y_of_d[th_d_index(m, x[j])];
  if (n > TH_Y_LEN) {
    /* out depends on d only through min(d, 31): 32 divisions per row, not n. */
    uint8_t lut[TH_Y_LEN];
    for (j = 0; j < TH_Y_LEN; j++) lut[j] = th_clamp_u8((int64_t)(th_y_of_d[j] * 255u / sum));
    for (j = 0; j < n; j++) out[j] = lut[th_d_index(m, x[j])];
  } else {
    /* x and out may alias: x[j] is read before out[j] is written. */
    for (j = 0; j < n; j++)
      out[j] = th_clamp_u8((int64_t)(th_y_of_d[th_d_index(m, x[j])] * 255u / sum));
  }
}

void th_softmax(const th_params *p, const void *const in[], void *out, const th_ctx *ctx) {
  const int8_t *X = (const int8_t *)in[0];
  uint8_t *Y = (uint8_t *)out;
  const int32_t E = p->shape.E;
  th_range r = th_partition(p->shape.S, ctx);
  int32_t s;
  for (s = r.start; s < r.stop; s++)
    th_isoftmax_row(X + (size_t)s * E, Y + (size_t)s * E, E);
}
