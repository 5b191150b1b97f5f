/* dsp_check.c - bare-metal bit-exactness check of the kernels (ISA paths on) vs th_ref_run, for QEMU semihosting. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "th_ref.h"
#include "tinyhil.h"

static uint32_t st = 0xC0FFEEu;
static uint32_t rnd(void) { /* mulberry32 */
  uint32_t t = (st += 0x6D2B79F5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}
static int32_t rnd_in(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

int main(void) {
  long cases = 0, runs = 0, fails = 0;
  int32_t round, id, i;
#if defined(__ARM_FEATURE_DSP) && !defined(TH_NO_DSP) && !defined(TH_NO_SIMD)
  const char *isa = "ARM DSP";
#else
  const char *isa = "portable";
#endif
  for (round = 0; round < 20; round++) {
    for (id = 0; id < TH_K_COUNT; id++) {
      const th_kernel_desc *d = th_kernel_get(id);
      th_params p;
      size_t counts[TH_MAX_INPUTS], on, ob;
      void *in[TH_MAX_INPUTS] = {0};
      uint8_t *ref, *got;
      int32_t n, ncmax;
      memset(&p, 0, sizeof p);
      p.shape.S = rnd_in(1, round % 4 == 3 ? 100 : 24) /* rows > 32 take the DSP softmax */, p.shape.E = rnd_in(1, 24), p.shape.P = rnd_in(1, 24);
      p.shape.H = rnd_in(1, 4), p.shape.T = rnd_in(1, p.shape.S);
      p.split = (th_split)(rnd() & 1);
      for (i = 0; i < TH_MAX_RQ; i++) p.rq[i].mul = rnd_in(-300, 3000), p.rq[i].div = rnd_in(4, 16);
      p.consts[0] = 40, p.consts[1] = 1772, p.consts[2] = 1772;
      if (th_kernel_sizes(id, &p.shape, counts, &on) != TH_OK) continue;
      for (i = 0; i < d->n_inputs; i++) {
        size_t b = counts[i] * th_dtype_size(d->input_types[i]), k;
        in[i] = malloc(b);
        for (k = 0; k < b; k++) ((uint8_t *)in[i])[k] = (uint8_t)(rnd() >> 24);
      }
      ob = on * th_dtype_size(d->output_type);
      ref = (uint8_t *)malloc(ob), got = (uint8_t *)malloc(ob);
      if (th_ref_run(id, &p, (const void *const *)in, ref) != TH_OK) {
        printf("ref failed %s\n", d->name);
        fails++;
      }
      cases++;
      /* multi-stage kernels need a real barrier: one core; others also as slices in turn */
      ncmax = (id == TH_K_MHSA || id == TH_K_MHSA_FWSA || id == TH_K_MHSA_DFT) ? 1 : 3;
      for (n = 1; n <= ncmax; n++) {
        size_t sb = th_scratch_bytes(id, &p.shape, n);
        void *scr = sb ? malloc(sb) : NULL;
        th_ctx ctx;
        int32_t c;
        memset(got, 0xA5, ob);
        memset(&ctx, 0, sizeof ctx);
        ctx.n_cores = n, ctx.scratch = scr, ctx.scratch_bytes = sb;
        for (c = 0; c < n; c++) {
          ctx.core_id = c;
          if (th_kernel_run(id, &p, (const void *const *)in, got, &ctx) != TH_OK) fails++;
        }
        runs++;
        if (memcmp(ref, got, ob) != 0) {
          size_t k = 0;
          while (ref[k] == got[k]) k++;
          printf("MISMATCH %s S=%d E=%d P=%d H=%d T=%d cores=%d byte %u ref=%d got=%d\n", d->name,
                 (int)p.shape.S, (int)p.shape.E, (int)p.shape.P, (int)p.shape.H, (int)p.shape.T,
                 (int)n, (unsigned)k, ref[k], got[k]);
          fails++;
        }
        free(scr);
      }
      for (i = 0; i < d->n_inputs; i++) free(in[i]);
      free(ref), free(got);
    }
  }
  printf("dsp_check (%s): %ld cases, %ld runs, %ld failures\n", isa, cases, runs, fails);
  return fails ? 1 : 0;
}
