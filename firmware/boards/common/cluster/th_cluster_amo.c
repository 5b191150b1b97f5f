/* th_cluster_amo.c - fork, join and barrier on shared memory with atomics (RISC-V "A": amoadd.w,
 * lr/sc), for cores that all run this firmware (qemu-rv32's harts). Core 0 forks and is part of
 * the team; the others wait in th_cl_worker. Waiting cores idle in th_cl_relax (WFI on qemu-rv32)
 * rather than spin: under QEMU's round-robin a spinning hart would hold the only host thread.
 *
 * TH_CL_TURNS (boards whose counter is shared by all cores: QEMU's minstret under -icount is the
 * one global instruction count, target/riscv/csr.c get_ticks()): the cores of a team take turns,
 * 0, 1, ..., n-1 in every phase, exactly one running at any time, so a core's counter delta over
 * its phase holds its own instructions only. Same results, same barrier semantics; on real parallel
 * hardware leave it off. */
#include "th_cluster.h"

static struct {
  uint32_t gen;  /* bumped by core 0 for each fork */
  uint32_t done; /* workers finished with the current fork */
  int32_t n;
  uint32_t bar_count, bar_sense;
  uint32_t sense[TH_MAX_CORES];
  uint32_t turn; /* TH_CL_TURNS: the one core allowed to run */
} amo;

static uint32_t team_mask(int32_t n) { return n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1u; }

static int my_turn(int32_t c) {
#ifdef TH_CL_TURNS
  return __atomic_load_n(&amo.turn, __ATOMIC_ACQUIRE) == (uint32_t)c;
#else
  (void)c;
  return 1;
#endif
}

/* TH_CL_TURNS: core c is done with its phase; the next core of the team runs. */
static void pass_turn(int32_t c, int32_t n) {
#ifdef TH_CL_TURNS
  uint32_t next = (uint32_t)(c + 1) % (uint32_t)n;
  __atomic_store_n(&amo.turn, next, __ATOMIC_RELEASE);
  th_cl_wake(1u << next);
#else
  (void)c;
  (void)n;
#endif
}

#ifndef TH_CL_BOARD_SYNC
void th_cl_sync(int32_t c, int32_t n) {
  uint32_t s = amo.sense[c] ^ 1u;
  amo.sense[c] = s;
  if (__atomic_add_fetch(&amo.bar_count, 1u, __ATOMIC_ACQ_REL) == (uint32_t)n) {
    __atomic_store_n(&amo.bar_count, 0u, __ATOMIC_RELAXED);
    __atomic_store_n(&amo.bar_sense, s, __ATOMIC_RELEASE);
#ifndef TH_CL_TURNS
    th_cl_wake(team_mask(n) & ~(1u << c));
#endif
  }
  pass_turn(c, n);
  while (__atomic_load_n(&amo.bar_sense, __ATOMIC_ACQUIRE) != s || !my_turn(c)) th_cl_relax();
}
#endif

void th_cl_parallel(int32_t n, th_cl_fn fn, void *arg, uint64_t per_core[]) {
  int32_t i;
  if (n < 1) n = 1;
  if (n > TH_MAX_CORES) n = TH_MAX_CORES;
  th_cl_begin(n, fn, arg);
  /* Nobody is inside a barrier now: align every core's sense with the barrier's. */
  for (i = 0; i < TH_MAX_CORES; i++) amo.sense[i] = amo.bar_sense;
  amo.bar_count = 0;
  amo.n = n;
  amo.turn = 0;
  __atomic_store_n(&amo.done, 0u, __ATOMIC_RELAXED);
  if (n > 1) {
    __atomic_add_fetch(&amo.gen, 1u, __ATOMIC_RELEASE);
#ifndef TH_CL_TURNS
    th_cl_wake(team_mask(n) & ~1u);
#endif
  }
  th_cl_body(0);
  if (n > 1) pass_turn(0, n);
  while (__atomic_load_n(&amo.done, __ATOMIC_ACQUIRE) != (uint32_t)(n - 1) || !my_turn(0)) th_cl_relax();
  th_cl_end(per_core);
}

void th_cl_worker(int32_t c) {
  uint32_t seen = __atomic_load_n(&amo.gen, __ATOMIC_ACQUIRE);
  for (;;) {
    uint32_t g;
    while ((g = __atomic_load_n(&amo.gen, __ATOMIC_ACQUIRE)) == seen || (c < amo.n && !my_turn(c))) th_cl_relax();
    seen = g;
    if (c >= amo.n) continue; /* not in this team */
    th_cl_body(c);
    if (__atomic_add_fetch(&amo.done, 1u, __ATOMIC_ACQ_REL) == (uint32_t)(amo.n - 1)) {
#ifndef TH_CL_TURNS
      th_cl_wake(1u);
#endif
    }
    pass_turn(c, amo.n);
  }
}
