/* libFuzzer target for the R (rv1exec) reader, with the idset and hostlist
 * codecs it relies on.
 *
 * Any input must parse or fail cleanly with a message.  What parses must
 * round-trip: every rank set re-encodes to text that decodes to the same
 * set, and the nodelist re-encodes to text that decodes to the same hosts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/reader.h"
#include "test/fuzz/fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_idset(const idset_t *s)
{
    char *text = idset_encode(s);
    idset_t *again = text ? idset_decode(text, NULL) : NULL;
    if (!again || !idset_equal(s, again))
        abort();
    idset_destroy(again);
    free(text);
}

static void check_hostlist(const hostlist_t *hl)
{
    char *text = hostlist_encode(hl);
    hostlist_t *again = text ? hostlist_decode(text, NULL) : NULL;
    if (!again || hostlist_count(again) != hostlist_count(hl))
        abort();
    for (size_t i = 0; i < hostlist_count(hl); i++) {
        if (strcmp(hostlist_nth(hl, i), hostlist_nth(again, i)) != 0)
            abort();
    }
    hostlist_destroy(again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct st_error err = { { 0 } };
    struct reader_rv1 *r = reader_rv1_parse(text, "fuzz", &err);
    if (!r) {
        if (!err.text[0])
            abort();
        free(text);
        return 0;
    }
    check_idset(r->all_ranks);
    for (int i = 0; i < r->nentries; i++) {
        check_idset(r->entries[i].ranks);
        for (int k = 0; k < r->entries[i].nchildren; k++)
            check_idset(r->entries[i].child_ids[k]);
    }
    check_hostlist(r->nodelist);
    graph_t *g = reader_rv1exec_parse(text, "fuzz", &err);
    if (!g && !err.text[0])
        abort();
    graph_destroy(g);
    reader_rv1_destroy(r);
    free(text);
    return 0;
}
