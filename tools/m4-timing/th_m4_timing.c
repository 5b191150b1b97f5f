/* th_m4_timing.c - QEMU TCG plugin: Cortex-M4 cycle estimate ("cycles (M4 timing model)") and
 * instruction mix of the Thumb-2 code a qemu-system-arm guest executes.
 *
 * Every translated block is decoded once from its encodings; each execution adds the block's
 * instruction and cycle counts per class (SMLAD family, loads, stores, branches, other). Costs
 * are those of the Cortex-M4 TRM (r0p1, 3.3 "Instruction set summary" and "Load/store timings"),
 * zero wait states:
 *   data processing, MUL/MLA/MLS, long multiplies, every DSP instruction (SMLAD, SMMUL, SXTB16,
 *     SSAT, ...), IT, hints: 1
 *   LDR/LDRB/LDRH/LDRSx: 2, or 1 when it follows a single load whose destination it does not use
 *     as base/offset (pipelined pair); STR... with an immediate offset: 1; with a register offset: 2,
 *     or 1 after a single load; a load/store whose address register the previous data-processing
 *     instruction wrote: +1 (no forwarding path)
 *   LDRD/STRD: 3 (1+N, never pipelined); LDM/STM/PUSH/POP: 1+N
 *   B, BL, BX, BLX, CBZ/CBNZ, B<c>, POP/LDM with PC, MOV/ADD PC: 1, plus the refill P when taken.
 *     Taken or not is read from which block runs next (conditional branches: taken when the next
 *     block does not start right after the branch). P = 2, 3 when the target is a 32-bit
 *     instruction at a halfword (not word) address (the TRM's range is 1..3).
 *   LDR PC: 5 (2 load + 3 reload); TBB/TBH: 6 (2 load + 1 add + 3 reload)
 *   SDIV/UDIV: 2..12 with early termination. The TRM gives the range, not the formula; the model
 *     charges 2 + ceil(q/3) clamped to 12, q = significant bits of the quotient. QEMU 7.2's plugin
 *     API cannot read registers, so operands are known only when set by MOVS/MOVW/MOVT/MOV.W
 *     immediates earlier in the same block; other divides cost div=N (default 12, the bound).
 * Not modelled: exception entry/return, unaligned accesses, flash wait states, bus contention,
 * floating point (all VFP instructions count 1, VLDR/VSTR as loads/stores of 2).
 * This is a Cortex-M4 model only: a Cortex-M7 (dual issue, branch prediction, caches, TCM)
 * needs its own model.
 *
 * Windows: with mark=SYM the plugin counts from one entry of SYM to the next and writes one line
 * per window; with arm=SYM2 too, a window runs from the first SYM after an odd entry of SYM2 to the
 * last SYM before the next (the firmware raises hal_trigger before t0 = hal_counter() and lowers
 * it after t1 = hal_counter(); the per-core counters read hal_counter() in between). Symbols
 * come from elf=PATH (the image QEMU runs). Lines go to out=PATH (appended), else to QEMU's log:
 *   window N insns I cycles C smlad I C load I C store I C branch I C other I C taken T
 * Without mark=, one line of totals is written at exit.
 *
 * The declarations below are written from QEMU's documented plugin API (docs/devel/tcg-plugins,
 * API version 1, as in QEMU 7.2); no QEMU header is used. Build: gcc -shared -fPIC -O2. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- QEMU plugin API (v1) ------------------------------------------------ */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
  const char *target_name;
  struct {
    int min, cur;
  } version;
  bool system_emulation;
  union {
    struct {
      int smp_vcpus, max_vcpus;
    } system;
  };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

#define TH_EXPORT __attribute__((visibility("default")))
TH_EXPORT int qemu_plugin_version = 1;
TH_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

/* ---- model ---------------------------------------------------------------- */
enum { C_SMLAD, C_LOAD, C_STORE, C_BRANCH, C_OTHER, C_N };
static const char *const class_name[C_N] = {"smlad", "load", "store", "branch", "other"};

typedef struct {
  uint64_t insns[C_N], cycles[C_N], taken;
} counts_t;

/* How a block ends, for the refill charged when the next block starts. */
enum { END_FALL, END_ALWAYS, END_COND };

typedef struct {
  uint64_t vaddr, fallthrough;
  uint32_t insns[C_N], cycles[C_N];
  int end;        /* END_* */
  int mark, arm;  /* block starts at the mark / arm symbol */
  int wide_start; /* first instruction is 32-bit (refill P = 3 when also not word aligned) */
} block_t;

static counts_t total, at_open;
static const block_t *last_block;
static int unknown_div_cycles = 12;
static uint64_t mark_addr = UINT64_MAX, arm_addr = UINT64_MAX;
static int have_arm, armed, arm_phase, open_window;
static uint64_t windows;
static FILE *out;

static int popcount16(uint32_t v) { return __builtin_popcount(v & 0xFFFFu); }

/* Modified immediate of 32-bit data-processing instructions (ThumbExpandImm). */
static uint32_t thumb_expand_imm(uint32_t i_imm3_imm8) {
  uint32_t imm8 = i_imm3_imm8 & 0xFF, top = i_imm3_imm8 >> 8;
  if (top < 4) {
    switch (top) {
      case 0: return imm8;
      case 1: return imm8 | imm8 << 16;
      case 2: return imm8 << 8 | imm8 << 24;
      default: return imm8 | imm8 << 8 | imm8 << 16 | imm8 << 24;
    }
  }
  {
    uint32_t rot = i_imm3_imm8 >> 7, v = 0x80 | (imm8 & 0x7F);
    return v >> rot | v << (32 - rot);
  }
}

static int div_cycles(uint32_t n, uint32_t d) {
  int q = 0, c;
  uint32_t quo;
  if (d == 0) return 2;
  quo = n / d;
  while (quo) q++, quo >>= 1;
  c = 2 + (q + 2) / 3;
  return c > 12 ? 12 : c;
}

/* Decoder state within one block. */
typedef struct {
  int prev_load_rt;   /* destination of the previous instruction when it was a single load, else -1 */
  int prev_dp_rd;     /* destination of the previous data-processing instruction, else -1 */
  uint32_t known;     /* registers holding a value set by an immediate in this block */
  uint32_t val[16];
} dstate_t;

static void forget(dstate_t *s, int r) {
  if (r >= 0 && r < 16) s->known &= ~(1u << r);
}

typedef struct {
  int cls, cycles, end; /* end: END_* when the instruction ends the block's straight line */
} icost_t;

/* A single load/store: Rt, Rn, Rm (-1 if none), is_load, immediate offset form. */
static void single_ls(dstate_t *s, icost_t *c, int rt, int rn, int rm, int is_load, int imm_form) {
  int piped = s->prev_load_rt >= 0 && rn != s->prev_load_rt && rm != s->prev_load_rt;
  int stall = s->prev_dp_rd >= 0 && (rn == s->prev_dp_rd || rm == s->prev_dp_rd);
  if (is_load && rt == 15) { /* LDR PC: blocking, 2 + 3 */
    c->cls = C_BRANCH, c->cycles = 5 + stall, c->end = END_FALL;
    return;
  }
  c->cls = is_load ? C_LOAD : C_STORE;
  if (is_load) c->cycles = piped ? 1 : 2;
  else c->cycles = (imm_form || piped) ? 1 : 2;
  c->cycles += stall;
  if (is_load) forget(s, rt);
}

/* Decode one instruction. it_cond: inside an IT block (conditional). Sets s for the next one. */
static icost_t decode(dstate_t *s, const uint8_t *p, size_t size, int it_cond) {
  icost_t c = {C_OTHER, 1, -1};
  uint32_t hw1 = p[0] | p[1] << 8, hw2 = size == 4 ? (uint32_t)(p[2] | p[3] << 8) : 0;
  int load_rt = -1, dp_rd = -1;
  if (size == 2) {
    uint32_t op5 = hw1 >> 11;
    if (op5 <= 0x03) { /* shifts, ADD/SUB register or imm3 */
      dp_rd = hw1 & 7, forget(s, dp_rd);
    } else if (op5 == 0x04) { /* MOVS Rd, #imm8 */
      dp_rd = (hw1 >> 8) & 7;
      s->known |= 1u << dp_rd, s->val[dp_rd] = hw1 & 0xFF;
    } else if (op5 <= 0x07) { /* CMP/ADD/SUB imm8 */
      if (op5 != 0x05) dp_rd = (hw1 >> 8) & 7, forget(s, dp_rd);
    } else if ((hw1 & 0xFC00) == 0x4000) { /* data processing register */
      uint32_t op = (hw1 >> 6) & 0xF;
      if (op != 0x8 && op != 0xA && op != 0xB) dp_rd = hw1 & 7, forget(s, dp_rd);
    } else if ((hw1 & 0xFC00) == 0x4400) { /* special data, BX/BLX */
      uint32_t op = (hw1 >> 8) & 3;
      int rd = (int)(((hw1 >> 4) & 8) | (hw1 & 7));
      if (op == 3) {
        c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
        if (hw1 & 0x80) forget(s, 14);
      } else if (op != 1 && rd == 15) {
        c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
      } else if (op != 1) {
        dp_rd = rd, forget(s, rd);
      }
    } else if (op5 == 0x09) { /* LDR literal */
      int rt = (hw1 >> 8) & 7;
      single_ls(s, &c, rt, 15, -1, 1, 1), load_rt = rt;
    } else if ((hw1 & 0xF000) == 0x5000) { /* load/store register offset */
      uint32_t opb = (hw1 >> 9) & 7;
      int rt = hw1 & 7, rn = (hw1 >> 3) & 7, rm = (hw1 >> 6) & 7, ld = opb >= 3;
      single_ls(s, &c, rt, rn, rm, ld, 0);
      if (ld) load_rt = rt;
    } else if (op5 >= 0x0C && op5 <= 0x13) { /* LDR/STR(B/H) imm5, SP-relative */
      int ld = (hw1 >> 11) & 1, rt, rn;
      if (op5 >= 0x12) rt = (hw1 >> 8) & 7, rn = 13;
      else rt = hw1 & 7, rn = (hw1 >> 3) & 7;
      single_ls(s, &c, rt, rn, -1, ld, 1);
      if (ld) load_rt = rt;
    } else if (op5 == 0x14 || op5 == 0x15) { /* ADR, ADD Rd, SP, #imm */
      dp_rd = (hw1 >> 8) & 7, forget(s, dp_rd);
    } else if ((hw1 & 0xF000) == 0xB000) { /* miscellaneous */
      if ((hw1 & 0xF500) == 0xB100) { /* CBZ/CBNZ */
        c.cls = C_BRANCH, c.end = END_COND;
      } else if ((hw1 & 0xFE00) == 0xB400) { /* PUSH */
        c.cls = C_STORE, c.cycles = 1 + popcount16((hw1 & 0xFF) | ((hw1 & 0x100) << 6));
      } else if ((hw1 & 0xFE00) == 0xBC00) { /* POP */
        int n = popcount16((hw1 & 0xFF) | ((hw1 & 0x100) << 7));
        c.cycles = 1 + n;
        if (hw1 & 0x100) c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
        else c.cls = C_LOAD;
        s->known = 0;
      } else if ((hw1 & 0xFF00) == 0xB200 || (hw1 & 0xFF00) == 0xBA00) { /* extend, REV */
        dp_rd = hw1 & 7, forget(s, dp_rd);
      } else if ((hw1 & 0xFF00) == 0xB000) { /* ADD/SUB SP, #imm */
        dp_rd = 13;
      }
      /* IT and hints: 1 cycle, other */
    } else if ((hw1 & 0xF000) == 0xC000) { /* STM / LDM */
      int n = popcount16(hw1 & 0xFF);
      c.cls = (hw1 & 0x800) ? C_LOAD : C_STORE, c.cycles = 1 + n;
      if (hw1 & 0x800) s->known = 0;
    } else if ((hw1 & 0xF000) == 0xD000) { /* B<c>, UDF, SVC */
      uint32_t cond = (hw1 >> 8) & 0xF;
      if (cond < 0xE) c.cls = C_BRANCH, c.end = END_COND;
    } else if (op5 == 0x1C) { /* B */
      c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
    }
  } else {
    uint32_t op1 = (hw1 >> 11) & 3;
    int rn = hw1 & 0xF, rt = (int)(hw2 >> 12), rd = (int)((hw2 >> 8) & 0xF);
    if (op1 == 1) {
      if ((hw1 & 0xFE40) == 0xE800) { /* load/store multiple */
        int ld = (hw1 >> 4) & 1, n = popcount16(hw2);
        c.cls = ld ? C_LOAD : C_STORE, c.cycles = 1 + n;
        if (ld) {
          s->known = 0;
          if (hw2 & 0x8000) c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
        }
      } else if ((hw1 & 0xFE40) == 0xE840) { /* dual, exclusive, table branch */
        if ((hw1 & 0xFFF0) == 0xE8D0 && (hw2 & 0xFFE0) == 0xF000) { /* TBB/TBH */
          c.cls = C_BRANCH, c.cycles = 6, c.end = END_FALL; /* refill already in the 6 */
        } else if ((hw1 & 0xFFE0) == 0xE840) { /* LDREX/STREX: as LDR / pipelinable */
          int ld = (hw1 >> 4) & 1;
          single_ls(s, &c, ld ? rt : rd, rn, -1, ld, 1);
          c.cycles = c.cycles < 2 && !ld ? 2 : c.cycles;
          if (ld) load_rt = rt;
        } else if ((hw1 & 0xFFE0) == 0xE8C0) { /* LDREXB/H, STREXB/H */
          int ld = (hw1 >> 4) & 1;
          single_ls(s, &c, rt, rn, -1, ld, 1);
          if (ld) load_rt = rt;
        } else { /* LDRD/STRD */
          int ld = (hw1 >> 4) & 1;
          c.cls = ld ? C_LOAD : C_STORE, c.cycles = 3;
          if (s->prev_dp_rd >= 0 && rn == s->prev_dp_rd) c.cycles++;
          if (ld) forget(s, rt), forget(s, rd);
        }
      } else if ((hw1 & 0xEE00) == 0xEC00) { /* coprocessor / FP load-store */
        int ld = (hw1 >> 4) & 1;
        c.cls = ld ? C_LOAD : C_STORE, c.cycles = 2;
      } else if ((hw1 & 0xFE00) == 0xEA00) { /* data processing, shifted register */
        uint32_t op = (hw1 >> 5) & 0xF;
        int s_bit = (hw1 >> 4) & 1;
        if (!(rd == 15 && s_bit) && !(op == 0x6)) {
          if (rd == 15) c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
          else dp_rd = rd, forget(s, rd);
        } else if (op == 0x6) { /* PKHBT/PKHTB */
          dp_rd = rd, forget(s, rd);
        }
      }
    } else if (op1 == 2) {
      if (!(hw2 & 0x8000)) { /* data processing, immediate */
        if ((hw1 & 0xFBF0) == 0xF240) { /* MOVW */
          uint32_t v = ((hw1 & 0xF) << 12) | ((hw1 & 0x400) << 1) | ((hw2 >> 4) & 0x700) | (hw2 & 0xFF);
          s->known |= 1u << rd, s->val[rd] = v, dp_rd = rd;
        } else if ((hw1 & 0xFBF0) == 0xF2C0) { /* MOVT */
          uint32_t v = ((hw1 & 0xF) << 12) | ((hw1 & 0x400) << 1) | ((hw2 >> 4) & 0x700) | (hw2 & 0xFF);
          if (s->known & (1u << rd)) s->val[rd] = (s->val[rd] & 0xFFFF) | v << 16;
          dp_rd = rd;
        } else if ((hw1 & 0xFBEF) == 0xF04F) { /* MOV.W Rd, #const */
          uint32_t i3i8 = ((hw1 & 0x400) << 1) | ((hw2 >> 4) & 0x700) | (hw2 & 0xFF);
          s->known |= 1u << rd, s->val[rd] = thumb_expand_imm(i3i8), dp_rd = rd;
        } else if (rd != 15) {
          dp_rd = rd, forget(s, rd);
        }
      } else { /* branches and miscellaneous control */
        uint32_t op = (hw2 >> 12) & 7;
        if (op & 1) { /* B.W (T4), BL */
          c.cls = C_BRANCH, c.end = it_cond ? END_COND : END_ALWAYS;
          if (op & 4) forget(s, 14);
        } else if (((hw1 >> 6) & 0xE) != 0xE) { /* B<c>.W (T3) */
          c.cls = C_BRANCH, c.end = END_COND;
        }
        /* MSR/MRS, hints, barriers: 1 */
      }
    } else { /* op1 == 3 */
      if ((hw1 & 0xFE00) == 0xF800) { /* load/store single */
        int ld = (hw1 >> 4) & 1, size_bits = (hw1 >> 5) & 3, rm = -1, imm_form = 1;
        if (!(hw1 & 0x80) && rn != 15 && (hw2 & 0xFC0) == 0) rm = (int)(hw2 & 0xF), imm_form = 0;
        if (ld && rt == 15 && size_bits != 2) { /* PLD/PLI */
          c.cls = C_OTHER, c.cycles = 1;
        } else {
          single_ls(s, &c, rt, rn, rm, ld, imm_form);
          if (ld && rt != 15) load_rt = rt;
          if (c.end == END_FALL) c.end = it_cond ? END_COND : END_ALWAYS; /* LDR PC */
        }
      } else if ((hw1 & 0xFF00) == 0xFA00) { /* data processing, register (extend, SIMD add, ...) */
        dp_rd = rd, forget(s, rd);
      } else if ((hw1 & 0xFF80) == 0xFB00) { /* multiply, multiply-accumulate, DSP MACs */
        uint32_t op = (hw1 >> 4) & 7;
        if (op == 2 || op == 4) c.cls = C_SMLAD; /* SMLAD/SMUAD(X), SMLSD/SMUSD(X) */
        dp_rd = rd, forget(s, rd);
      } else if ((hw1 & 0xFF80) == 0xFB80) { /* long multiply, divide */
        uint32_t op = (hw1 >> 4) & 7;
        if (op == 1 || op == 3) { /* SDIV, UDIV */
          int rm = (int)(hw2 & 0xF);
          if ((s->known & (1u << rn)) && (s->known & (1u << rm))) {
            uint32_t n = s->val[rn], d = s->val[rm];
            if (op == 1) n = (int32_t)n < 0 ? 0u - n : n, d = (int32_t)d < 0 ? 0u - d : d;
            c.cycles = div_cycles(n, d);
          } else {
            c.cycles = unknown_div_cycles;
          }
          dp_rd = rd, forget(s, rd);
        } else {
          forget(s, rt), forget(s, rd);
        }
      }
      /* coprocessor / FP data processing: 1 */
    }
  }
  if (c.cls == C_BRANCH) s->known &= ~(1u << 15);
  s->prev_load_rt = load_rt;
  s->prev_dp_rd = dp_rd == 15 ? -1 : dp_rd;
  return c;
}

/* ---- windows and output -------------------------------------------------- */

static void emit(const char *tag, const counts_t *a, const counts_t *b) {
  char line[512];
  int n, k;
  uint64_t ti = 0, tc = 0;
  for (k = 0; k < C_N; k++) ti += a->insns[k] - b->insns[k], tc += a->cycles[k] - b->cycles[k];
  n = snprintf(line, sizeof line, "%s insns %llu cycles %llu", tag, (unsigned long long)ti,
               (unsigned long long)tc);
  for (k = 0; k < C_N; k++)
    n += snprintf(line + n, sizeof line - (size_t)n, " %s %llu %llu", class_name[k],
                  (unsigned long long)(a->insns[k] - b->insns[k]),
                  (unsigned long long)(a->cycles[k] - b->cycles[k]));
  snprintf(line + n, sizeof line - (size_t)n, " taken %llu\n", (unsigned long long)(a->taken - b->taken));
  if (out) {
    fputs(line, out);
    fflush(out);
  } else {
    qemu_plugin_outs(line);
  }
}

/* mark= alone: windows from one mark to the next. With arm=: the window runs from the first mark
 * after the odd (raising) arm call to the last mark before the even (lowering) one, i.e. t0..t1
 * of th_run.c, whatever hal_counter() calls sit between (the per-core counters). */
static counts_t at_last_mark;
static int marks_in_window;

static void close_window(const counts_t *end) {
  char tag[48];
  snprintf(tag, sizeof tag, "window %llu", (unsigned long long)++windows);
  emit(tag, end, &at_open);
}

static void on_mark(void) {
  if (have_arm) {
    if (!armed) return;
    if (!open_window) open_window = 1, at_open = total, marks_in_window = 0;
    else at_last_mark = total, marks_in_window++;
    return;
  }
  if (!open_window) {
    open_window = 1, at_open = total;
  } else {
    open_window = 0;
    close_window(&total);
  }
}

static void on_arm(void) {
  arm_phase ^= 1, armed = arm_phase;
  if (!armed) {
    if (open_window && marks_in_window > 0) close_window(&at_last_mark);
    open_window = 0;
  }
}

static void on_exec(unsigned int vcpu, void *ud) {
  const block_t *b = (const block_t *)ud;
  int k;
  (void)vcpu;
  if (last_block && last_block->end != END_FALL) {
    int taken = last_block->end == END_ALWAYS || b->vaddr != last_block->fallthrough;
    if (taken) {
      total.cycles[C_BRANCH] += 2 + (b->wide_start && (b->vaddr & 2));
      total.taken++;
    }
  }
  last_block = b;
  if (b->arm) on_arm(); /* hal_trigger(1) and hal_trigger(0) alternate */
  if (b->mark) on_mark();
  for (k = 0; k < C_N; k++) total.insns[k] += b->insns[k], total.cycles[k] += b->cycles[k];
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  size_t n = qemu_plugin_tb_n_insns(tb), i;
  block_t *b = (block_t *)calloc(1, sizeof *b); /* lives as long as QEMU may run the block */
  dstate_t s;
  int it_left = 0;
  (void)id;
  if (!b) return;
  memset(&s, 0, sizeof s);
  s.prev_load_rt = s.prev_dp_rd = -1;
  b->vaddr = qemu_plugin_tb_vaddr(tb);
  b->mark = b->vaddr == mark_addr;
  b->arm = b->vaddr == arm_addr;
  b->end = END_FALL;
  for (i = 0; i < n; i++) {
    const struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    size_t sz = qemu_plugin_insn_size(insn);
    const uint8_t *p = (const uint8_t *)qemu_plugin_insn_data(insn);
    icost_t c;
    int in_it = it_left > 0;
    if (i == 0) b->wide_start = sz == 4;
    if (sz != 2 && sz != 4) {
      c.cls = C_OTHER, c.cycles = 1, c.end = -1;
    } else {
      c = decode(&s, p, sz, in_it);
    }
    if (in_it) it_left--;
    if (sz == 2 && (p[1] == 0xBF) && (p[0] & 0x0F)) { /* IT: block length from the mask */
      uint32_t mask = p[0] & 0xF;
      it_left = mask & 1 ? 4 : mask & 2 ? 3 : mask & 4 ? 2 : 1;
    }
    b->insns[c.cls]++;
    b->cycles[c.cls] += (uint32_t)c.cycles;
    if (c.end >= 0 && i + 1 == n) {
      b->end = c.end;
      b->fallthrough = qemu_plugin_insn_vaddr(insn) + sz;
    }
  }
  qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void on_atexit(qemu_plugin_id_t id, void *ud) {
  counts_t zero;
  (void)id, (void)ud;
  if (mark_addr == UINT64_MAX) {
    memset(&zero, 0, sizeof zero);
    emit("total", &total, &zero);
  }
  if (out) fclose(out), out = NULL;
}

/* ---- ELF32 symbol lookup (the image QEMU runs) --------------------------- */

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t rd16(const uint8_t *p) { return p[0] | p[1] << 8; }

/* Address of a function symbol (Thumb bit cleared), or UINT64_MAX; *err set on a bad file. */
static uint64_t elf_symbol(const char *path, const char *name, const char **err) {
  FILE *f = fopen(path, "rb");
  uint8_t *d;
  long len;
  uint64_t r = UINT64_MAX;
  uint32_t shoff, shentsize, shnum, i;
  if (!f) {
    *err = "cannot open elf";
    return r;
  }
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  d = (uint8_t *)malloc((size_t)len);
  if (!d || fread(d, 1, (size_t)len, f) != (size_t)len || len < 52 || memcmp(d, "\177ELF\1\1", 6) != 0) {
    *err = "not a little-endian ELF32 file";
    free(d), fclose(f);
    return r;
  }
  fclose(f);
  shoff = rd32(d + 32), shentsize = rd16(d + 46), shnum = rd16(d + 48);
  for (i = 0; i < shnum && (uint64_t)shoff + (uint64_t)(i + 1) * shentsize <= (uint64_t)len; i++) {
    const uint8_t *sh = d + shoff + i * shentsize, *str;
    uint32_t off, size, link, entsize, j;
    if (rd32(sh + 4) != 2) continue; /* SHT_SYMTAB */
    off = rd32(sh + 16), size = rd32(sh + 20), link = rd32(sh + 24), entsize = rd32(sh + 36);
    if (link >= shnum || entsize < 16 || (uint64_t)off + size > (uint64_t)len) continue;
    {
      const uint8_t *ssh = d + shoff + link * shentsize;
      uint32_t soff = rd32(ssh + 16), ssize = rd32(ssh + 20);
      if ((uint64_t)soff + ssize > (uint64_t)len) continue;
      str = d + soff;
      for (j = 0; j + entsize <= size; j += entsize) {
        const uint8_t *sym = d + off + j;
        uint32_t nm = rd32(sym);
        if (nm < ssize && (sym[12] & 0xF) == 2 /* STT_FUNC */ &&
            strncmp((const char *)str + nm, name, ssize - nm) == 0) {
          r = rd32(sym + 4) & ~1u;
          break;
        }
      }
    }
    if (r != UINT64_MAX) break;
  }
  free(d);
  return r;
}

/* Install errors go to stderr: QEMU's log (qemu_plugin_outs) is off unless -d plugin. */
static void say(const char *msg) { fputs(msg, stderr); }

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  const char *elf = NULL, *mark = NULL, *arm = NULL, *outp = NULL, *err = NULL;
  int i;
  if (!info->system_emulation || strcmp(info->target_name, "arm") != 0) {
    say("th_m4_timing: needs qemu-system-arm (Cortex-M, Thumb-2)\n");
    return -1;
  }
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "elf=", 4) == 0) elf = a + 4;
    else if (strncmp(a, "mark=", 5) == 0) mark = a + 5;
    else if (strncmp(a, "arm=", 4) == 0) arm = a + 4;
    else if (strncmp(a, "out=", 4) == 0) outp = a + 4;
    else if (strncmp(a, "div=", 4) == 0) unknown_div_cycles = atoi(a + 4);
    else {
      char msg[256];
      snprintf(msg, sizeof msg, "th_m4_timing: unknown argument \"%s\" (elf=, mark=, arm=, out=, div=)\n", a);
      say(msg);
      return -1;
    }
  }
  if (unknown_div_cycles < 2 || unknown_div_cycles > 12) {
    say("th_m4_timing: div= must be 2..12 (the TRM's divide range)\n");
    return -1;
  }
  if ((mark || arm) && !elf) {
    say("th_m4_timing: mark=/arm= need elf=PATH to find the symbols\n");
    return -1;
  }
  if (mark) {
    mark_addr = elf_symbol(elf, mark, &err);
    if (mark_addr == UINT64_MAX) {
      char msg[512];
      snprintf(msg, sizeof msg, "th_m4_timing: symbol \"%s\" not found in %s%s%s\n", mark, elf, err ? ": " : "", err ? err : "");
      say(msg);
      return -1;
    }
  }
  if (arm) {
    arm_addr = elf_symbol(elf, arm, &err);
    have_arm = 1;
    if (arm_addr == UINT64_MAX) {
      char msg[512];
      snprintf(msg, sizeof msg, "th_m4_timing: symbol \"%s\" not found in %s\n", arm, elf);
      say(msg);
      return -1;
    }
  }
  if (outp) {
    out = fopen(outp, "a");
    if (!out) {
      say("th_m4_timing: cannot open out= file\n");
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
  qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
  return 0;
}
