/* bench_planner: throughput of the planner and planner_multi.
 *
 * Not a timed test: prints ops/s for add, remove, avail_during,
 * avail_time_first and a first+next walk, on planners holding 10, 1,000 and
 * 100,000 spans, plus the create/add/query/destroy cycle of the many small
 * per-vertex planners a matcher keeps.  Usage: bench_planner [scale], where
 * scale (default 1) multiplies the number of queries.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "resource/planner.h"

static uint64_t rng_state = 88172645463325252ULL;

static int64_t rnd(int64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (int64_t) (rng_state % (uint64_t) n);
}

static double now_s(void)
{
    struct timespec ts;

    /* CPU time of this process: the build machine is shared, and wall time
     * would count the time other jobs hold the core. */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static void report(const char *what, long n_spans, long ops, double secs)
{
    printf("%-28s spans=%-7ld ops=%-8ld %12.0f ops/s  %9.1f ns/op\n", what, n_spans, ops,
           (double) ops / secs, secs * 1e9 / (double) ops);
}

/* A root-filter-like planner: `total` units, n spans of random size and
 * length packed over a horizon that keeps it fairly busy.  Adds that do not
 * fit are rejected by the planner and retried elsewhere; *attempts counts
 * all calls and *secs the time of the whole loop. */
static planner_t *fill(long n, int64_t total, int64_t *ids, long *attempts, double *secs)
{
    int64_t horizon = (int64_t) n * 50 + 1000;
    planner_t *p = planner_create(0, horizon, total);
    long added = 0;
    double t0 = now_s();

    *attempts = 0;
    while (added < n) {
        int64_t id = planner_add_span(p, rnd(horizon - 500), 1 + rnd(400), 1 + rnd(total / 8));
        ++*attempts;
        if (id > 0)
            ids[added++] = id;
    }
    *secs = now_s() - t0;
    return p;
}

/* Remove every span of p in random order; returns the time taken. */
static double empty_out(planner_t *p, int64_t *ids, long n)
{
    double t0 = now_s();

    for (long i = 0; i < n; i++) {
        long j = i + rnd(n - i);
        int64_t tmp = ids[i];
        ids[i] = ids[j];
        ids[j] = tmp;
        planner_rem_span(p, ids[i]);
    }
    return now_s() - t0;
}

/* Small planners are timed over many copies so that the figures are not
 * dominated by clock reads and first-touch page faults. */
static long reps_for(long n)
{
    return n >= 100000 ? 1 : 100000 / n;
}

static void bench_add_rem(long n)
{
    int64_t *ids = malloc(sizeof(*ids) * (size_t) n);
    long reps = reps_for(n);
    long calls = 0;
    double add = 0, rem = 0;

    for (long r = 0; r < reps; r++) {
        double secs;
        long attempts;
        planner_t *p = fill(n, 256, ids, &attempts, &secs);
        add += secs;
        calls += attempts;
        rem += empty_out(p, ids, n);
        planner_destroy(p);
    }
    report("add_span (incl. rejected)", n, calls, add);
    report("rem_span", n, n * reps, rem);
    free(ids);
}

static void bench_queries(long n, long queries)
{
    int64_t *ids = malloc(sizeof(*ids) * (size_t) n);
    int64_t total = 256;
    double secs, t0;
    long attempts;
    volatile int64_t sink = 0;
    planner_t *p = fill(n, total, ids, &attempts, &secs);
    int64_t horizon = planner_horizon(p);
    long walked = 0;

    t0 = now_s();
    for (long i = 0; i < queries; i++)
        sink += planner_avail_during(p, rnd(horizon - 1000), 1 + rnd(900));
    report("avail_during", n, queries, now_s() - t0);
    t0 = now_s();
    for (long i = 0; i < queries; i++)
        sink += planner_avail_time_first(p, rnd(horizon / 2), 1 + rnd(300), 1 + rnd(total));
    report("avail_time_first", n, queries, now_s() - t0);
    t0 = now_s();
    for (long i = 0; i < queries / 10; i++) {
        int64_t t = planner_avail_time_first(p, rnd(horizon / 2), 1 + rnd(300), total / 2);
        walked++;
        for (int k = 0; k < 10 && t >= 0; k++, walked++)
            t = planner_avail_time_next(p);
        sink += t;
    }
    report("first + next walk (per call)", n, walked, now_s() - t0);
    (void) sink;
    planner_destroy(p);
    free(ids);
}

static void bench_multi(long n, long queries)
{
    const int64_t totals[] = {4096, 128, 64};
    const char *const types[] = {"core", "node", "gpu"};
    int64_t horizon = (int64_t) n * 50 + 1000;
    long reps = reps_for(n);
    double add = 0, t0;
    volatile int64_t sink = 0;
    planner_multi_t *m = NULL;

    long calls = 0;
    for (long r = 0; r < reps; r++) {
        long added = 0;
        planner_multi_destroy(m);
        m = planner_multi_create(0, horizon, totals, types, 3);
        t0 = now_s();
        while (added < n) {
            int64_t nodes = 1 + rnd(8);
            int64_t a[3] = {nodes * 32, nodes, rnd(2) ? nodes * 4 : 0};
            calls++;
            if (planner_multi_add_span(m, rnd(horizon - 500), 1 + rnd(400), a, 3) > 0)
                added++;
        }
        add += now_s() - t0;
    }
    report("multi add_span (3 types)", n, calls, add);
    t0 = now_s();
    for (long i = 0; i < queries; i++) {
        int64_t nodes = 1 + rnd(64);
        int64_t a[3] = {nodes * 32, nodes, 0};
        sink += planner_multi_avail_time_first(m, rnd(horizon / 2), 1 + rnd(300), a, 3);
    }
    report("multi avail_time_first", n, queries, now_s() - t0);
    (void) sink;
    planner_multi_destroy(m);
}

/* The per-vertex pattern: a fresh planner gets a few spans, a few queries,
 * then goes away. */
static void bench_small_lifecycle(long rounds)
{
    double t0 = now_s();
    volatile int64_t sink = 0;

    for (long r = 0; r < rounds; r++) {
        planner_t *p = planner_create(0, INT64_C(3153600000), 1);
        int64_t at = 0;
        for (int k = 0; k < 5; k++) {
            at = planner_avail_time_first(p, at, 3600, 1);
            sink += planner_add_span(p, at, 3600, 1);
        }
        sink += planner_avail_during(p, 0, 7200);
        planner_destroy(p);
    }
    report("small planner lifecycle", 5, rounds, now_s() - t0);
    (void) sink;
}

/* Heap bytes in use (glibc), to report memory per planner and per span. */
static double heap_bytes(void)
{
    return (double) mallinfo2().uordblks;
}

/* Memory of idle planners and of spans at a few sizes, allocator overhead
 * included. */
static void bench_memory(void)
{
    enum { COUNT = 10000 };
    static planner_t *ps[COUNT];
    static const long spans[] = {0, 1, 5, 20, 1000};
    int64_t id;
    double idle = 0;

    for (size_t k = 0; k < sizeof(spans) / sizeof(spans[0]); k++) {
        long n = spans[k];
        long count = n >= 1000 ? 10 : COUNT;
        double before = heap_bytes();
        for (long i = 0; i < count; i++) {
            ps[i] = planner_create(0, INT64_C(1) << 40, INT64_C(1) << 20);
            for (long j = 0; j < n; j++)
                id = planner_add_span(ps[i], j * 100 + rnd(50), 1 + rnd(100), 1);
        }
        double per = (heap_bytes() - before) / (double) count;
        if (n == 0)
            idle = per;
        printf("memory: planner with %-5ld spans %9.0f bytes (%.0f per span)\n", n, per,
               n ? (per - idle) / (double) n : 0.0);
        for (long i = 0; i < count; i++)
            planner_destroy(ps[i]);
    }
    (void) id;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
    static const long sizes[] = {10, 1000, 100000};

    if (scale < 1)
        scale = 1;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bench_add_rem(sizes[i]);
        bench_queries(sizes[i], 200000 * scale);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        bench_multi(sizes[i], 50000 * scale);
    bench_small_lifecycle(200000 * scale);
    bench_memory();
    return 0;
}
