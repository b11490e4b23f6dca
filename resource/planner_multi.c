/* planner_multi: one planner per resource type, sharing span ids.
 *
 * Every multi-span is recorded in every type's planner, amount 0 included,
 * under the multi-span's own id.  That keeps the per-type planners' sets of
 * scheduled points (and span ends) identical, so "the next span end after t"
 * is the same in all of them, and the earliest time at which every type fits
 * can be found by a fixpoint: ask each type for its earliest fit at or after
 * the current candidate, move the candidate to the latest answer, stop when a
 * whole pass agrees.  Each answer is the candidate itself or a span end, so the result
 * is the earliest common fit, and successive results are the span ends at
 * which everything fits, in order.
 */
#include "resource/planner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/planner_private.h"
#include "resource/st_array.h"

struct multi_type {
    planner_t *planner;
    char *name;
    int64_t it_amount; /* avail_time iterator request */
};

struct planner_multi {
    size_t n;
    int64_t next_id;
    int64_t it_last;
    int64_t it_duration;
    bool it_valid;
    struct multi_type *types; /* n entries; grows with planner_multi_update */
};

static bool names_ok(const char *const *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!types[i] || types[i][0] == '\0')
            return false;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(types[i], types[j]) == 0)
                return false;
        }
    }
    return true;
}

planner_multi_t *planner_multi_create(int64_t base, int64_t horizon, const int64_t *totals,
                                      const char *const *types, size_t n)
{
    planner_multi_t *m;

    if (!totals || !types || n == 0 || !names_ok(types, n)) {
        errno = EINVAL;
        return NULL;
    }
    m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->types = calloc(n, sizeof(m->types[0]));
    if (!m->types) {
        free(m);
        return NULL;
    }
    m->n = n;
    m->next_id = 1;
    for (size_t i = 0; i < n; i++) {
        m->types[i].planner = planner_create(base, horizon, totals[i]);
        if (!m->types[i].planner)
            goto error;
        m->types[i].name = strdup(types[i]);
        if (!m->types[i].name)
            goto error;
    }
    return m;
error:
    planner_multi_destroy(m);
    return NULL;
}

void planner_multi_destroy(planner_multi_t *m)
{
    int saved = errno;

    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        planner_destroy(m->types[i].planner);
        free(m->types[i].name);
    }
    free(m->types);
    free(m);
    errno = saved;
}

size_t planner_multi_size(const planner_multi_t *m)
{
    return m ? m->n : 0;
}

const char *planner_multi_type(const planner_multi_t *m, size_t i)
{
    if (!m || i >= m->n) {
        errno = EINVAL;
        return NULL;
    }
    return m->types[i].name;
}

int64_t planner_multi_total(const planner_multi_t *m, size_t i)
{
    if (!m || i >= m->n) {
        errno = EINVAL;
        return -1;
    }
    return planner_total(m->types[i].planner);
}

planner_t *planner_multi_at(planner_multi_t *m, size_t i)
{
    if (!m || i >= m->n) {
        errno = EINVAL;
        return NULL;
    }
    return m->types[i].planner;
}

int planner_multi_index(const planner_multi_t *m, const char *type)
{
    if (!m || !type) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->types[i].name, type) == 0)
            return (int) i;
    }
    errno = ENOENT;
    return -1;
}

size_t planner_multi_span_count(const planner_multi_t *m)
{
    return m ? planner_span_count(m->types[0].planner) : 0;
}

/* Validate an update: names as for create, totals in range and not below
 * what a listed existing type has in use. */
static int check_update(const planner_multi_t *m, const int64_t *totals,
                        const char *const *types, size_t n)
{
    if (!m || !totals || !types || n == 0 || !names_ok(types, n)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int k = planner_multi_index(m, types[i]);
        if (totals[i] < 0) {
            errno = EINVAL;
            return -1;
        }
        if (totals[i] > PLANNER_TOTAL_MAX) {
            errno = ERANGE;
            return -1;
        }
        if (k >= 0 && planner_peak_usage(m->types[k].planner) > totals[i]) {
            errno = EBUSY;
            return -1;
        }
    }
    return 0;
}

/* A planner for a new type: same window, every existing span at amount 0. */
static planner_t *new_type_planner(const planner_multi_t *m, int64_t total)
{
    const planner_t *p0 = m->types[0].planner;
    planner_t *p = planner_create(planner_base(p0), planner_horizon(p0), total);

    if (p && planner_copy_spans_zero(p, p0) < 0) {
        planner_destroy(p);
        return NULL;
    }
    return p;
}

int planner_multi_update(planner_multi_t *m, const int64_t *totals, const char *const *types,
                         size_t n)
{
    size_t added = 0;
    size_t old_n;

    if (check_update(m, totals, types, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        added += planner_multi_index(m, types[i]) < 0;
    if (st_resize(&m->types, m->n + added, sizeof(m->types[0])) < 0)
        return -1;
    /* Build the new types first so that a failure leaves m as it was. */
    old_n = m->n;
    for (size_t i = 0, k = old_n; i < n; i++) {
        if (planner_multi_index(m, types[i]) >= 0)
            continue;
        m->types[k].planner = new_type_planner(m, totals[i]);
        m->types[k].name = strdup(types[i]);
        m->types[k].it_amount = 0;
        if (!m->types[k].planner || !m->types[k].name) {
            for (size_t j = old_n; j <= k; j++) {
                planner_destroy(m->types[j].planner);
                free(m->types[j].name);
            }
            errno = ENOMEM;
            return -1;
        }
        k++;
    }
    for (size_t i = 0; i < n; i++) {
        /* m->n is still old_n, so new types are not found here. */
        int k = planner_multi_index(m, types[i]);
        if (k >= 0)
            planner_update_total(m->types[k].planner, totals[i]);
    }
    m->n = old_n + added;
    /* A walk's request has no entry for the new types. */
    m->it_valid = false;
    return 0;
}

/* amounts[] has one entry per type, none negative. */
static int check_amounts(const planner_multi_t *m, const int64_t *amounts, size_t n)
{
    if (!m || !amounts || n != m->n) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (amounts[i] < 0) {
            errno = EINVAL;
            return -1;
        }
    }
    return 0;
}

int64_t planner_multi_add_span(planner_multi_t *m, int64_t start, int64_t duration,
                               const int64_t *amounts, size_t n)
{
    int64_t id;
    size_t i;

    if (check_amounts(m, amounts, n) < 0)
        return -1;
    if (planner_check_window(m->types[0].planner, start, duration) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (planner_fits(m->types[i].planner, start, duration, amounts[i]) < 0) {
            errno = EINVAL;
            return -1;
        }
    }
    id = m->next_id;
    for (i = 0; i < n; i++) {
        if (planner_insert_span(m->types[i].planner, id, start, duration, amounts[i]) < 0)
            goto undo;
    }
    m->next_id++;
    return id;
undo:
    /* Only allocation can fail here; give back what was added. */
    while (i-- > 0)
        planner_rem_span(m->types[i].planner, id);
    errno = ENOMEM;
    return -1;
}

int planner_multi_rem_span(planner_multi_t *m, int64_t span_id)
{
    if (!m) {
        errno = EINVAL;
        return -1;
    }
    if (planner_span_get(m->types[0].planner, span_id, NULL, NULL, NULL) < 0)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        planner_rem_span(m->types[i].planner, span_id);
    return 0;
}

int planner_multi_reduce_span(planner_multi_t *m, int64_t span_id, const int64_t *amounts,
                              size_t n, bool *removed)
{
    bool all_zero = true;

    if (check_amounts(m, amounts, n) < 0)
        return -1;
    if (planner_span_get(m->types[0].planner, span_id, NULL, NULL, NULL) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t held;
        planner_span_get(m->types[i].planner, span_id, NULL, NULL, &held);
        if (amounts[i] > held) {
            errno = EINVAL;
            return -1;
        }
        if (amounts[i] < held)
            all_zero = false;
    }
    if (removed)
        *removed = all_zero;
    if (all_zero)
        return planner_multi_rem_span(m, span_id);
    for (size_t i = 0; i < n; i++)
        planner_shrink_span(m->types[i].planner, span_id, amounts[i]);
    return 0;
}

int planner_multi_fits(const planner_multi_t *m, int64_t at, int64_t duration,
                       const int64_t *amounts, size_t n)
{
    if (check_amounts(m, amounts, n) < 0)
        return -1;
    if (planner_check_window(m->types[0].planner, at, duration) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (planner_fits(m->types[i].planner, at, duration, amounts[i]) < 0)
            return -1;
    }
    return 0;
}

int64_t planner_multi_avail_during(const planner_multi_t *m, size_t i, int64_t at,
                                   int64_t duration)
{
    if (!m || i >= m->n) {
        errno = EINVAL;
        return -1;
    }
    return planner_avail_during(m->types[i].planner, at, duration);
}

/* Earliest t >= from at which every type fits (see the header comment). */
static int64_t common_fit(const planner_multi_t *m, int64_t from, int64_t duration)
{
    const planner_t *p0 = m->types[0].planner;
    int64_t t = from;
    bool moved = true;

    /* A type asked for 0 units fits wherever the window does: only the
     * horizon matters for it, and the other types never move t past it. */
    if (from - planner_base(p0) > planner_horizon(p0) - duration) {
        errno = ENOENT;
        return -1;
    }
    while (moved) {
        moved = false;
        for (size_t i = 0; i < m->n; i++) {
            if (m->types[i].it_amount == 0)
                continue;
            int64_t ti =
                planner_earliest_fit(m->types[i].planner, t, duration, m->types[i].it_amount);
            if (ti < 0)
                return -1;
            if (ti != t) {
                t = ti;
                moved = true;
            }
        }
    }
    return t;
}

int64_t planner_multi_avail_time_first(planner_multi_t *m, int64_t on_or_after,
                                       int64_t duration, const int64_t *amounts, size_t n)
{
    const planner_t *p0;
    int64_t t;

    if (check_amounts(m, amounts, n) < 0)
        return -1;
    p0 = m->types[0].planner;
    if (duration < 1 || on_or_after < planner_base(p0) ||
        on_or_after - planner_base(p0) >= planner_horizon(p0)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (amounts[i] > planner_total(m->types[i].planner)) {
            errno = ERANGE;
            return -1;
        }
    }
    if (duration > planner_horizon(p0)) {
        errno = ERANGE;
        return -1;
    }
    m->it_valid = false;
    m->it_duration = duration;
    for (size_t i = 0; i < n; i++)
        m->types[i].it_amount = amounts[i];
    t = common_fit(m, on_or_after, duration);
    if (t < 0)
        return -1;
    m->it_valid = true;
    m->it_last = t;
    return t;
}

int64_t planner_multi_avail_time_next(planner_multi_t *m)
{
    int64_t t;

    if (!m) {
        errno = EINVAL;
        return -1;
    }
    if (!m->it_valid) {
        errno = ENOENT;
        return -1;
    }
    m->it_valid = false;
    /* All types hold the same spans, so type 0 gives the next span end. */
    t = planner_end_after(m->types[0].planner, m->it_last);
    if (t < 0)
        return -1;
    t = common_fit(m, t, m->it_duration);
    if (t < 0)
        return -1;
    m->it_valid = true;
    m->it_last = t;
    return t;
}
