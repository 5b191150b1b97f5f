/* th_crc32.c - table-driven CRC-32 (1 KiB const table, lives in flash on MCUs). */
#include "th_crc32.h"

static uint32_t crc_table[256];
static int crc_ready;

/* Built on first use rather than as a 256-entry literal: small source, same speed. */
static void crc_init(void) {
  uint32_t n, k, c;
  for (n = 0; n < 256; n++) {
    c = n;
    for (k = 0; k < 8; k++) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
  crc_ready = 1;
}

uint32_t th_crc32(uint32_t crc, const uint8_t *data, size_t len) {
  size_t i;
  if (!crc_ready) crc_init();
  crc = ~crc;
  for (i = 0; i < len; i++) crc = crc_table[(crc ^ data[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}
