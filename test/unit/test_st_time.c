/* Unit tests for resource/st_time.h (monotonic seconds). */
#include <check.h>
#include <time.h>

#include "resource/st_time.h"
#include "test/unit/testlib.h"

/* Readings never go back, and a sleep shows in their difference (at least
 * the time slept; the upper bound is loose: a loaded machine may be late). */
START_TEST(test_monotonic_seconds)
{
    double t0 = st_mono_seconds();
    ck_assert(t0 >= 0.0);
    double prev = t0;
    for (int i = 0; i < 1000; i++) {
        double t = st_mono_seconds();
        ck_assert(t >= prev);
        prev = t;
    }
    struct timespec nap = {0, 50 * 1000000L};
    nanosleep(&nap, NULL);
    double dt = st_mono_seconds() - t0;
    ck_assert_msg(dt >= 0.049 && dt < 30.0, "slept 0.05 s, measured %f s", dt);
}
END_TEST

/* Seconds, not milliseconds or nanoseconds: the same scale as
 * CLOCK_MONOTONIC read directly. */
START_TEST(test_scale)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double direct = (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
    double t = st_mono_seconds();
    ck_assert_msg(t >= direct && t - direct < 5.0, "direct %f, st_mono_seconds %f", direct, t);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("st_time");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_monotonic_seconds);
    tcase_add_test(tc, test_scale);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
