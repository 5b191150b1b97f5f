/* hal_host.h - host-sim settings the command line sets before hal_init, and its pty. */
#ifndef HAL_HOST_H
#define HAL_HOST_H

#include <stdint.h>

extern uint32_t host_arena_bytes;       /* --arena, default 8 MiB */
extern volatile int host_stop;          /* set by SIGTERM / SIGINT */
/* Slave path of the pty hal_init opened ("" before). */
const char *host_pty_path(void);
/* Closes the pty and frees the arena. */
void host_shutdown(void);

#endif /* HAL_HOST_H */
