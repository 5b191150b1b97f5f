/* th_graph.h - the GRAPH request handler of the firmware core (internal). */
#ifndef TH_GRAPH_H
#define TH_GRAPH_H

#include <stdint.h>

/* Checks the GRAPH payload p[0..n) (docs/protocol.md, GRAPH) node by node against the arena,
 * then runs the node list `repeat` times; builds the reply (or ERROR) in th_out. */
void th_graph(const uint8_t *p, uint32_t n, uint8_t *arena, uint32_t arena_bytes);

#endif /* TH_GRAPH_H */
