/* test/unit/testlib.c: see testlib.h. */
#include <stdio.h>
#include <stdlib.h>

#include "test/unit/testlib.h"

const char *tl_conformance_path(const char *rel)
{
    static char buf[4][4096];
    static unsigned next;
    const char *dir = getenv("STRATA_CONFORMANCE");
    char *b = buf[next++ % 4];
    snprintf(b, sizeof(buf[0]), "%s/data/resource/%s", dir ? dir : "../shared/conformance", rel);
    return b;
}

int tl_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
