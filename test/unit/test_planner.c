/* Unit tests for resource/planner (single pool).
 *
 * Table-driven edge cases for the errno contract, then a randomized
 * cross-check against a brute-force model: an array of per-second usage over
 * a small horizon, with the earliest fit found by trying every second.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resource/planner.h"
#include "resource/planner_private.h" /* planner_uses_tree: white-box checks */
#include "test/unit/planner_testlib.h"
#include "test/unit/testlib.h"

/* A snapshot of everything observable, to check that failures change
 * nothing. */
struct snap {
    size_t nspans;
    int64_t avail[64];
};

static void take_snap(const planner_t *p, struct snap *s)
{
    s->nspans = planner_span_count(p);
    pt_avail_row(p, s->avail, 64);
}

static void assert_same(const planner_t *p, const struct snap *before)
{
    struct snap now;

    take_snap(p, &now);
    ck_assert_uint_eq(now.nspans, before->nspans);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(now.avail[i], before->avail[i]);
}

START_TEST(test_create_badparam)
{
    static const struct {
        int64_t base, horizon, total;
        int err;
    } cases[] = {
        {-1, 10, 1, EINVAL}, {0, 0, 1, EINVAL},         {0, -5, 1, EINVAL},
        {0, 10, -1, EINVAL}, {1, INT64_MAX, 1, ERANGE}, {0, 10, (INT64_C(1) << 61) + 1, ERANGE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TL_ASSERT_NULL_ERRNO(planner_create(cases[i].base, cases[i].horizon, cases[i].total),
                             cases[i].err);
    }
    planner_t *p = planner_create(0, INT64_MAX, INT64_C(1) << 61);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(planner_horizon(p), INT64_MAX);
    planner_destroy(p);
    p = planner_create(5, 10, 0);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(planner_base(p), 5);
    ck_assert_int_eq(planner_horizon(p), 10);
    ck_assert_int_eq(planner_total(p), 0);
    ck_assert_uint_eq(planner_span_count(p), 0);
    ck_assert_int_eq(planner_avail_at(p, 5), 0);
    planner_destroy(p);
}
END_TEST

START_TEST(test_null_badparam)
{
    bool removed;

    errno = 0;
    planner_destroy(NULL);
    ck_assert_int_eq(errno, 0);
    errno = ENOSPC;
    planner_destroy(NULL);
    ck_assert_int_eq(errno, ENOSPC);
    TL_ASSERT_ERRNO(planner_base(NULL), EINVAL);
    TL_ASSERT_ERRNO(planner_horizon(NULL), EINVAL);
    TL_ASSERT_ERRNO(planner_total(NULL), EINVAL);
    ck_assert_uint_eq(planner_span_count(NULL), 0);
    TL_ASSERT_ERRNO(planner_add_span(NULL, 0, 1, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_rem_span(NULL, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_reduce_span(NULL, 1, 1, &removed), EINVAL);
    TL_ASSERT_ERRNO(planner_span_get(NULL, 1, NULL, NULL, NULL), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_during(NULL, 0, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_at(NULL, 0), EINVAL);
    TL_ASSERT_ERRNO(planner_fits(NULL, 0, 1, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_time_first(NULL, 0, 1, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_time_next(NULL), EINVAL);
}
END_TEST

/* add_span on a planner [10, 110) with 8 units holding one span
 * [20, 30) x 5. */
static const struct {
    const char *what;
    int64_t start, duration, amount;
    int err; /* 0: succeeds */
} add_cases[] = {
    {"touching before", 10, 10, 8, 0},
    {"touching after", 30, 80, 8, 0},
    {"overlap fits", 25, 10, 3, 0},
    {"overlap too big", 25, 10, 4, EINVAL},
    {"reaches horizon end", 100, 10, 1, 0},
    {"past horizon end", 101, 10, 1, EINVAL},
    {"before base", 9, 2, 1, EINVAL},
    {"duration 0", 50, 0, 1, EINVAL},
    {"duration -1", 50, -1, 1, EINVAL},
    {"amount -1", 50, 1, -1, EINVAL},
    {"amount 0", 22, 3, 0, 0},
    {"amount total", 40, 5, 8, 0},
    {"amount > total", 40, 5, 9, EINVAL},
    {"overflow", 50, INT64_MAX - 10, 1, ERANGE},
    {"start huge", INT64_MAX, 1, 1, ERANGE},
    {"whole horizon too big", 10, 100, 4, EINVAL},
    {"whole horizon", 10, 100, 3, 0},
};

START_TEST(test_add_span_cases)
{
    planner_t *p = planner_create(10, 100, 8);
    struct snap before;
    int64_t id0 = planner_add_span(p, 20, 10, 5);
    int64_t id;
    int c = _i / 2;

    ck_assert_int_eq(id0, 1);
    pt_use_variant(p, _i);
    take_snap(p, &before);
    errno = 0;
    id = planner_add_span(p, add_cases[c].start, add_cases[c].duration, add_cases[c].amount);
    if (add_cases[c].err) {
        ck_assert_msg(id == -1, "%s: got id %lld", add_cases[c].what, (long long) id);
        ck_assert_msg(errno == add_cases[c].err, "%s: errno %d", add_cases[c].what, errno);
        assert_same(p, &before);
    } else {
        int64_t s, d, a;
        ck_assert_msg(id == 2, "%s: got %lld errno %d", add_cases[c].what, (long long) id,
                      errno);
        ck_assert_uint_eq(planner_span_count(p), 2);
        ck_assert_int_eq(planner_span_get(p, id, &s, &d, &a), 0);
        ck_assert_int_eq(s, add_cases[c].start);
        ck_assert_int_eq(d, add_cases[c].duration);
        ck_assert_int_eq(a, add_cases[c].amount);
        ck_assert_int_eq(planner_rem_span(p, id), 0);
        assert_same(p, &before);
    }
    planner_destroy(p);
}
END_TEST

START_TEST(test_touching_spans)
{
    planner_t *p = planner_create(0, 100, 4);

    ck_assert_int_gt(planner_add_span(p, 10, 10, 4), 0);
    ck_assert_int_gt(planner_add_span(p, 20, 10, 4), 0);
    ck_assert_int_gt(planner_add_span(p, 0, 10, 4), 0);
    pt_use_variant(p, _i);
    ck_assert_int_eq(planner_avail_at(p, 9), 0);
    ck_assert_int_eq(planner_avail_at(p, 30), 4);
    ck_assert_int_eq(planner_avail_during(p, 30, 70), 4);
    ck_assert_int_eq(planner_avail_during(p, 29, 2), 0);
    ck_assert_int_eq(planner_fits(p, 30, 70, 4), 0);
    TL_ASSERT_ERRNO(planner_fits(p, 29, 1, 1), EBUSY);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 5, 1), 30);
    planner_destroy(p);
}
END_TEST

START_TEST(test_query_badparam)
{
    planner_t *p = planner_create(10, 100, 8);
    struct snap before;

    ck_assert_int_gt(planner_add_span(p, 20, 10, 5), 0);
    pt_use_variant(p, _i);
    take_snap(p, &before);
    /* avail_at: instants outside [10, 110). */
    TL_ASSERT_ERRNO(planner_avail_at(p, 9), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_at(p, 110), EINVAL);
    ck_assert_int_eq(planner_avail_at(p, 109), 8);
    ck_assert_int_eq(planner_avail_at(p, 10), 8);
    /* avail_during */
    ck_assert_int_eq(planner_avail_during(p, 100, 10), 8);
    ck_assert_int_eq(planner_avail_during(p, 10, 100), 3);
    TL_ASSERT_ERRNO(planner_avail_during(p, 101, 10), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_during(p, 20, 0), EINVAL);
    TL_ASSERT_ERRNO(planner_avail_during(p, 20, INT64_MAX), ERANGE);
    /* fits */
    TL_ASSERT_ERRNO(planner_fits(p, 20, 1, -1), EINVAL);
    TL_ASSERT_ERRNO(planner_fits(p, 50, 1, 9), ERANGE);
    TL_ASSERT_ERRNO(planner_fits(p, 5, 10, 1), EINVAL);
    ck_assert_int_eq(planner_fits(p, 29, 1, 3), 0);
    ck_assert_int_eq(planner_fits(p, 50, 1, 0), 0);
    /* span_get / rem / reduce on unknown ids */
    static const int64_t bad_ids[] = {0, -1, 2, 99, INT64_MAX};
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        TL_ASSERT_ERRNO(planner_span_get(p, bad_ids[i], NULL, NULL, NULL), ENOENT);
        TL_ASSERT_ERRNO(planner_rem_span(p, bad_ids[i]), ENOENT);
        TL_ASSERT_ERRNO(planner_reduce_span(p, bad_ids[i], 1, NULL), ENOENT);
    }
    assert_same(p, &before);
    planner_destroy(p);
}
END_TEST

START_TEST(test_reduce)
{
    planner_t *p = planner_create(0, 100, 8);
    int64_t id = planner_add_span(p, 10, 20, 6);
    struct snap before;
    bool removed = true;
    int64_t amount;

    pt_use_variant(p, _i);
    take_snap(p, &before);
    static const int64_t bad[] = {0, -1, 7, INT64_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        TL_ASSERT_ERRNO(planner_reduce_span(p, id, bad[i], &removed), EINVAL);
        assert_same(p, &before);
    }
    ck_assert_int_eq(planner_reduce_span(p, id, 4, &removed), 0);
    ck_assert(!removed);
    ck_assert_int_eq(planner_span_get(p, id, NULL, NULL, &amount), 0);
    ck_assert_int_eq(amount, 2);
    ck_assert_int_eq(planner_avail_at(p, 10), 6);
    ck_assert_int_eq(planner_avail_at(p, 29), 6);
    ck_assert_int_eq(planner_avail_at(p, 30), 8);
    ck_assert_int_eq(planner_reduce_span(p, id, 2, &removed), 0);
    ck_assert(removed);
    ck_assert_uint_eq(planner_span_count(p), 0);
    ck_assert_int_eq(planner_avail_during(p, 0, 100), 8);
    TL_ASSERT_ERRNO(planner_rem_span(p, id), ENOENT);
    /* Ids are never reused. */
    ck_assert_int_eq(planner_add_span(p, 0, 1, 1), id + 1);
    planner_destroy(p);
}
END_TEST

/* avail_time_first/next on [0, 100) with 4 units and spans
 * [10,20)x2, [20,40)x4, [50,60)x3, [70,80)x1. */
static const struct {
    int64_t on_or_after, duration, amount;
    int err;
    int64_t seq[8]; /* first, then next..., terminated by -1 (ENOENT) */
} first_cases[] = {
    {0, 10, 2, 0, {0, 40, 60, 80, -1}},
    {0, 11, 2, 0, {0, 60, 80, -1}},
    {0, 10, 3, 0, {0, 40, 60, 80, -1}},
    {0, 11, 3, 0, {60, 80, -1}},
    {0, 11, 4, 0, {80, -1}},
    {5, 5, 4, 0, {5, 40, 60, 80, -1}},
    {0, 20, 4, 0, {80, -1}},
    {0, 21, 4, 0, {-1}},
    {0, 100, 0, 0, {0, -1}},
    {0, 100, 1, 0, {-1}},
    {25, 1, 1, 0, {40, 60, 80, -1}},
    {99, 1, 4, 0, {99, -1}},
    {0, 1, 5, ERANGE, {-1}},
    {0, 101, 1, ERANGE, {-1}},
    {0, 0, 1, EINVAL, {-1}},
    {0, 1, -1, EINVAL, {-1}},
    {-1, 1, 1, EINVAL, {-1}},
    {100, 1, 1, EINVAL, {-1}},
};

static int64_t next_of(void *p)
{
    return planner_avail_time_next(p);
}

START_TEST(test_avail_time_cases)
{
    planner_t *p = planner_create(0, 100, 4);
    struct snap before;
    int64_t t;
    int c = _i / 2;

    ck_assert_int_gt(planner_add_span(p, 10, 10, 2), 0);
    ck_assert_int_gt(planner_add_span(p, 20, 20, 4), 0);
    ck_assert_int_gt(planner_add_span(p, 50, 10, 3), 0);
    ck_assert_int_gt(planner_add_span(p, 70, 10, 1), 0);
    pt_use_variant(p, _i);
    take_snap(p, &before);
    errno = 0;
    t = planner_avail_time_first(p, first_cases[c].on_or_after, first_cases[c].duration,
                                 first_cases[c].amount);
    tl_check_walk(t, first_cases[c].err, first_cases[c].seq, next_of, p, c);
    /* Exhausted stays exhausted (a failed first has nothing to go on with). */
    TL_ASSERT_ERRNO(planner_avail_time_next(p), ENOENT);
    assert_same(p, &before);
    planner_destroy(p);
}
END_TEST

START_TEST(test_update_total)
{
    planner_t *p = planner_create(0, 100, 8);
    struct snap before;

    TL_ASSERT_ERRNO(planner_peak_usage(NULL), EINVAL);
    ck_assert_int_eq(planner_peak_usage(p), 0);
    ck_assert_int_gt(planner_add_span(p, 10, 10, 5), 0);
    ck_assert_int_gt(planner_add_span(p, 15, 10, 1), 0);
    ck_assert_int_gt(planner_add_span(p, 50, 10, 2), 0);
    pt_use_variant(p, _i);
    ck_assert_int_eq(planner_peak_usage(p), 6);
    take_snap(p, &before);
    static const struct {
        int64_t total;
        int err;
    } bad[] = {{-1, EINVAL}, {5, EBUSY}, {0, EBUSY}, {(INT64_C(1) << 61) + 1, ERANGE}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        TL_ASSERT_ERRNO(planner_update_total(p, bad[i].total), bad[i].err);
        ck_assert_int_eq(planner_total(p), 8);
        assert_same(p, &before);
    }
    TL_ASSERT_ERRNO(planner_update_total(NULL, 1), EINVAL);
    ck_assert_int_eq(planner_update_total(p, 6), 0);
    ck_assert_int_eq(planner_total(p), 6);
    ck_assert_int_eq(planner_avail_at(p, 15), 0);
    ck_assert_int_eq(planner_avail_at(p, 0), 6);
    TL_ASSERT_ERRNO(planner_avail_time_first(p, 0, 5, 7), ERANGE);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 20, 5), 20);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 20, 6), 25);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 30, 6), 60);
    ck_assert_int_eq(planner_update_total(p, 20), 0);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 20, 14), 0);
    ck_assert_int_eq(planner_avail_during(p, 0, 100), 14);
    planner_destroy(p);
}
END_TEST

/* Grow the span table and point store far, shrink back, grow again: every
 * live span stays reachable and every removed one is gone. */
START_TEST(test_grow_shrink)
{
    enum { N = 300 };
    planner_t *p = planner_create(0, 10 * N, 1);
    int64_t ids[N];
    int64_t s, d, a;

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            ids[i] = planner_add_span(p, 10 * i, 5, 1);
            ck_assert_int_gt(ids[i], 0);
        }
        ck_assert(planner_uses_tree(p));
        for (int i = 0; i < N; i++) {
            if (i % 50 != 7)
                ck_assert_int_eq(planner_rem_span(p, ids[i]), 0);
        }
        ck_assert(!planner_uses_tree(p));
        ck_assert_uint_eq(planner_span_count(p), N / 50);
        for (int i = 0; i < N; i++) {
            errno = 0;
            if (i % 50 == 7) {
                ck_assert_int_eq(planner_span_get(p, ids[i], &s, &d, &a), 0);
                ck_assert_int_eq(s, 10 * i);
                ck_assert_int_eq(planner_avail_at(p, 10 * i + 4), 0);
                ck_assert_int_eq(planner_rem_span(p, ids[i]), 0);
            } else {
                ck_assert_int_eq(planner_span_get(p, ids[i], NULL, NULL, NULL), -1);
                ck_assert_int_eq(errno, ENOENT);
            }
        }
        ck_assert_uint_eq(planner_span_count(p), 0);
        ck_assert_int_eq(planner_avail_during(p, 0, 10 * N), 1);
    }
    planner_destroy(p);
}
END_TEST

START_TEST(test_next_without_first)
{
    planner_t *p = planner_create(0, 10, 1);

    TL_ASSERT_ERRNO(planner_avail_time_next(p), ENOENT);
    planner_destroy(p);
}
END_TEST

START_TEST(test_huge_horizon)
{
    /* The x_checker shape: [0, INT64_MAX) with 2^30 jobs. */
    planner_t *p = planner_create(0, INT64_MAX, INT64_C(0x40000000));
    int64_t id;

    id = planner_add_span(p, 0, INT64_MAX, 1);
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(planner_avail_during(p, 0, INT64_MAX), 0x40000000 - 1);
    ck_assert_int_eq(planner_avail_time_first(p, 0, INT64_MAX, 0x40000000 - 1), 0);
    TL_ASSERT_ERRNO(planner_avail_time_first(p, 0, INT64_MAX, 0x40000000), ENOENT);
    ck_assert_int_eq(planner_avail_time_first(p, INT64_MAX - 1, 1, 1), INT64_MAX - 1);
    ck_assert_int_gt(planner_add_span(p, INT64_MAX - 1, 1, 5), 0);
    ck_assert_int_eq(planner_avail_at(p, INT64_MAX - 1), 0x40000000 - 6);
    ck_assert_int_eq(planner_rem_span(p, id), 0);
    ck_assert_int_eq(planner_avail_at(p, INT64_MAX - 2), 0x40000000);
    planner_destroy(p);
}
END_TEST

/* ---- randomized cross-check against a per-second model ----------------- */

enum { MAXH = 1024, MSPANS = 512, NSMALL = 40, NDEEP = 6 };

struct model {
    int64_t base, h, total;
    int64_t maxdur, maxamt; /* random spans: duration and amount bounds */
    int64_t use[MAXH];
    struct {
        int64_t id, start, dur, amount;
    } spans[MSPANS];
    int n;
};

static int64_t model_max_use(const struct model *m, int64_t at, int64_t d)
{
    int64_t mx = 0;

    /* Offsets from base: the horizon may end at INT64_MAX. */
    for (int64_t o = at - m->base; o < at - m->base + d; o++)
        if (m->use[o] > mx)
            mx = m->use[o];
    return mx;
}

static bool model_fits(const struct model *m, int64_t t, int64_t d, int64_t a)
{
    return t - m->base + d <= m->h && a <= m->total - model_max_use(m, t, d);
}

static void model_apply(struct model *m, int i, int64_t sign)
{
    int64_t off = m->spans[i].start - m->base;

    for (int64_t o = off; o < off + m->spans[i].dur; o++)
        m->use[o] += sign * m->spans[i].amount;
}

static void check_all_queries(const planner_t *p, const struct model *m)
{
    ck_assert_uint_eq(planner_span_count(p), (size_t) m->n);
    for (int64_t t = m->base; t < m->base + m->h; t++)
        ck_assert_int_eq(planner_avail_at(p, t), m->total - m->use[t - m->base]);
}

/* Brute force: fits[c] for every start c of the horizon, and at which
 * instants some span ends (the candidates of avail_time_next). */
static void model_scan(const struct model *m, int64_t d, int64_t a, bool *fits, bool *point)
{
    for (int64_t c = 0; c < m->h; c++) {
        fits[c] = model_fits(m, m->base + c, d, a);
        point[c] = false;
    }
    for (int i = 0; i < m->n; i++) {
        if (m->spans[i].start + m->spans[i].dur < m->base + m->h)
            point[m->spans[i].start + m->spans[i].dur - m->base] = true;
    }
}

static void random_search(planner_t *p, const struct model *m)
{
    static bool fits[MAXH], point[MAXH];
    int64_t on = m->base + tl_rand(m->h);
    int64_t d = 1 + tl_rand(m->h / 2);
    int64_t a = tl_rand(m->total + 1);
    int64_t want = -1;
    int64_t t;

    model_scan(m, d, a, fits, point);
    for (int64_t c = on; c < m->base + m->h; c++) {
        if (fits[c - m->base]) {
            want = c;
            break;
        }
    }
    errno = 0;
    t = planner_avail_time_first(p, on, d, a);
    ck_assert_msg(t == want, "first(%lld,%lld,%lld) = %lld want %lld", (long long) on,
                  (long long) d, (long long) a, (long long) t, (long long) want);
    if (t < 0) {
        ck_assert_int_eq(errno, ENOENT);
        return;
    }
    for (;;) {
        int64_t prev = t;
        want = -1;
        for (int64_t c = prev + 1; c < m->base + m->h; c++) {
            if (point[c - m->base] && fits[c - m->base]) {
                want = c;
                break;
            }
        }
        errno = 0;
        t = planner_avail_time_next(p);
        ck_assert_msg(t == want, "next after %lld (d %lld a %lld) = %lld want %lld",
                      (long long) prev, (long long) d, (long long) a, (long long) t,
                      (long long) want);
        if (t < 0) {
            ck_assert_int_eq(errno, ENOENT);
            return;
        }
    }
}

static void random_add(planner_t *p, struct model *m)
{
    int64_t off = tl_rand(m->h + 2) - 1; /* -1 .. h, offset from base */
    int64_t d = tl_rand(m->maxdur) + (tl_rand(8) == 0 ? -1 : 1);
    int64_t a = tl_rand(m->maxamt + 2) - (tl_rand(16) == 0 ? 1 : 0);
    int64_t start, id;
    int err = 0;

    if (m->n >= MSPANS)
        return;
    if (off > INT64_MAX - m->base)
        off = m->h - 1;
    start = m->base + off;
    if (a < 0 || d < 1 || off < 0)
        err = EINVAL;
    else if (start > INT64_MAX - d)
        err = ERANGE;
    else if (off + d > m->h || a > m->total - model_max_use(m, start, d))
        err = EINVAL;
    errno = 0;
    id = planner_add_span(p, start, d, a);
    ck_assert_msg((id > 0) == (err == 0), "add(%lld,%lld,%lld) = %lld errno %d",
                  (long long) start, (long long) d, (long long) a, (long long) id, errno);
    if (err) {
        ck_assert_int_eq(errno, err);
        return;
    }
    m->spans[m->n].id = id;
    m->spans[m->n].start = start;
    m->spans[m->n].dur = d;
    m->spans[m->n].amount = a;
    model_apply(m, m->n, 1);
    m->n++;
}

static void model_drop(struct model *m, int i)
{
    model_apply(m, i, -1);
    m->spans[i] = m->spans[--m->n];
}

static void random_remove(planner_t *p, struct model *m)
{
    if (m->n == 0 || tl_rand(10) == 0) {
        TL_ASSERT_ERRNO(planner_rem_span(p, 100000 + tl_rand(100)), ENOENT);
        return;
    }
    int i = (int) tl_rand(m->n);
    ck_assert_int_eq(planner_rem_span(p, m->spans[i].id), 0);
    model_drop(m, i);
}

static void random_reduce(planner_t *p, struct model *m)
{
    bool removed = false;
    int i;
    int64_t r;

    if (m->n == 0)
        return;
    i = (int) tl_rand(m->n);
    r = tl_rand(m->spans[i].amount + 2);
    errno = 0;
    if (r < 1 || r > m->spans[i].amount) {
        ck_assert_int_eq(planner_reduce_span(p, m->spans[i].id, r, &removed), -1);
        ck_assert_int_eq(errno, EINVAL);
        return;
    }
    ck_assert_int_eq(planner_reduce_span(p, m->spans[i].id, r, &removed), 0);
    if (r == m->spans[i].amount) {
        ck_assert(removed);
        model_drop(m, i);
        return;
    }
    ck_assert(!removed);
    model_apply(m, i, -1);
    m->spans[i].amount -= r;
    model_apply(m, i, 1);
}

static void random_window(const planner_t *p, const struct model *m)
{
    int64_t at = m->base + tl_rand(m->h);
    int64_t d = 1 + tl_rand(m->h - (at - m->base));
    int64_t a = tl_rand(m->total + 1);
    int64_t free_units = m->total - model_max_use(m, at, d);

    ck_assert_int_eq(planner_avail_during(p, at, d), free_units);
    errno = 0;
    ck_assert_int_eq(planner_fits(p, at, d, a), a <= free_units ? 0 : -1);
    if (a > free_units)
        ck_assert_int_eq(errno, EBUSY);
}

START_TEST(test_random_model)
{
    struct model *m = calloc(1, sizeof(*m));
    planner_t *p;

    bool deep = _i >= NSMALL;
    int steps = deep ? 6000 : 3000;
    int peak = 0;
    int switches = 0;
    bool tree = false;

    tl_rand_seed(12345 + (uint64_t) _i * 7919);
    /* Small horizons make many coinciding points and stay in the sorted
     * array; deep ones alternate growing to hundreds of points (treap, with
     * rotations and merges) and shrinking back (array again). */
    m->h = deep ? MAXH : 48;
    m->base = tl_rand(3) * 1000;
    if (!deep && _i % 8 == 7)
        m->base = INT64_MAX - m->h; /* the horizon ends at INT64_MAX */
    m->total = 1 + tl_rand(deep ? 40 : 12);
    m->maxdur = deep ? 40 : m->h / 3;
    m->maxamt = deep ? m->total / 4 : m->total;
    p = planner_create(m->base, m->h, m->total);
    ck_assert_ptr_nonnull(p);
    for (int step = 0; step < steps; step++) {
        bool shrinking = deep && (step / 600) % 2 == 1;
        int op = (int) tl_rand(10);
        if (shrinking && op >= 1 && op <= 2)
            op = 3;
        switch (op) {
        case 0:
        case 1:
        case 2:
            random_add(p, m);
            break;
        case 3:
        case 4:
            random_remove(p, m);
            break;
        case 5:
            random_reduce(p, m);
            break;
        case 6:
        case 7:
            random_window(p, m);
            break;
        default:
            random_search(p, m);
            break;
        }
        if (step % 50 == 0)
            check_all_queries(p, m);
        if (m->n > peak)
            peak = m->n;
        if (planner_uses_tree(p) != tree) {
            tree = !tree;
            switches++;
        }
    }
    check_all_queries(p, m);
    /* The deep runs must really have built a big tree and gone back to an
     * array; the small ones never leave the array. */
    ck_assert_int_ge(peak, deep ? 60 : 5);
    if (deep)
        ck_assert_int_ge(switches, 4);
    else
        ck_assert_int_eq(switches, 0);
    planner_destroy(p);
    free(m);
}
END_TEST

/* A planner holding one span keeps it inline (no point array): every query
 * and every transition in and out of that state must answer as the
 * ordinary representation does. */
START_TEST(test_solo_transitions)
{
    planner_t *p = planner_create(0, 100, 10);
    planner_t *z = planner_create(0, 100, 10);
    int64_t a, b, s, d, amt;

    a = planner_add_span(p, 10, 20, 4); /* [10, 30) x4: solo */
    ck_assert_int_gt(a, 0);
    ck_assert(!planner_uses_tree(p));
    ck_assert_int_eq(planner_avail_at(p, 9), 10);
    ck_assert_int_eq(planner_avail_at(p, 10), 6);
    ck_assert_int_eq(planner_avail_at(p, 29), 6);
    ck_assert_int_eq(planner_avail_at(p, 30), 10);
    ck_assert_int_eq(planner_avail_during(p, 0, 11), 6);
    ck_assert_int_eq(planner_avail_during(p, 0, 10), 10);
    ck_assert_int_eq(planner_peak_usage(p), 4);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 15, 7), 30);
    ck_assert_int_eq(planner_avail_time_first(p, 0, 5, 7), 0);
    ck_assert_int_eq(planner_avail_time_next(p), 30);
    ck_assert_int_eq(planner_end_after(p, 0), 30);
    TL_ASSERT_ERRNO(planner_update_total(p, 3), EBUSY);
    /* shrink inline */
    ck_assert_int_eq(planner_shrink_span(p, a, 1), 0);
    ck_assert_int_eq(planner_avail_at(p, 15), 7);
    ck_assert_int_eq(planner_span_get(p, a, &s, &d, &amt), 0);
    ck_assert_int_eq(s, 10);
    ck_assert_int_eq(d, 20);
    ck_assert_int_eq(amt, 3);
    /* a copy of a solo planner's spans, at amount 0 */
    ck_assert_int_eq(planner_copy_spans_zero(z, p), 0);
    ck_assert_uint_eq(planner_span_count(z), 1);
    ck_assert_int_eq(planner_span_get(z, a, &s, &d, &amt), 0);
    ck_assert_int_eq(amt, 0);
    ck_assert_int_eq(planner_end_after(z, 0), 30);
    /* second span: the ordinary representation, first span kept */
    b = planner_add_span(p, 20, 20, 5); /* [20, 40) x5 */
    ck_assert_int_gt(b, a);
    ck_assert_int_eq(planner_avail_at(p, 15), 7);
    ck_assert_int_eq(planner_avail_at(p, 25), 2);
    ck_assert_int_eq(planner_avail_at(p, 35), 5);
    /* back to one span, then none, then solo again */
    ck_assert_int_eq(planner_rem_span(p, a), 0);
    ck_assert_int_eq(planner_avail_at(p, 15), 10);
    ck_assert_int_eq(planner_avail_at(p, 25), 5);
    ck_assert_int_eq(planner_rem_span(p, b), 0);
    ck_assert_uint_eq(planner_span_count(p), 0);
    ck_assert_int_eq(planner_avail_during(p, 0, 100), 10);
    TL_ASSERT_ERRNO(planner_rem_span(p, b), ENOENT);
    a = planner_add_span(p, 50, 10, 10);
    ck_assert_int_gt(a, b);
    ck_assert_int_eq(planner_avail_during(p, 0, 51), 0);
    bool removed = false;
    ck_assert_int_eq(planner_reduce_span(p, a, 10, &removed), 0);
    ck_assert(removed);
    ck_assert_uint_eq(planner_span_count(p), 0);
    /* a solo planner switched to the treap keeps its span */
    a = planner_add_span(p, 50, 10, 2);
    ck_assert_int_eq(planner_force_tree(p), 0);
    ck_assert(planner_uses_tree(p));
    ck_assert_int_eq(planner_avail_at(p, 55), 8);
    ck_assert_int_eq(planner_avail_at(p, 60), 10);
    ck_assert_int_eq(planner_rem_span(p, a), 0);
    ck_assert_int_eq(planner_avail_at(p, 55), 10);
    /* z holds one span and was never searched: solo.  No search to
     * continue; then the treap. */
    TL_ASSERT_ERRNO(planner_avail_time_next(z), ENOENT);
    ck_assert_int_eq(planner_force_tree(z), 0);
    ck_assert(planner_uses_tree(z));
    ck_assert_uint_eq(planner_span_count(z), 1);
    ck_assert_int_eq(planner_end_after(z, 0), 30);
    ck_assert_int_eq(planner_avail_time_first(z, 0, 100, 10), 0);
    planner_destroy(p);
    planner_destroy(z);
}
END_TEST

/* The span table is a packed array up to a few spans and a hash beyond:
 * every span stays reachable across both switches, in any removal order. */
START_TEST(test_span_table_modes)
{
    enum { N = 12 };
    planner_t *p = planner_create(0, 1000, 100) /* spans do not overlap */;
    int64_t ids[N];
    int64_t s, d, a;

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            ids[i] = planner_add_span(p, 20 * i, 5 + i, i + 1);
            ck_assert_int_gt(ids[i], 0);
            for (int j = 0; j <= i; j++) {
                ck_assert_int_eq(planner_span_get(p, ids[j], &s, &d, &a), 0);
                ck_assert_int_eq(s, 20 * j);
                ck_assert_int_eq(d, 5 + j);
                ck_assert_int_eq(a, j + 1);
            }
        }
        /* remove the middle, then odd, then the rest */
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < N; i++) {
                bool pick = pass == 0 ? (i >= 4 && i < 8) : pass == 1 ? (i % 2 == 1) : true;
                if (!pick || ids[i] == 0)
                    continue;
                ck_assert_int_eq(planner_rem_span(p, ids[i]), 0);
                ck_assert_int_eq(planner_avail_at(p, 20 * i), 100);
                TL_ASSERT_ERRNO(planner_span_get(p, ids[i], NULL, NULL, NULL), ENOENT);
                ids[i] = 0;
                for (int j = 0; j < N; j++) {
                    if (ids[j] == 0)
                        continue;
                    ck_assert_int_eq(planner_span_get(p, ids[j], &s, NULL, &a), 0);
                    ck_assert_int_eq(s, 20 * j);
                    ck_assert_int_eq(a, j + 1);
                    ck_assert_int_eq(planner_avail_at(p, 20 * j), 100 - (j + 1));
                }
            }
        }
        ck_assert_uint_eq(planner_span_count(p), 0);
    }
    planner_destroy(p);
}
END_TEST

static Suite *planner_suite(void)
{
    Suite *s = suite_create("planner");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_create_badparam);
    tcase_add_test(tc, test_null_badparam);
    tcase_add_loop_test(tc, test_add_span_cases, 0,
                        2 * sizeof(add_cases) / sizeof(add_cases[0]));
    tcase_add_loop_test(tc, test_touching_spans, 0, 2);
    tcase_add_loop_test(tc, test_query_badparam, 0, 2);
    tcase_add_loop_test(tc, test_reduce, 0, 2);
    tcase_add_loop_test(tc, test_avail_time_cases, 0,
                        2 * sizeof(first_cases) / sizeof(first_cases[0]));
    tcase_add_loop_test(tc, test_update_total, 0, 2);
    tcase_add_test(tc, test_grow_shrink);
    tcase_add_test(tc, test_next_without_first);
    tcase_add_test(tc, test_huge_horizon);
    tcase_add_test(tc, test_solo_transitions);
    tcase_add_test(tc, test_span_table_modes);
    suite_add_tcase(s, tc);
    tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_random_model, 0, NSMALL + NDEEP);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(planner_suite());
}
