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
 * ("scheduled points").  They live in a balanced tree keyed by time whose
 * nodes also carry subtree bounds of usage, so that add/remove, window
 * queries and each step of earliest-fit are O(log n) in the number of points
 * (small planners use a sorted array instead, which is faster there).  A
 * planner with no span holds no point, just a few words.
 *
 * planner_multi groups one planner per resource type (cores, gpus, nodes...)
 * sharing span ids; it is what aggregate pruning filters use.
 *
 * Errors: -1 (or NULL) with errno set.  A failed call changes nothing.
 *   EINVAL  malformed arguments: NULL planner, duration < 1, negative amount,
 *           window not inside [base, base + horizon); for add_span also an
 *           amount that is not free during the window.
 *   ERANGE  start + duration overflows int64; for the queries fits and
 *           avail_time_first also "can never fit": amount > total or duration
 *           > horizon, whatever is scheduled.  Callers map it to unsatisfiable.
 *   ENOENT  unknown span id; for avail_time_first/next, no start time in
 *           [on_or_after, base + horizon - duration] at which the request
 *           fits given what is scheduled now.
 *   EBUSY   fits: the amount is not free during the window right now.
 *
 * Spans of amount 0 are allowed (they still create scheduled points, which
 * keeps planner_multi's per-type planners aligned).  Times are integer
 * seconds; spans touching end-to-start do not overlap.  A planner's total is
 * at most 2^61 (ERANGE at create).
 */
#ifndef STRATA_RESOURCE_PLANNER_H
#define STRATA_RESOURCE_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct planner planner_t;
typedef struct planner_multi planner_multi_t;

/* ---- single-pool planner ------------------------------------------------- */

/* Create a planner over [base, base + horizon) with `total` units; free with
 * planner_destroy.  EINVAL if base < 0, horizon < 1 or total < 0; ERANGE if
 * base + horizon overflows or total > 2^61. */
planner_t *planner_create(int64_t base, int64_t horizon, int64_t total);

/* NULL is a no-op; errno preserved. */
void planner_destroy(planner_t *p);

/* Accessors: -1 with EINVAL if p is NULL. */
int64_t planner_base(const planner_t *p);
int64_t planner_horizon(const planner_t *p);
int64_t planner_total(const planner_t *p);

/* Number of live spans (0 for NULL). */
size_t planner_span_count(const planner_t *p);

/* Add a span of `amount` (>= 0) units over [start, start + duration); returns
 * its id (>= 1, never reused by this planner), or -1 with EINVAL if the
 * window is not inside the planner, amount < 0 or the amount is not free
 * during the window; ERANGE if start + duration overflows. */
int64_t planner_add_span(planner_t *p, int64_t start, int64_t duration, int64_t amount);

/* Remove a span entirely.  ENOENT if unknown, EINVAL if p is NULL. */
int planner_rem_span(planner_t *p, int64_t span_id);

/* Give back `amount` units of a span early (partial release).  If the span's
 * amount reaches 0 it is removed and *removed (may be NULL) is set true,
 * else false.  ENOENT if the span is unknown; EINVAL if amount is < 1 or more
 * than the span holds. */
int planner_reduce_span(planner_t *p, int64_t span_id, int64_t amount, bool *removed);

/* Highest usage at any time in the horizon (0 when idle); -1 with EINVAL if
 * p is NULL. */
int64_t planner_peak_usage(const planner_t *p);

/* Change the pool size (the resource graph grew or shrank).  EINVAL if
 * total < 0, ERANGE if total > 2^61, EBUSY if spans use more than `total`
 * at some time (nothing changes). */
int planner_update_total(planner_t *p, int64_t total);

/* Query a span: start, duration and amount (any pointer may be NULL).
 * ENOENT if unknown. */
int planner_span_get(const planner_t *p, int64_t span_id, int64_t *start, int64_t *duration,
                     int64_t *amount);

/* Minimum free units over [at, at + duration); -1 with EINVAL if the window
 * is outside the planner, ERANGE if at + duration overflows.  O(log n). */
int64_t planner_avail_during(const planner_t *p, int64_t at, int64_t duration);

/* Free units at instant `at`; -1 with EINVAL if at is outside
 * [base, base + horizon). */
int64_t planner_avail_at(const planner_t *p, int64_t at);

/* 0 if `amount` units are free during all of [at, at + duration), else -1
 * with errno EBUSY; ERANGE if amount > total (or the window overflows);
 * EINVAL for a bad window or amount < 0. */
int planner_fits(const planner_t *p, int64_t at, int64_t duration, int64_t amount);

/* Earliest t >= on_or_after such that `amount` fits during [t, t + duration)
 * and t + duration <= base + horizon.  The answer is on_or_after itself or a
 * time where some span ends (the only times availability can improve).
 * O(log n) per stretch of busy points skipped.  Errors: EINVAL if
 * duration < 1, amount < 0 or on_or_after is outside [base, base + horizon);
 * ERANGE if it can never fit (amount > total or duration > horizon); ENOENT
 * if no start time in the horizon fits now; ENOMEM.  Starts an iteration for
 * _next (a failure ends it). */
int64_t planner_avail_time_first(planner_t *p, int64_t on_or_after, int64_t duration,
                                 int64_t amount);

/* The next candidate strictly after the last answer of avail_time_first/next
 * on this planner: the earliest span end (a time where some span ends) at
 * which the same amount fits for the same duration, evaluated against the
 * spans present now.  Times where spans only start are skipped: nothing
 * becomes free there, so a request that failed earlier would fail again.
 * -1 with ENOENT when exhausted or when no iteration is active, EINVAL if p
 * is NULL. */
int64_t planner_avail_time_next(planner_t *p);

/* ---- multi-resource planner ------------------------------------------------ */

/* One planner per resource type, sharing span ids.  types[] are copied; they
 * must be n >= 1 distinct non-empty strings (EINVAL).  Each type's planner
 * holds every multi-span (amount 0 included), so all of them have the same
 * scheduled points.  Other errors as planner_create. */
planner_multi_t *planner_multi_create(int64_t base, int64_t horizon, const int64_t *totals,
                                      const char *const *types, size_t n);
/* NULL is a no-op; errno preserved. */
void planner_multi_destroy(planner_multi_t *m);

/* Number of types (0 for NULL). */
size_t planner_multi_size(const planner_multi_t *m);
/* Name of type i, valid until destroy; NULL with EINVAL if i is out of range. */
const char *planner_multi_type(const planner_multi_t *m, size_t i);
/* Total of type i; -1 with EINVAL if i is out of range. */
int64_t planner_multi_total(const planner_multi_t *m, size_t i);
/* The planner of type i, owned by m, for queries only: adding or removing
 * spans on it directly breaks the multi-span bookkeeping.  NULL (EINVAL) if i
 * is out of range. */
planner_t *planner_multi_at(planner_multi_t *m, size_t i);
/* Index of a type, or -1 (ENOENT; EINVAL for NULL arguments). */
int planner_multi_index(const planner_multi_t *m, const char *type);
/* Number of live multi-spans (0 for NULL). */
size_t planner_multi_span_count(const planner_multi_t *m);

/* Re-size after the graph changed: for each of the n (distinct, non-empty)
 * types, set the total of an existing type or add a new type, which gets an
 * amount-0 share of every live multi-span.  Types not listed keep their
 * totals; indices of existing types do not change, new types go at the end.
 * Ends any avail_time walk.  EINVAL for bad arguments, ERANGE for a total
 * above 2^61, EBUSY if a listed type uses more than its new total; on error
 * nothing changes.  Pointers from planner_multi_at stay valid. */
int planner_multi_update(planner_multi_t *m, const int64_t *totals, const char *const *types,
                         size_t n);

/* The functions below take amounts[] with one entry per type (n must equal
 * planner_multi_size, EINVAL otherwise) and use the single-planner errno
 * conventions. */

/* Add a span using amounts[i] of each type (0 allowed).  Returns a span id
 * (>= 1), or -1: EINVAL if a type's amount is not free during the window or
 * the window is bad, ERANGE if start + duration overflows. */
int64_t planner_multi_add_span(planner_multi_t *m, int64_t start, int64_t duration,
                               const int64_t *amounts, size_t n);
/* Remove a multi-span from every type.  ENOENT if unknown. */
int planner_multi_rem_span(planner_multi_t *m, int64_t span_id);
/* Partial release: reduce each type by amounts[i] (0 <= amounts[i] <= held,
 * else EINVAL; ENOENT if unknown).  When every type reaches 0 the span is
 * removed; *removed (may be NULL) says whether it was. */
int planner_multi_reduce_span(planner_multi_t *m, int64_t span_id, const int64_t *amounts,
                              size_t n, bool *removed);

/* 0 if all amounts fit during [at, at + duration), else -1 (EBUSY, or
 * ERANGE if an amount exceeds its total, EINVAL for bad arguments). */
int planner_multi_fits(const planner_multi_t *m, int64_t at, int64_t duration,
                       const int64_t *amounts, size_t n);
/* Free units of type i during [at, at + duration) (minimum over the window);
 * -1 with EINVAL if i or the window is bad. */
int64_t planner_multi_avail_during(const planner_multi_t *m, size_t i, int64_t at,
                                   int64_t duration);
/* Earliest t >= on_or_after at which all amounts fit for duration; errno as
 * planner_avail_time_first (ERANGE if any amount exceeds its type's total).
 * _next then returns, in increasing order, the later span ends (of any
 * multi-span) at which all fit; ENOENT when exhausted. */
int64_t planner_multi_avail_time_first(planner_multi_t *m, int64_t on_or_after,
                                       int64_t duration, const int64_t *amounts, size_t n);
int64_t planner_multi_avail_time_next(planner_multi_t *m);

#endif
