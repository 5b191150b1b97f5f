/* th_ref.h - plain single-core scalar reference of every tinyhil kernel (host only; may malloc). */
#ifndef TH_REF_H
#define TH_REF_H

#include "tinyhil.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs kernel `id` whole on one core, straight from docs/kernels.md. Returns a
 * th_status (TH_ERR_ARG also when an intermediate cannot be allocated). Validates
 * on its own (it does not call the optimised library), so it can check it. */
int th_ref_run(int32_t id, const th_params *p, const void *const inputs[], void *output);

#ifdef __cplusplus
}
#endif
#endif /* TH_REF_H */
