/* Unit tests for resource/planner (planner_multi).
 *
 * Bad-parameter and edge-case tables, then a randomized cross-check against
 * a per-second, per-type usage model.
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

static const char *const types3[] = {"core", "gpu", "node"};

static planner_multi_t *make3(int64_t base, int64_t horizon, int64_t c, int64_t g, int64_t n)
{
    const int64_t totals[] = {c, g, n};

    return planner_multi_create(base, horizon, totals, types3, 3);
}

/* Everything observable about availability, for "failure changes nothing". */
struct snap {
    size_t nspans;
    int64_t avail[3][40];
};

static void take_snap(planner_multi_t *m, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    s->nspans = planner_multi_span_count(m);
    for (size_t i = 0; i < planner_multi_size(m) && i < 3; i++)
        pt_avail_row(planner_multi_at(m, i), s->avail[i], 40);
}

static void assert_same(planner_multi_t *m, const struct snap *before)
{
    struct snap now;

    take_snap(m, &now);
    ck_assert_uint_eq(now.nspans, before->nspans);
    ck_assert(memcmp(now.avail, before->avail, sizeof(now.avail)) == 0);
}

/* Table cases run twice: per-type planners as small arrays and, after
 * planner_force_tree, as treaps.  Loop index i: case i / 2, treaps if odd. */
static void use_variant(planner_multi_t *m, int i)
{
    for (size_t k = 0; k < planner_multi_size(m); k++)
        pt_use_variant(planner_multi_at(m, k), i);
}

START_TEST(test_create_badparam)
{
    const int64_t totals[] = {4, 2, 1};
    const char *const dup[] = {"core", "gpu", "core"};
    const char *const empty[] = {"core", "", "node"};
    const char *const null_name[] = {"core", NULL, "node"};
    const int64_t neg[] = {4, -1, 1};

    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, NULL, types3, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, totals, NULL, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, totals, types3, 0), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, totals, dup, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, totals, empty, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, totals, null_name, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 10, neg, types3, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(-1, 10, totals, types3, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(0, 0, totals, types3, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_create(5, INT64_MAX, totals, types3, 3), ERANGE);
}
END_TEST

START_TEST(test_accessors)
{
    planner_multi_t *m = make3(100, 50, 8, 2, 1);
    char name[8] = "gpu";

    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(planner_multi_size(m), 3);
    ck_assert_str_eq(planner_multi_type(m, 0), "core");
    ck_assert_str_eq(planner_multi_type(m, 2), "node");
    ck_assert_int_eq(planner_multi_total(m, 0), 8);
    ck_assert_int_eq(planner_multi_total(m, 1), 2);
    ck_assert_int_eq(planner_multi_index(m, name), 1);
    ck_assert_int_eq(planner_multi_index(m, "node"), 2);
    ck_assert_int_eq(planner_total(planner_multi_at(m, 1)), 2);
    ck_assert_int_eq(planner_base(planner_multi_at(m, 2)), 100);
    ck_assert_int_eq(planner_horizon(planner_multi_at(m, 2)), 50);
    ck_assert_uint_eq(planner_multi_span_count(m), 0);
    TL_ASSERT_ERRNO(planner_multi_index(m, "memory"), ENOENT);
    TL_ASSERT_ERRNO(planner_multi_index(m, NULL), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_type(m, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_total(m, 3), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_at(m, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_avail_during(m, 3, 100, 1), EINVAL);
    planner_multi_destroy(m);
}
END_TEST

START_TEST(test_null_badparam)
{
    const int64_t a[] = {1, 1, 1};
    bool removed;

    errno = ENOSPC;
    planner_multi_destroy(NULL);
    ck_assert_int_eq(errno, ENOSPC);
    ck_assert_uint_eq(planner_multi_size(NULL), 0);
    ck_assert_uint_eq(planner_multi_span_count(NULL), 0);
    TL_ASSERT_NULL_ERRNO(planner_multi_type(NULL, 0), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_total(NULL, 0), EINVAL);
    TL_ASSERT_NULL_ERRNO(planner_multi_at(NULL, 0), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_index(NULL, "core"), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_add_span(NULL, 0, 1, a, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_rem_span(NULL, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_reduce_span(NULL, 1, a, 3, &removed), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_fits(NULL, 0, 1, a, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_avail_during(NULL, 0, 0, 1), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_avail_time_first(NULL, 0, 1, a, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_avail_time_next(NULL), EINVAL);
}
END_TEST

/* add_span on [0, 30) with totals {8, 2, 1} holding span [10, 20) x {4,1,1}. */
static const struct {
    const char *what;
    int64_t start, duration;
    int64_t amounts[3];
    size_t n;
    int err;
} add_cases[] = {
    {"fits beside", 20, 10, {8, 2, 1}, 3, 0},
    {"overlap fits", 5, 10, {4, 1, 0}, 3, 0},
    {"overlap node busy", 5, 10, {4, 1, 1}, 3, EINVAL},
    {"overlap core busy", 15, 1, {5, 0, 0}, 3, EINVAL},
    {"all zero", 10, 10, {0, 0, 0}, 3, 0},
    {"amount > total", 0, 5, {0, 3, 0}, 3, EINVAL},
    {"negative", 0, 5, {1, -1, 0}, 3, EINVAL},
    {"wrong n", 0, 5, {1, 1, 0}, 2, EINVAL},
    {"duration 0", 0, 0, {1, 1, 0}, 3, EINVAL},
    {"past end", 25, 6, {1, 1, 0}, 3, EINVAL},
    {"before base", -1, 6, {1, 1, 0}, 3, EINVAL},
    {"overflow", 5, INT64_MAX, {1, 1, 0}, 3, ERANGE},
};

START_TEST(test_add_cases)
{
    int c = _i / 2;
    planner_multi_t *m = make3(0, 30, 8, 2, 1);
    const int64_t first[] = {4, 1, 1};
    struct snap before;
    int64_t id;

    ck_assert_int_eq(planner_multi_add_span(m, 10, 10, first, 3), 1);
    use_variant(m, _i);
    take_snap(m, &before);
    errno = 0;
    id = planner_multi_add_span(m, add_cases[c].start, add_cases[c].duration,
                                add_cases[c].amounts, add_cases[c].n);
    if (add_cases[c].err) {
        ck_assert_msg(id == -1 && errno == add_cases[c].err, "%s: %lld errno %d",
                      add_cases[c].what, (long long) id, errno);
        assert_same(m, &before);
    } else {
        ck_assert_msg(id == 2, "%s: %lld errno %d", add_cases[c].what, (long long) id, errno);
        ck_assert_uint_eq(planner_multi_span_count(m), 2);
        for (size_t i = 0; i < 3; i++) {
            int64_t s, d, a;
            ck_assert_int_eq(planner_span_get(planner_multi_at(m, i), id, &s, &d, &a), 0);
            ck_assert_int_eq(s, add_cases[c].start);
            ck_assert_int_eq(d, add_cases[c].duration);
            ck_assert_int_eq(a, add_cases[c].amounts[i]);
        }
        ck_assert_int_eq(planner_multi_rem_span(m, id), 0);
        assert_same(m, &before);
    }
    planner_multi_destroy(m);
}
END_TEST

START_TEST(test_rem_reduce)
{
    planner_multi_t *m = make3(0, 30, 8, 2, 1);
    const int64_t a[] = {4, 2, 1};
    const int64_t too_much[] = {5, 0, 0};
    const int64_t neg[] = {1, -1, 0};
    const int64_t zero[] = {0, 0, 0};
    const int64_t part[] = {3, 2, 0};
    const int64_t rest[] = {1, 0, 1};
    struct snap before;
    bool removed = true;
    int64_t id = planner_multi_add_span(m, 5, 10, a, 3);

    ck_assert_int_eq(id, 1);
    take_snap(m, &before);
    TL_ASSERT_ERRNO(planner_multi_rem_span(m, 2), ENOENT);
    TL_ASSERT_ERRNO(planner_multi_reduce_span(m, 2, part, 3, &removed), ENOENT);
    TL_ASSERT_ERRNO(planner_multi_reduce_span(m, id, too_much, 3, &removed), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_reduce_span(m, id, neg, 3, &removed), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_reduce_span(m, id, part, 2, &removed), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_reduce_span(m, id, NULL, 3, &removed), EINVAL);
    assert_same(m, &before);
    /* A zero reduction of a live span is a no-op. */
    ck_assert_int_eq(planner_multi_reduce_span(m, id, zero, 3, &removed), 0);
    ck_assert(!removed);
    assert_same(m, &before);
    ck_assert_int_eq(planner_multi_reduce_span(m, id, part, 3, &removed), 0);
    ck_assert(!removed);
    ck_assert_int_eq(planner_multi_avail_during(m, 0, 5, 10), 7);
    ck_assert_int_eq(planner_multi_avail_during(m, 1, 5, 10), 2);
    ck_assert_int_eq(planner_multi_avail_during(m, 2, 5, 10), 0);
    /* gpu reached 0 but the span lives on in every type. */
    ck_assert_int_eq(planner_span_get(planner_multi_at(m, 1), id, NULL, NULL, NULL), 0);
    ck_assert_uint_eq(planner_multi_span_count(m), 1);
    ck_assert_int_eq(planner_multi_reduce_span(m, id, rest, 3, &removed), 0);
    ck_assert(removed);
    ck_assert_uint_eq(planner_multi_span_count(m), 0);
    ck_assert_uint_eq(planner_span_count(planner_multi_at(m, 2)), 0);
    TL_ASSERT_ERRNO(planner_multi_rem_span(m, id), ENOENT);
    /* Ids are never reused. */
    ck_assert_int_eq(planner_multi_add_span(m, 0, 1, a, 3), 2);
    ck_assert_int_eq(planner_multi_rem_span(m, 2), 0);
    planner_multi_destroy(m);
}
END_TEST

START_TEST(test_fits)
{
    planner_multi_t *m = make3(0, 30, 8, 2, 1);
    const int64_t a[] = {4, 2, 0};
    const int64_t ok[] = {4, 0, 1};
    const int64_t gpu_busy[] = {1, 1, 0};
    const int64_t over[] = {1, 3, 0};
    const int64_t neg[] = {1, 0, -1};

    ck_assert_int_gt(planner_multi_add_span(m, 10, 10, a, 3), 0);
    ck_assert_int_eq(planner_multi_fits(m, 10, 10, ok, 3), 0);
    ck_assert_int_eq(planner_multi_fits(m, 0, 10, gpu_busy, 3), 0);
    ck_assert_int_eq(planner_multi_fits(m, 20, 10, gpu_busy, 3), 0);
    TL_ASSERT_ERRNO(planner_multi_fits(m, 19, 10, gpu_busy, 3), EBUSY);
    TL_ASSERT_ERRNO(planner_multi_fits(m, 0, 5, over, 3), ERANGE);
    TL_ASSERT_ERRNO(planner_multi_fits(m, 0, 5, neg, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_fits(m, 0, 5, ok, 4), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_fits(m, 25, 6, ok, 3), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_avail_during(m, 0, 25, 6), EINVAL);
    ck_assert_int_eq(planner_multi_avail_during(m, 0, 0, 30), 4);
    ck_assert_int_eq(planner_multi_avail_during(m, 1, 0, 10), 2);
    planner_multi_destroy(m);
}
END_TEST

/* On [0, 100) with totals {4, 2, 1}: spans [10,30) x {4,0,0},
 * [20,50) x {0,2,0}, [60,70) x {1,1,1}. */
static const struct {
    int64_t on_or_after, duration;
    int64_t amounts[3];
    int err;
    int64_t seq[10];
} first_cases[] = {
    {0, 10, {1, 1, 0}, 0, {0, 50, 70, -1}},
    {0, 10, {1, 0, 0}, 0, {0, 30, 50, 70, -1}},
    {0, 10, {0, 0, 0}, 0, {0, 30, 50, 70, -1}},
    {0, 11, {1, 0, 0}, 0, {30, 50, 70, -1}},
    {0, 10, {0, 0, 1}, 0, {0, 30, 50, 70, -1}},
    {0, 10, {4, 2, 1}, 0, {0, 50, 70, -1}},
    {0, 20, {4, 2, 1}, 0, {70, -1}},
    {15, 10, {1, 1, 0}, 0, {50, 70, -1}},
    {0, 31, {4, 2, 1}, 0, {-1}},
    {0, 10, {5, 0, 0}, ERANGE, {-1}},
    {0, 101, {1, 0, 0}, ERANGE, {-1}},
    {0, 0, {1, 0, 0}, EINVAL, {-1}},
    {100, 1, {1, 0, 0}, EINVAL, {-1}},
    {-1, 1, {1, 0, 0}, EINVAL, {-1}},
    {0, 1, {-1, 0, 0}, EINVAL, {-1}},
};

static int64_t next_of(void *m)
{
    return planner_multi_avail_time_next(m);
}

START_TEST(test_avail_time_cases)
{
    int c = _i / 2;
    planner_multi_t *m = make3(0, 100, 4, 2, 1);
    const int64_t s1[] = {4, 0, 0}, s2[] = {0, 2, 0}, s3[] = {1, 1, 1};
    struct snap before;
    int64_t t;

    ck_assert_int_gt(planner_multi_add_span(m, 10, 20, s1, 3), 0);
    ck_assert_int_gt(planner_multi_add_span(m, 20, 30, s2, 3), 0);
    ck_assert_int_gt(planner_multi_add_span(m, 60, 10, s3, 3), 0);
    use_variant(m, _i);
    take_snap(m, &before);
    errno = 0;
    t = planner_multi_avail_time_first(m, first_cases[c].on_or_after, first_cases[c].duration,
                                       first_cases[c].amounts, 3);
    tl_check_walk(t, first_cases[c].err, first_cases[c].seq, next_of, m, c);
    assert_same(m, &before);
    planner_multi_destroy(m);
}
END_TEST

START_TEST(test_update)
{
    planner_multi_t *m = make3(0, 100, 8, 4, 1);
    const int64_t a[] = {4, 1, 1};
    const int64_t b[] = {2, 2, 0};
    const char *const grow_types[] = {"memory", "core"};
    const int64_t grow_totals[] = {64, 16};
    const char *const dup[] = {"core", "core"};
    const char *const one[] = {"gpu"};
    const int64_t too_small[] = {2};
    const int64_t neg[] = {-1, 4};
    const int64_t huge[] = {(INT64_C(1) << 61) + 1, 4};
    struct snap before;
    planner_t *core = planner_multi_at(m, 0);
    int64_t s1 = planner_multi_add_span(m, 10, 20, a, 3);
    int64_t s2 = planner_multi_add_span(m, 20, 20, b, 3);

    ck_assert_int_gt(s1, 0);
    ck_assert_int_gt(s2, 0);
    take_snap(m, &before);
    TL_ASSERT_ERRNO(planner_multi_update(NULL, grow_totals, grow_types, 2), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_update(m, NULL, grow_types, 2), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_update(m, grow_totals, NULL, 2), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_update(m, grow_totals, grow_types, 0), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_update(m, grow_totals, dup, 2), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_update(m, neg, grow_types, 2), EINVAL);
    TL_ASSERT_ERRNO(planner_multi_update(m, huge, grow_types, 2), ERANGE);
    /* gpu: 3 in use during [20, 30). */
    TL_ASSERT_ERRNO(planner_multi_update(m, too_small, one, 1), EBUSY);
    ck_assert_uint_eq(planner_multi_size(m), 3);
    ck_assert_int_eq(planner_multi_total(m, 1), 4);
    assert_same(m, &before);

    ck_assert_int_eq(planner_multi_update(m, grow_totals, grow_types, 2), 0);
    ck_assert_uint_eq(planner_multi_size(m), 4);
    ck_assert_ptr_eq(planner_multi_at(m, 0), core);
    ck_assert_int_eq(planner_multi_total(m, 0), 16);
    ck_assert_int_eq(planner_multi_total(m, 1), 4);
    ck_assert_int_eq(planner_multi_index(m, "memory"), 3);
    ck_assert_int_eq(planner_multi_total(m, 3), 64);
    /* The new type shares the live spans at amount 0, so the same points. */
    planner_t *mem = planner_multi_at(m, 3);
    int64_t st, d, am;
    ck_assert_uint_eq(planner_span_count(mem), 2);
    ck_assert_int_eq(planner_span_get(mem, s2, &st, &d, &am), 0);
    ck_assert_int_eq(st, 20);
    ck_assert_int_eq(d, 20);
    ck_assert_int_eq(am, 0);
    ck_assert_int_eq(planner_multi_avail_during(m, 3, 0, 100), 64);
    ck_assert_int_eq(planner_multi_avail_during(m, 0, 0, 100), 10);

    const int64_t c4[] = {0, 0, 0, 64};
    const int64_t c3[] = {1, 0, 0};
    TL_ASSERT_ERRNO(planner_multi_add_span(m, 0, 10, c3, 3), EINVAL);
    int64_t s3 = planner_multi_add_span(m, 0, 60, c4, 4);
    ck_assert_int_gt(s3, s2);
    ck_assert_int_eq(planner_multi_avail_time_first(m, 0, 30, c4, 4), 60);
    ck_assert_int_eq(planner_multi_avail_time_next(m), -1);
    ck_assert_int_eq(planner_multi_rem_span(m, s1), 0);
    ck_assert_uint_eq(planner_span_count(mem), 2);
    ck_assert_uint_eq(planner_multi_span_count(m), 2);
    /* A walk started before an update is over. */
    ck_assert_int_eq(planner_multi_avail_time_first(m, 0, 1, c4, 4), 60);
    ck_assert_int_eq(planner_multi_update(m, too_small + 0, one, 0) == -1, 1);
    const int64_t gpu4[] = {5};
    ck_assert_int_eq(planner_multi_update(m, gpu4, one, 1), 0);
    TL_ASSERT_ERRNO(planner_multi_avail_time_next(m), ENOENT);
    planner_multi_destroy(m);
}
END_TEST

START_TEST(test_next_without_first)
{
    planner_multi_t *m = make3(0, 100, 4, 2, 1);
    const int64_t a[] = {1, 1, 1};

    TL_ASSERT_ERRNO(planner_multi_avail_time_next(m), ENOENT);
    TL_ASSERT_ERRNO(planner_multi_avail_time_first(m, 0, 1, a, 2), EINVAL);
    ck_assert_int_eq(planner_multi_avail_time_first(m, 0, 1, a, 3), 0);
    ck_assert_int_eq(planner_multi_avail_time_next(m), -1);
    planner_multi_destroy(m);
}
END_TEST

/* ---- randomized cross-check --------------------------------------------- */

enum { MAXH = 300, NT = 3, MSPANS = 256, NSMALL = 30, NDEEP = 4 };

struct model {
    int64_t base, h, maxdur;
    int64_t total[NT];
    int64_t use[NT][MAXH];
    struct {
        int64_t id, start, dur, amount[NT];
    } spans[MSPANS];
    int n;
};

static bool model_fits(const struct model *m, int64_t at, int64_t d, const int64_t *a)
{
    if (at < m->base || at + d > m->base + m->h)
        return false;
    for (int i = 0; i < NT; i++)
        for (int64_t t = at; t < at + d; t++)
            if (m->use[i][t - m->base] + a[i] > m->total[i])
                return false;
    return true;
}

/* Does some span end at t (a candidate of avail_time_next)? */
static bool model_is_end(const struct model *m, int64_t t)
{
    for (int i = 0; i < m->n; i++)
        if (m->spans[i].start + m->spans[i].dur == t)
            return true;
    return false;
}

static void model_apply(struct model *m, int k, int64_t sign)
{
    for (int i = 0; i < NT; i++)
        for (int64_t t = m->spans[k].start; t < m->spans[k].start + m->spans[k].dur; t++)
            m->use[i][t - m->base] += sign * m->spans[k].amount[i];
}

static void random_amounts(const struct model *m, int64_t *a)
{
    for (int i = 0; i < NT; i++)
        a[i] = tl_rand(2) ? tl_rand(m->total[i] + 1) : 0;
}

static void random_add(planner_multi_t *pm, struct model *m)
{
    int64_t start = m->base + tl_rand(m->h);
    int64_t d = 1 + tl_rand(m->maxdur);
    int64_t a[NT];
    bool ok;
    int64_t id;

    if (m->n >= MSPANS)
        return;
    random_amounts(m, a);
    ok = model_fits(m, start, d, a);
    errno = 0;
    id = planner_multi_add_span(pm, start, d, a, NT);
    ck_assert_int_eq(id > 0, ok);
    if (!ok) {
        ck_assert_int_eq(errno, EINVAL);
        return;
    }
    m->spans[m->n].id = id;
    m->spans[m->n].start = start;
    m->spans[m->n].dur = d;
    memcpy(m->spans[m->n].amount, a, sizeof(a));
    model_apply(m, m->n, 1);
    m->n++;
}

static void random_release(planner_multi_t *pm, struct model *m)
{
    int k;
    int64_t r[NT];
    bool all = true, removed = false;

    if (m->n == 0)
        return;
    k = (int) tl_rand(m->n);
    if (tl_rand(2)) {
        ck_assert_int_eq(planner_multi_rem_span(pm, m->spans[k].id), 0);
        model_apply(m, k, -1);
        m->spans[k] = m->spans[--m->n];
        return;
    }
    for (int i = 0; i < NT; i++) {
        r[i] = tl_rand(m->spans[k].amount[i] + 1);
        if (r[i] != m->spans[k].amount[i])
            all = false;
    }
    ck_assert_int_eq(planner_multi_reduce_span(pm, m->spans[k].id, r, NT, &removed), 0);
    ck_assert_int_eq(removed, all);
    model_apply(m, k, -1);
    if (all) {
        m->spans[k] = m->spans[--m->n];
        return;
    }
    for (int i = 0; i < NT; i++)
        m->spans[k].amount[i] -= r[i];
    model_apply(m, k, 1);
}

static void random_search(planner_multi_t *pm, const struct model *m)
{
    int64_t on = m->base + tl_rand(m->h);
    int64_t d = 1 + tl_rand(m->h / 2);
    int64_t a[NT];
    int64_t want = -1;
    int64_t t;

    random_amounts(m, a);
    for (int64_t c = on; c + d <= m->base + m->h; c++) {
        if (model_fits(m, c, d, a)) {
            want = c;
            break;
        }
    }
    errno = 0;
    t = planner_multi_avail_time_first(pm, on, d, a, NT);
    ck_assert_msg(t == want, "first = %lld want %lld", (long long) t, (long long) want);
    while (t >= 0) {
        int64_t prev = t;
        want = -1;
        for (int64_t c = prev + 1; c + d <= m->base + m->h; c++) {
            if (model_is_end(m, c) && model_fits(m, c, d, a)) {
                want = c;
                break;
            }
        }
        t = planner_multi_avail_time_next(pm);
        ck_assert_msg(t == want, "next after %lld = %lld want %lld", (long long) prev,
                      (long long) t, (long long) want);
    }
    ck_assert_int_eq(errno, ENOENT);
}

static void random_query(planner_multi_t *pm, const struct model *m)
{
    int64_t at = m->base + tl_rand(m->h);
    int64_t d = 1 + tl_rand(m->h - (at - m->base));
    int64_t a[NT];

    for (int i = 0; i < NT; i++) {
        int64_t mx = 0;
        for (int64_t t = at; t < at + d; t++)
            if (m->use[i][t - m->base] > mx)
                mx = m->use[i][t - m->base];
        ck_assert_int_eq(planner_multi_avail_during(pm, (size_t) i, at, d), m->total[i] - mx);
    }
    random_amounts(m, a);
    ck_assert_int_eq(planner_multi_fits(pm, at, d, a, NT) == 0, model_fits(m, at, d, a));
}

START_TEST(test_random_model)
{
    struct model *m = calloc(1, sizeof(*m));
    planner_multi_t *pm;

    bool deep = _i >= NSMALL;
    int switches = 0;
    bool tree = false;

    tl_rand_seed(777 + (uint64_t) _i * 104729);
    /* Deep runs: many short spans, so the per-type planners become treaps
     * and, in the shrinking phases, arrays again. */
    m->h = deep ? MAXH : 40;
    m->maxdur = deep ? 12 : m->h / 3;
    m->base = tl_rand(2) * 500;
    for (int i = 0; i < NT; i++)
        m->total[i] = deep ? 8 + tl_rand(8) : tl_rand(6);
    pm = planner_multi_create(m->base, m->h, m->total, types3, NT);
    ck_assert_ptr_nonnull(pm);
    for (int step = 0; step < 2000; step++) {
        int op = (int) tl_rand(8);
        if (deep && (step / 500) % 2 == 1 && op <= 2)
            op = 3;
        switch (op) {
        case 0:
        case 1:
        case 2:
            random_add(pm, m);
            break;
        case 3:
        case 4:
            random_release(pm, m);
            break;
        case 5:
            random_query(pm, m);
            break;
        default:
            random_search(pm, m);
            break;
        }
        ck_assert_uint_eq(planner_multi_span_count(pm), (size_t) m->n);
        if (planner_uses_tree(planner_multi_at(pm, 0)) != tree) {
            tree = !tree;
            switches++;
        }
    }
    if (deep)
        ck_assert_int_ge(switches, 2);
    else
        ck_assert_int_eq(switches, 0);
    planner_multi_destroy(pm);
    free(m);
}
END_TEST

static Suite *planner_multi_suite(void)
{
    Suite *s = suite_create("planner_multi");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_create_badparam);
    tcase_add_test(tc, test_accessors);
    tcase_add_test(tc, test_null_badparam);
    tcase_add_loop_test(tc, test_add_cases, 0, 2 * sizeof(add_cases) / sizeof(add_cases[0]));
    tcase_add_test(tc, test_rem_reduce);
    tcase_add_test(tc, test_fits);
    tcase_add_loop_test(tc, test_avail_time_cases, 0,
                        2 * sizeof(first_cases) / sizeof(first_cases[0]));
    tcase_add_test(tc, test_update);
    tcase_add_test(tc, test_next_without_first);
    suite_add_tcase(s, tc);
    tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_random_model, 0, NSMALL + NDEEP);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(planner_multi_suite());
}
