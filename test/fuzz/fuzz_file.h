/* fuzz_file.h: what the fuzz targets of file readers share — the input
 * written to a private temporary file (the readers take a path), and the
 * oracle for a graph a reader returned.
 */
#ifndef STRATA_FUZZ_FILE_H
#define STRATA_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "resource/graph.h"

/* Write data to this process's temporary file named after tag (removed at
 * exit); its path, or NULL if it cannot be written. */
const char *fuzz_file_write(const char *tag, const uint8_t *data, size_t size);

/* Abort unless every vertex of g has a parent or is a root in some
 * subsystem. */
void fuzz_check_graph(const graph_t *g);

#endif
