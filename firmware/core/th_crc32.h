/* th_crc32.h - CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) for frames and arena regions. */
#ifndef TH_CRC32_H
#define TH_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: pass 0 to start, then the previous result for the next chunk. */
uint32_t th_crc32(uint32_t crc, const uint8_t *data, size_t len);

#endif /* TH_CRC32_H */
