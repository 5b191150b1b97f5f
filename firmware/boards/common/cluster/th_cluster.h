/* th_cluster.h - fork / join / barrier and per-core counting for multi-core boards, shared by
 * qemu-rv32 (harts of QEMU virt) and gap9 (PMSIS cluster). Portable C99 + GCC __atomic builtins.
 *
 * What a run reports (docs/protocol.md, RUN reply):
 *   work[c]   - core c's own counter over its slice, minus the time it spent inside barriers;
 *   wait[c]   - sum over the run's phases (the stretches between barriers) of
 *               (slowest core's work in that phase - core c's work in it): what core c waits at
 *               barriers when every core advances one count per unit of time (lockstep);
 *   critical  - sum over phases of the slowest core's work: the run's length on such a machine.
 * So work[c] + wait[c] == critical for every core. On QEMU the harts run one after another
 * (-icount, round-robin), so the time a hart spends waiting says nothing about parallel time;
 * the lockstep figures above are exact and deterministic there, and on a real cluster they
 * isolate the load imbalance from barrier latency (which the total counter still contains). */
#ifndef TH_CLUSTER_H
#define TH_CLUSTER_H

#include <stdint.h>

#include "tinyhil.h"

/* ---- board hooks (firmware/boards/<board>/) ---- */
/* The calling core's own free-running counter (per core: minstret of this hart, a per-core
 * performance counter on GAP9). Cores' counters need not agree with each other. */
uint64_t th_cl_counter(void);
/* Index of the calling core in the team, 0..TH_MAX_CORES-1. */
int32_t th_cl_core_id(void);
/* A waiting core idles until th_cl_wake names it (or returns at once: spurious returns are fine). */
void th_cl_relax(void);
/* Ends th_cl_relax on the cores whose bits are set in mask (bit c = core c). */
void th_cl_wake(uint32_t mask);

/* ---- portable part (th_cluster.c) ---- */
typedef void (*th_cl_fn)(int32_t core_id, void *arg);

/* Before a fork: the job and the number of cores (1..TH_MAX_CORES). Run by the forking core. */
void th_cl_begin(int32_t n_cores, th_cl_fn fn, void *arg);
/* What every core of the team runs (core_id 0..n_cores-1): counts its slice around fn. */
void th_cl_body(int32_t core_id);
/* After the join: closes the last phase, writes work[] (per_core may be NULL) and keeps the
 * waits and critical path for th_cl_last. */
void th_cl_end(uint64_t per_core[]);
/* The barrier the kernels call (hal_barrier): counts, synchronises, counts. */
void th_cl_barrier(void);
/* The waits and critical path of the last run (n_cores entries). */
void th_cl_last(uint64_t wait[], uint64_t *critical);

/* Fork/join on shared memory and atomics (qemu-rv32). Core 0 is the caller; cores 1..n-1 sit in
 * th_cl_worker. gap9 forks with pi_cl_team_fork instead and does not use these two. */
void th_cl_parallel(int32_t n_cores, th_cl_fn fn, void *arg, uint64_t per_core[]);
/* The loop of a worker core (never returns). */
void th_cl_worker(int32_t core_id);

/* The synchronisation of th_cl_barrier: a sense-reversing barrier on atomics by default; a board
 * with a hardware barrier (GAP9's event unit, pi_cl_team_barrier) defines TH_CL_BOARD_SYNC and
 * provides th_cl_sync. */
void th_cl_sync(int32_t core_id, int32_t n_cores);

#endif /* TH_CLUSTER_H */
