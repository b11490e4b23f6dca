/* test/unit/testlib.h: what every Check program here needs — where the
 * shared conformance data is, a main() that runs one suite, the errno
 * assertions, a first/next walk check and a seeded random generator.
 *
 * Linked into every unit test (test/meson.build).
 */
#ifndef STRATA_TESTLIB_H
#define STRATA_TESTLIB_H

#include <check.h>
#include <errno.h>
#include <stdint.h>

/* Path of rel below the conformance data's resource folder
 * ($STRATA_CONFORMANCE/data/resource/rel, or ../shared/conformance/... when
 * unset).  The string lives until the fourth next call. */
const char *tl_conformance_path(const char *rel);

/* Run suite s (taking it), print Check's summary; the exit status for
 * main: EXIT_SUCCESS when every test passed. */
int tl_run(Suite *s);

/* Assert that expr gives -1 and sets errno to err.  errno is cleared first
 * so that a value left by an earlier call cannot pass; a macro so that
 * Check reports the caller's line and expression. */
#define TL_ASSERT_ERRNO(expr, err)                                                             \
    do {                                                                                       \
        errno = 0;                                                                             \
        ck_assert_int_eq((expr), -1);                                                          \
        ck_assert_int_eq(errno, (err));                                                        \
    } while (0)

/* The same for a call that returns a pointer: NULL with errno err. */
#define TL_ASSERT_NULL_ERRNO(expr, err)                                                        \
    do {                                                                                       \
        errno = 0;                                                                             \
        ck_assert_ptr_null((expr));                                                            \
        ck_assert_int_eq(errno, (err));                                                        \
    } while (0)

/* Check a first/next walk (planner_avail_time_first and _next, say).
 * first is what the walk's first call returned, with errno cleared before
 * it.  When err is not 0 the first call must have failed with errno err,
 * and next(ctx) must then fail with ENOENT (no walk to go on with).
 * Otherwise seq lists what the walk must give, first and then each
 * next(ctx) in turn, ending with -1, where errno must be ENOENT.  c names
 * the case in a failure's message.  A NULL seq or next fails the test. */
void tl_check_walk(int64_t first, int err, const int64_t *seq, int64_t (*next)(void *ctx),
                   void *ctx, int c);

/* A small deterministic generator for randomized cross-checks, so that a
 * failing case can be rerun: tl_rand_seed() starts a sequence, tl_rand(n)
 * gives its next value in [0, n), or 0 without advancing when n <= 0.  One
 * sequence per process. */
void tl_rand_seed(uint64_t seed);
int64_t tl_rand(int64_t n);

#endif
