/* st_time: monotonic seconds, the one clock the tools time things with.
 *
 * resource-query's ELAPSE figures, strata-sim's wall time, strata tree's
 * and instance-run's waits all measure intervals: they need a clock that
 * never steps back (CLOCK_MONOTONIC, not the wall clock) as a double of
 * seconds.  Each had written the same three lines; this is the single copy.
 * Header-only, as st_array.h, so that any module can use it without linking
 * another library.
 */
#ifndef STRATA_ST_TIME_H
#define STRATA_ST_TIME_H

#include <pthread.h>
#include <time.h>

/* Seconds on the monotonic clock since an arbitrary origin (only
 * differences mean anything). */
static inline double st_mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The time ms milliseconds from now on CLOCK_MONOTONIC, as an absolute
 * deadline for pthread_cond_timedwait() on a condition variable whose
 * clock is CLOCK_MONOTONIC (st_mono_cond_init()): a wall clock step would
 * shorten or stretch the wait. */
static inline struct timespec st_mono_deadline(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long) (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* pthread_cond_init() of a condition variable timed on CLOCK_MONOTONIC,
 * for st_mono_deadline()'s deadlines.  0, or an error number. */
static inline int st_mono_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc == 0 && (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0)
        rc = pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
    return rc;
}

#endif
