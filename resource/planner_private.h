/* planner_private: hooks between planner.c and planner_multi.c.
 *
 * planner_multi keeps one planner per resource type and gives every type a
 * span for every multi-span (amount 0 included), all under the multi-span's
 * id.  It therefore needs to add spans under a chosen id, to shrink a span
 * down to 0 without removing it, and to run the earliest-fit search without
 * touching a planner's own iterator.  None of this is part of the public
 * contract; only planner.c and planner_multi.c include this header.
 */
#ifndef STRATA_RESOURCE_PLANNER_PRIVATE_H
#define STRATA_RESOURCE_PLANNER_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "resource/planner.h"

/* Largest accepted total: keeps every partial sum of usage deltas (which
 * lie in [-total, 2 * total] while a span is half inserted) inside int64. */
enum { PLANNER_TOTAL_SHIFT = 61 };
#define PLANNER_TOTAL_MAX (INT64_C(1) << PLANNER_TOTAL_SHIFT)

/* Check that [at, at + duration) lies inside p: 0, or -1 with EINVAL
 * (duration < 1, at < base, end past the horizon) or ERANGE (at + duration
 * overflows). */
int planner_check_window(const planner_t *p, int64_t at, int64_t duration);

/* Add a span under the caller's id (id >= 1, unused in p).  Same checks and
 * errno as planner_add_span; amount 0 is allowed.  Returns 0 or -1. */
int planner_add_span_id(planner_t *p, int64_t id, int64_t start, int64_t duration,
                        int64_t amount);

/* Record a span under id without checking anything: the caller has checked
 * the window, that id is unused and that amount fits.  -1 only on ENOMEM,
 * with nothing changed. */
int planner_insert_span(planner_t *p, int64_t id, int64_t start, int64_t duration,
                        int64_t amount);

/* Lower span `id`'s amount by `amount` (0 <= amount <= held) without ever
 * removing it, even at 0.  -1 with ENOENT (unknown id) or EINVAL. */
int planner_shrink_span(planner_t *p, int64_t id, int64_t amount);

/* Earliest t >= from such that amount (0 <= amount <= total) fits during
 * [t, t + duration) with t + duration <= end; `from` itself is a candidate.
 * No argument checks and no iterator update.  -1 with ENOENT if none. */
int64_t planner_earliest_fit(const planner_t *p, int64_t from, int64_t duration,
                             int64_t amount);

/* Give dst (empty, same window) a span of amount 0 for every span of src,
 * under the same ids.  -1 on ENOMEM (dst then holds a subset). */
int planner_copy_spans_zero(planner_t *dst, const planner_t *src);

/* Smallest time after t at which some span ends, or -1 with ENOENT. */
int64_t planner_end_after(const planner_t *p, int64_t t);

/* Whether p currently keeps its points in the treap (else the sorted array);
 * for white-box tests. */
bool planner_uses_tree(const planner_t *p);

/* Switch p to the treap now (it goes back to an array on its own once it
 * shrinks), so that tests can run the same cases on both representations.
 * -1 with ENOMEM (nothing changed) or EINVAL. */
int planner_force_tree(planner_t *p);

#endif
