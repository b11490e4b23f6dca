/* libFuzzer target for the JGF reader.
 *
 * Any input must parse or fail cleanly with a message (sanitizers catch the
 * rest).  A document that parses into records must also either load as a
 * graph or be refused with a message, and a loaded graph must hold one
 * vertex per record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/reader.h"
#include "test/fuzz/fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct st_error err = { { 0 } };
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "fuzz", &err);
    if (!doc) {
        if (!err.text[0])
            abort();
        free(text);
        return 0;
    }
    graph_t *g = reader_jgf_parse(text, "fuzz", &err);
    if (g) {
        if (graph_live_vertex_count(g) != (int32_t) doc->nvertices)
            abort();
        graph_destroy(g);
    } else if (!err.text[0]) {
        abort();
    }
    reader_jgf_doc_destroy(doc);
    free(text);
    return 0;
}
