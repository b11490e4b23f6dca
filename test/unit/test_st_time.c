/* Unit tests for resource/st_time.h (monotonic seconds). */
#include <check.h>
#include <errno.h>
#include <pthread.h>
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

/* A deadline 50 ms ahead on a monotonic condition variable: the wait
 * times out, not before the 50 ms. */
START_TEST(test_mono_deadline)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv;
    ck_assert_int_eq(st_mono_cond_init(&cv), 0);
    double t0 = st_mono_seconds();
    struct timespec until = st_mono_deadline(50);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ahead =
        (double) (until.tv_sec - now.tv_sec) + (double) (until.tv_nsec - now.tv_nsec) / 1e9;
    ck_assert_msg(ahead > 0.0 && ahead <= 0.050, "deadline %f s ahead", ahead);
    ck_assert(until.tv_nsec >= 0 && until.tv_nsec < 1000000000L);
    pthread_mutex_lock(&m);
    int rc;
    while ((rc = pthread_cond_timedwait(&cv, &m, &until)) == 0)
        ;
    pthread_mutex_unlock(&m);
    ck_assert_int_eq(rc, ETIMEDOUT);
    ck_assert_msg(st_mono_seconds() - t0 >= 0.049, "woke after %f s", st_mono_seconds() - t0);
    pthread_cond_destroy(&cv);
    /* a carry into the seconds */
    until = st_mono_deadline(1999);
    ck_assert(until.tv_nsec >= 0 && until.tv_nsec < 1000000000L);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("st_time");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_monotonic_seconds);
    tcase_add_test(tc, test_scale);
    tcase_add_test(tc, test_mono_deadline);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
