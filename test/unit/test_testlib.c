/* Unit tests for test/unit/testlib: the helpers the other tests assert
 * with must pass what is right and fail what is wrong.  The failing cases
 * run in an inner suite whose failures are counted. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "test/unit/testlib.h"

static int fail_einval(void)
{
    errno = EINVAL;
    return -1;
}

static int ok_zero(void)
{
    return 0;
}

static void *null_enoent(void)
{
    errno = ENOENT;
    return NULL;
}

/* A walk over {3, 5}: next gives 5, then -1 with ENOENT. */
static int64_t next_in(void *ctx)
{
    int *pos = ctx;
    static const int64_t after[] = {5, -1};
    if (*pos >= 1) {
        errno = ENOENT;
        return -1;
    }
    return after[(*pos)++];
}

/* ---- inner cases: each of these must fail -------------------------------- */

START_TEST(bad_wrong_errno)
{
    TL_ASSERT_ERRNO(fail_einval(), ENOENT);
}
END_TEST

START_TEST(bad_no_failure)
{
    TL_ASSERT_ERRNO(ok_zero(), 0);
}
END_TEST

START_TEST(bad_stale_errno)
{
    /* errno EINVAL before the call must not count for it. */
    errno = EINVAL;
    TL_ASSERT_ERRNO(ok_zero() - 1, EINVAL);
}
END_TEST

START_TEST(bad_null_errno)
{
    TL_ASSERT_NULL_ERRNO(null_enoent(), EINVAL);
}
END_TEST

START_TEST(bad_walk_value)
{
    static const int64_t seq[] = {3, 6, -1};
    int pos = 0;
    errno = 0;
    tl_check_walk(3, 0, seq, next_in, &pos, 0);
}
END_TEST

START_TEST(bad_walk_short)
{
    static const int64_t seq[] = {3, -1};
    int pos = 0;
    errno = 0;
    tl_check_walk(3, 0, seq, next_in, &pos, 0);
}
END_TEST

START_TEST(bad_walk_err)
{
    static const int64_t seq[] = {-1};
    int pos = 0;
    errno = ERANGE;
    tl_check_walk(-1, EINVAL, seq, next_in, &pos, 0);
}
END_TEST

START_TEST(bad_walk_null)
{
    static const int64_t seq[] = {-1};
    errno = ENOENT;
    tl_check_walk(-1, 0, seq, NULL, NULL, 0);
}
END_TEST

/* ---- outer tests ---------------------------------------------------------- */

START_TEST(test_pass)
{
    static const int64_t seq[] = {3, 5, -1};
    int pos = 0;

    TL_ASSERT_ERRNO(fail_einval(), EINVAL);
    TL_ASSERT_NULL_ERRNO(null_enoent(), ENOENT);
    errno = 0;
    tl_check_walk(3, 0, seq, next_in, &pos, 0);
    ck_assert_int_eq(pos, 1);
    /* A failed first: next must fail with ENOENT. */
    pos = 1;
    errno = EINVAL;
    tl_check_walk(-1, EINVAL, seq, next_in, &pos, 0);
}
END_TEST

START_TEST(test_fail)
{
    Suite *s = suite_create("inner");
    TCase *tc = tcase_create("bad");
    tcase_add_test(tc, bad_wrong_errno);
    tcase_add_test(tc, bad_no_failure);
    tcase_add_test(tc, bad_stale_errno);
    tcase_add_test(tc, bad_null_errno);
    tcase_add_test(tc, bad_walk_value);
    tcase_add_test(tc, bad_walk_short);
    tcase_add_test(tc, bad_walk_err);
    tcase_add_test(tc, bad_walk_null);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_SILENT);
    ck_assert_int_eq(srunner_ntests_run(sr), 8);
    ck_assert_int_eq(srunner_ntests_failed(sr), 8);
    srunner_free(sr);
}
END_TEST

START_TEST(test_rand)
{
    int64_t a[16];

    tl_rand_seed(42);
    for (int i = 0; i < 16; i++) {
        a[i] = tl_rand(1000);
        ck_assert_int_ge(a[i], 0);
        ck_assert_int_lt(a[i], 1000);
    }
    /* The same seed gives the same sequence. */
    tl_rand_seed(42);
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(tl_rand(1000), a[i]);
    /* The LCG's first value from seed 0 (as the planner tests had it). */
    tl_rand_seed(0);
    ck_assert_int_eq(tl_rand(INT64_MAX), (int64_t) (1442695040888963407ULL >> 33));
    /* n = 1: always 0. */
    ck_assert_int_eq(tl_rand(1), 0);
    /* n <= 0: 0, and the sequence does not move. */
    tl_rand_seed(42);
    ck_assert_int_eq(tl_rand(0), 0);
    ck_assert_int_eq(tl_rand(-5), 0);
    ck_assert_int_eq(tl_rand(1000), a[0]);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("testlib");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pass);
    tcase_add_test(tc, test_fail);
    tcase_add_test(tc, test_rand);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
