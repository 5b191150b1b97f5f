/* th_fw.h - the firmware core: frame decoding, request dispatch, kernel runs (docs/protocol.md).
 * Board-independent; talks to the board through hal.h only. No malloc: static buffers. */
#ifndef TH_FW_H
#define TH_FW_H

#include <stdint.h>

/* Largest decoded frame the buffers hold (header + payload + CRC). Two buffers of this size
 * are static; a small board may define it lower (>= 256) for the whole build. */
#ifndef TH_FW_MAX_FRAME
#define TH_FW_MAX_FRAME 4352
#endif

/* Largest RUN repeat accepted (REPEAT_LIMIT above) unless hal_board.max_repeat says otherwise;
 * sent in HELLO. Bounds how long one RUN keeps the board busy when nobody sends ABORT. The
 * fuzzer lowers it to stay fast. */
#ifndef TH_FW_MAX_REPEAT
#define TH_FW_MAX_REPEAT 1000000u
#endif

#define TH_FW_VERSION_STRING "0.1.0"

/* Board's own frame limit, offered in HELLO; clamped to 256..TH_FW_MAX_FRAME.
 * Kept across th_fw_init (call it before). Default TH_FW_MAX_FRAME. */
void th_fw_set_max_frame(uint32_t bytes);
/* Clears all protocol state (decoder, max_frame back to 256, reply cache, last RUN) and
 * takes the arena from hal_arena(). Does not call hal_init nor touch the arena's bytes. */
void th_fw_init(void);
/* Sends 0x00 then the BOOT frame. */
void th_fw_send_boot(void);
/* Consumes every pending byte (hal_getc until -1), answering each complete frame. Never blocks. */
void th_fw_poll(void);
/* hal_init + th_fw_init + th_fw_send_boot, then poll / hal_idle forever. */
void th_fw_main(void);

/* The board's RUN repeat limit: hal_board.max_repeat, or TH_FW_MAX_REPEAT when that is 0. */
uint32_t th_fw_max_repeat(void);
/* The max_frame in force (256 until HELLO). */
uint32_t th_fw_max_frame(void);

#endif /* TH_FW_H */
