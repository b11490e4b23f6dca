/* Unit tests for resource/idset. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/idset.h"
#include "test/unit/testlib.h"

/* decode(text) then encode must give `encoded` (NULL: decode fails). */
static const struct {
    const char *text;
    const char *encoded;
    size_t count;
} codec_cases[] = {
    { "", "", 0 },
    { "0", "0", 1 },
    { "0-3", "0-3", 4 },
    { "0-3,7", "0-3,7", 5 },
    { "0,1", "0-1", 2 },
    { "0,2", "0,2", 2 },
    { "[0-3]", "0-3", 4 },
    { "[]", "", 0 },
    { "7,3,0-2", "0-3,7", 5 },
    { "0-3,2-5", "0-5", 6 },
    { "1,1,1", "1", 1 },
    { "0-35", "0-35", 36 },
    { "5-5", "5", 1 },
    { "0-1,3-4,2", "0-4", 5 },
    { "10-20,0-100", "0-100", 101 },
    { "-1", NULL, 0 },
    { "3-1", NULL, 0 },
    { "a", NULL, 0 },
    { "1,", NULL, 0 },
    { ",1", NULL, 0 },
    { "1,,2", NULL, 0 },
    { "1-", NULL, 0 },
    { "[1-2", NULL, 0 },
    { "1 2", NULL, 0 },
    { "99999999999999999999", NULL, 0 },
};

START_TEST(test_codec)
{
    struct st_error err = { { 0 } };
    idset_t *s = idset_decode(codec_cases[_i].text, &err);
    if (!codec_cases[_i].encoded) {
        ck_assert_msg(s == NULL, "'%s' should not decode", codec_cases[_i].text);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(strstr(err.text, "idset") != NULL, "error text: %s", err.text);
        return;
    }
    ck_assert_msg(s != NULL, "'%s': %s", codec_cases[_i].text, err.text);
    char *enc = idset_encode(s);
    ck_assert_str_eq(enc, codec_cases[_i].encoded);
    ck_assert_uint_eq(idset_count(s), codec_cases[_i].count);
    free(enc);
    idset_destroy(s);
}
END_TEST

START_TEST(test_add_remove)
{
    idset_t *s = idset_create();
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(idset_first(s), -1);
    for (int i = 0; i < 10; i += 2)
        ck_assert_int_eq(idset_add(s, i), 0);
    char *e = idset_encode(s);
    ck_assert_str_eq(e, "0,2,4,6,8");
    free(e);
    /* Filling the gaps merges into one range. */
    for (int i = 1; i < 10; i += 2)
        ck_assert_int_eq(idset_add(s, i), 0);
    e = idset_encode(s);
    ck_assert_str_eq(e, "0-9");
    free(e);
    ck_assert_uint_eq(idset_count(s), 10);
    /* Remove splits ranges. */
    ck_assert_int_eq(idset_remove(s, 5), 0);
    ck_assert_int_eq(idset_remove(s, 0), 0);
    ck_assert_int_eq(idset_remove(s, 9), 0);
    ck_assert_int_eq(idset_remove(s, 42), 0); /* absent: no-op */
    e = idset_encode(s);
    ck_assert_str_eq(e, "1-4,6-8");
    free(e);
    ck_assert_uint_eq(idset_count(s), 7);
    ck_assert(idset_test(s, 1));
    ck_assert(!idset_test(s, 5));
    ck_assert(!idset_test(s, 0));
    ck_assert(idset_test(s, 8));
    ck_assert(!idset_test(s, 100));
    /* Adding twice counts once. */
    ck_assert_int_eq(idset_add(s, 3), 0);
    ck_assert_uint_eq(idset_count(s), 7);
    idset_destroy(s);
}
END_TEST

START_TEST(test_iterate)
{
    idset_t *s = idset_decode("3-5,9,100-101", NULL);
    ck_assert_ptr_nonnull(s);
    int64_t want[] = { 3, 4, 5, 9, 100, 101 };
    size_t n = 0;
    for (int64_t id = idset_first(s); id >= 0; id = idset_next(s, id)) {
        ck_assert_uint_lt(n, 6);
        ck_assert_int_eq(id, want[n]);
        n++;
    }
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(idset_next(s, 6), 9);
    ck_assert_int_eq(idset_next(s, 101), -1);
    idset_destroy(s);
}
END_TEST

START_TEST(test_equal)
{
    idset_t *a = idset_decode("0-3", NULL);
    idset_t *b = idset_decode("3,2,1,0", NULL);
    idset_t *c = idset_decode("0-2", NULL);
    ck_assert(idset_equal(a, b));
    ck_assert(!idset_equal(a, c));
    idset_add(c, 3);
    ck_assert(idset_equal(a, c));
    idset_destroy(a);
    idset_destroy(b);
    idset_destroy(c);
}
END_TEST

/* A 4k-node rank set built one id at a time stays one range. */
START_TEST(test_large)
{
    idset_t *s = idset_create();
    for (int64_t i = 4095; i >= 0; i--)
        ck_assert_int_eq(idset_add(s, i), 0);
    char *e = idset_encode(s);
    ck_assert_str_eq(e, "0-4095");
    free(e);
    ck_assert_uint_eq(idset_count(s), 4096);
    for (int64_t i = 1; i < 4096; i += 2)
        idset_remove(s, i);
    ck_assert_uint_eq(idset_count(s), 2048);
    ck_assert(idset_test(s, 4094));
    ck_assert(!idset_test(s, 4095));
    idset_destroy(s);
    idset_t *big = idset_decode("0-100000000", NULL);
    ck_assert_uint_eq(idset_count(big), 100000001);
    idset_destroy(big);
}
END_TEST

START_TEST(test_badparam)
{
    struct st_error err;
    TL_ASSERT_NULL_ERRNO(idset_decode(NULL, &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(idset_encode(NULL), EINVAL);
    TL_ASSERT_ERRNO(idset_add(NULL, 1), EINVAL);
    idset_t *s = idset_create();
    TL_ASSERT_ERRNO(idset_add(s, -1), EINVAL);
    ck_assert_uint_eq(idset_count(s), 0); /* unchanged */
    TL_ASSERT_ERRNO(idset_remove(NULL, 1), EINVAL);
    TL_ASSERT_ERRNO(idset_remove(s, -3), EINVAL);
    ck_assert(!idset_test(NULL, 1));
    ck_assert(!idset_test(s, -1));
    ck_assert_uint_eq(idset_count(NULL), 0);
    ck_assert(!idset_equal(NULL, s));
    ck_assert(!idset_equal(s, NULL));
    ck_assert_int_eq(idset_first(NULL), -1);
    ck_assert_int_eq(idset_next(NULL, 0), -1);
    ck_assert_int_eq(idset_next(s, -5), -1);
    /* destroy(NULL) is a no-op that keeps errno. */
    errno = 42;
    idset_destroy(NULL);
    ck_assert_int_eq(errno, 42);
    idset_destroy(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("idset");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_codec, 0, sizeof(codec_cases) / sizeof(codec_cases[0]));
    tcase_add_test(tc, test_add_remove);
    tcase_add_test(tc, test_iterate);
    tcase_add_test(tc, test_equal);
    tcase_add_test(tc, test_large);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
