/* Unit tests for resource/st_array.h (the shared array growth helpers). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resource/st_array.h"
#include "test/unit/testlib.h"

/* st_grow_cap(cap, need, first) must give want. */
static const struct {
    size_t cap, need, first, want;
} cap_cases[] = {
    {0, 0, 64, 0},                      /* nothing needed: no allocation */
    {0, 1, 64, 64},                     /* an empty array starts at first */
    {0, 100, 64, 128},                  /* first doubles until need fits */
    {8, 8, 64, 8},                      /* enough already */
    {8, 9, 64, 16},                     /* one more than cap: doubles once */
    {8, 33, 64, 64},                    /* doubles until need fits */
    {3, 4, 2, 6},                       /* a capacity that is no power of two */
    {0, 1, 0, 0},                       /* first 0 cannot grow */
    {SIZE_MAX / 2 + 1, SIZE_MAX, 1, 0}, /* doubling overflows */
    {SIZE_MAX / 2, SIZE_MAX / 2 + 1, 1, SIZE_MAX - 1},
};

START_TEST(test_grow_cap)
{
    ck_assert_uint_eq(st_grow_cap(cap_cases[_i].cap, cap_cases[_i].need, cap_cases[_i].first),
                      cap_cases[_i].want);
}
END_TEST

START_TEST(test_grow_appends)
{
    int *a = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(st_grow(&a, &cap, n + 1, sizeof *a, 16), 0);
        ck_assert_uint_ge(cap, n + 1);
        a[n++] = i;
    }
    /* 16 doubled until 1000 fits. */
    ck_assert_uint_eq(cap, 1024);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(a[i], i);
    /* Room already there: neither the pointer nor the capacity moves. */
    int *before = a;
    ck_assert_int_eq(st_grow(&a, &cap, 1024, sizeof *a, 16), 0);
    ck_assert_ptr_eq(a, before);
    ck_assert_uint_eq(cap, 1024);
    /* Several at once: doubles until they fit, keeps the contents. */
    ck_assert_int_eq(st_grow(&a, &cap, 5000, sizeof *a, 16), 0);
    ck_assert_uint_eq(cap, 8192);
    ck_assert_int_eq(a[999], 999);
    free(a);
}
END_TEST

START_TEST(test_resize)
{
    char *s = NULL;
    ck_assert_int_eq(st_resize(&s, 6, 1), 0);
    ck_assert_ptr_nonnull(s);
    memcpy(s, "hello", 6);
    ck_assert_int_eq(st_resize(&s, 3, 2), 0);
    ck_assert_str_eq(s, "hello");
    /* 0 elements keeps a live block, never a freed pointer. */
    ck_assert_int_eq(st_resize(&s, 0, 1), 0);
    ck_assert_ptr_nonnull(s);
    free(s);
}
END_TEST

/* A failure leaves the array and its capacity as they were. */
START_TEST(test_overflow)
{
    uint64_t *a = NULL;
    size_t cap = 0;
    ck_assert_int_eq(st_grow(&a, &cap, 4, sizeof *a, 4), 0);
    uint64_t *before = a;
    a[3] = 42;

    /* need * elem overflows size_t although need itself does not. */
    TL_ASSERT_ERRNO(st_grow(&a, &cap, SIZE_MAX / 4, sizeof *a, 4), ENOMEM);
    ck_assert_ptr_eq(a, before);
    ck_assert_uint_eq(cap, 4);

    /* The doubling itself overflows. */
    TL_ASSERT_ERRNO(st_grow(&a, &cap, SIZE_MAX, sizeof *a, 4), ENOMEM);
    ck_assert_ptr_eq(a, before);
    ck_assert_uint_eq(cap, 4);

    TL_ASSERT_ERRNO(st_resize(&a, SIZE_MAX / 2, sizeof *a), ENOMEM);
    ck_assert_ptr_eq(a, before);
    ck_assert_int_eq(a[3], 42);
    free(a);
}
END_TEST

START_TEST(test_badparam)
{
    int *a = NULL;
    size_t cap = 0;

    TL_ASSERT_ERRNO(st_grow(NULL, &cap, 1, sizeof *a, 8), EINVAL);
    TL_ASSERT_ERRNO(st_grow(&a, NULL, 1, sizeof *a, 8), EINVAL);
    TL_ASSERT_ERRNO(st_grow(&a, &cap, 1, 0, 8), EINVAL);
    TL_ASSERT_ERRNO(st_grow(&a, &cap, 1, sizeof *a, 0), EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_uint_eq(cap, 0);

    TL_ASSERT_ERRNO(st_resize(NULL, 1, 1), EINVAL);
    TL_ASSERT_ERRNO(st_resize(&a, 1, 0), EINVAL);
    ck_assert_ptr_null(a);

    /* st_grow_cap has no pointer to check: first 0 is its bad value. */
    ck_assert_uint_eq(st_grow_cap(0, 1, 0), 0);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("st_array");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_grow_cap, 0, sizeof(cap_cases) / sizeof(cap_cases[0]));
    tcase_add_test(tc, test_grow_appends);
    tcase_add_test(tc, test_resize);
    tcase_add_test(tc, test_overflow);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
