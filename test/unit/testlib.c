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

void tl_check_walk(int64_t first, int err, const int64_t *seq, int64_t (*next)(void *ctx),
                   void *ctx, int c)
{
    int64_t t = first;

    ck_assert_ptr_nonnull(seq);
    ck_assert_msg(next != NULL, "tl_check_walk: next is NULL");
    if (err) {
        ck_assert_int_eq(t, -1);
        ck_assert_int_eq(errno, err);
        errno = 0;
        ck_assert_int_eq(next(ctx), -1);
        ck_assert_int_eq(errno, ENOENT);
        return;
    }
    for (int k = 0;; k++) {
        ck_assert_msg(t == seq[k], "case %d step %d: got %lld want %lld", c, k, (long long) t,
                      (long long) seq[k]);
        if (t < 0) {
            ck_assert_int_eq(errno, ENOENT);
            break;
        }
        errno = 0;
        t = next(ctx);
    }
}

static uint64_t rng_state;

void tl_rand_seed(uint64_t seed)
{
    rng_state = seed;
}

int64_t tl_rand(int64_t n)
{
    if (n <= 0)
        return 0;
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int64_t) ((rng_state >> 33) % (uint64_t) n);
}
