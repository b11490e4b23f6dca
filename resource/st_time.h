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

#include <time.h>

/* Seconds on the monotonic clock since an arbitrary origin (only
 * differences mean anything). */
static inline double st_mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

#endif
