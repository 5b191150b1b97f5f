/* th_calib.h - the CALIBRATE request handler of the firmware core (internal). */
#ifndef TH_CALIB_H
#define TH_CALIB_H

#include <stdint.h>

/* Builds the CALIBRATE reply (or ERROR) in th_out for the payload p[0..n). */
void th_calibrate(const uint8_t *p, uint32_t n);

#endif /* TH_CALIB_H */
