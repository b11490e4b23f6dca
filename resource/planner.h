/* planner: time-indexed availability of one resource pool.
 *
 * A planner tracks how many of `total` units of a pool are in use over the
 * integer-second window [base, base + horizon).  Work is recorded as spans
 * (start, duration, amount): while a span is live, `amount` units are used
 * during [start, start + duration).  Queries answer
 *
 *   - how many units are free during a whole window [at, at + d),
 *   - whether `amount` fits during [at, at + d),
 *   - the earliest t >= T at which `amount` fits for d seconds (and the next
 *     such t after a previous answer, for callers that must try candidate
 *     times in order).
 *
 * The only times at which availability changes are span starts and ends
 * ("scheduled points").  They live in a balanced tree keyed by time, with a
 * second index ordered by free amount so that earliest-fit is O(log n) in the
 * number of points.  A planner with no span holds one point and a few words.
 *
 * planner_multi groups one planner per resource type (cores, gpus, nodes...)
 * sharing span ids; it is what aggregate pruning filters use.
 *
 * Errors: -1 with errno set.  EINVAL: bad arguments (negative amount, window
 * outside [base, base + horizon), amount > total); ENOENT: unknown span id or
 * no time fits; ERANGE: an amount or time that overflows int64.  A failed
 * call changes nothing.
 */
#ifndef STRATA_RESOURCE_PLANNER_H
#define STRATA_RESOURCE_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct planner planner_t;
typedef struct planner_multi planner_multi_t;

/* ---- single-pool planner ------------------------------------------------- */

/* Create a planner over [base, base + horizon) with `total` units.
 * EINVAL if base < 0, horizon < 1 or total < 0. */
planner_t *planner_create(int64_t base, int64_t horizon, int64_t total);

/* NULL is a no-op; errno preserved. */
void planner_destroy(planner_t *p);

int64_t planner_base(const planner_t *p);
int64_t planner_horizon(const planner_t *p);
int64_t planner_total(const planner_t *p);

/* Number of live spans. */
size_t planner_span_count(const planner_t *p);

/* Add a span; returns its id (>= 1), or -1 with EINVAL if the window is not
 * inside the planner or the amount does not fit during it (ERANGE on
 * overflow). */
int64_t planner_add_span(planner_t *p, int64_t start, int64_t duration, int64_t amount);

/* Remove a span entirely.  ENOENT if unknown. */
int planner_rem_span(planner_t *p, int64_t span_id);

/* Give back `amount` units of a span early (partial release).  If the span's
 * amount reaches 0 it is removed and *removed is set true.  EINVAL if amount
 * is < 1 or more than the span holds. */
int planner_reduce_span(planner_t *p, int64_t span_id, int64_t amount, bool *removed);

/* Query a span: start, duration and amount (any pointer may be NULL). */
int planner_span_get(const planner_t *p, int64_t span_id, int64_t *start, int64_t *duration,
                     int64_t *amount);

/* Minimum free units over [at, at + duration); -1 with EINVAL if the window
 * is outside the planner. */
int64_t planner_avail_during(const planner_t *p, int64_t at, int64_t duration);

/* Free units at instant `at`. */
int64_t planner_avail_at(const planner_t *p, int64_t at);

/* 0 if `amount` units are free during all of [at, at + duration), else -1
 * with errno EBUSY (or EINVAL for a bad window/amount). */
int planner_fits(const planner_t *p, int64_t at, int64_t duration, int64_t amount);

/* Earliest t >= on_or_after such that `amount` fits during [t, t + duration)
 * and t + duration <= base + horizon.  -1 with ENOENT if none, EINVAL if
 * amount > total or arguments are bad. */
int64_t planner_avail_time_first(planner_t *p, int64_t on_or_after, int64_t duration,
                                 int64_t amount);

/* The next such t strictly after the last answer of avail_time_first/next on
 * this planner (same duration and amount); -1 with ENOENT when exhausted. */
int64_t planner_avail_time_next(planner_t *p);

/* ---- multi-resource planner ------------------------------------------------ */

/* One planner per resource type, sharing span ids.  types[] are copied. */
planner_multi_t *planner_multi_create(int64_t base, int64_t horizon, const int64_t *totals,
                                      const char *const *types, size_t n);
void planner_multi_destroy(planner_multi_t *m);

size_t planner_multi_size(const planner_multi_t *m);
const char *planner_multi_type(const planner_multi_t *m, size_t i);
int64_t planner_multi_total(const planner_multi_t *m, size_t i);
planner_t *planner_multi_at(planner_multi_t *m, size_t i);
/* Index of a type, or -1 (ENOENT). */
int planner_multi_index(const planner_multi_t *m, const char *type);

/* Add a span using amounts[i] of each type (0 allowed).  Returns a span id. */
int64_t planner_multi_add_span(planner_multi_t *m, int64_t start, int64_t duration,
                               const int64_t *amounts, size_t n);
int planner_multi_rem_span(planner_multi_t *m, int64_t span_id);
/* Partial release: reduce each type by amounts[i]; *removed set when all
 * reach 0 and the span is gone. */
int planner_multi_reduce_span(planner_multi_t *m, int64_t span_id, const int64_t *amounts,
                              size_t n, bool *removed);

/* 0 if all amounts fit during [at, at + duration), else -1 (EBUSY). */
int planner_multi_fits(const planner_multi_t *m, int64_t at, int64_t duration,
                       const int64_t *amounts, size_t n);
/* Free units of type i during [at, at + duration). */
int64_t planner_multi_avail_during(const planner_multi_t *m, size_t i, int64_t at,
                                   int64_t duration);
/* Earliest t >= on_or_after at which all amounts fit; then the next ones. */
int64_t planner_multi_avail_time_first(planner_multi_t *m, int64_t on_or_after,
                                       int64_t duration, const int64_t *amounts, size_t n);
int64_t planner_multi_avail_time_next(planner_multi_t *m);

#endif
