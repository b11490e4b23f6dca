/* fuzz_grug: libFuzzer target for the GRUG reader.
 *
 * The reader takes a file name (igraph reads GraphML from a FILE *), so each
 * input is written to a private temporary file first.  Oracle: the reader
 * either fails with a message naming the file, or returns a finalized graph
 * whose every vertex is reachable from a root through its parents.
 *
 * Inputs with a number of 5 digits or more are skipped: a recipe is a
 * program, and multi_scale 99999 legitimately builds graphs far larger than
 * a fuzzing run can afford.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resource/reader.h"
#include "test/fuzz/fuzz_file.h"

static bool too_big(const uint8_t *data, size_t size)
{
    size_t run = 0;
    for (size_t i = 0; i < size; i++) {
        run = isdigit(data[i]) ? run + 1 : 0;
        if (run >= 5)
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (too_big(data, size))
        return 0;
    const char *path = fuzz_file_write("grug", data, size);
    if (!path)
        return 0;
    struct st_error err = {{0}};
    graph_t *g = reader_grug_load(path, &err);
    if (g)
        fuzz_check_graph(g);
    else if (strncmp(err.text, path, strlen(path)) != 0)
        abort(); /* every failure names the file */
    graph_destroy(g);
    return 0;
}
