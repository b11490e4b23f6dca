/* test/unit/planner_testlib.h: fixtures shared by the planner tests
 * (test_planner.c, test_planner_multi.c).
 *
 * Both run their table cases on the two representations of a planner's
 * points (the small sorted array and, after planner_force_tree, the treap)
 * and check that a failed call changes nothing by comparing what is
 * available at each instant before and after.  Header-only (static inline)
 * because testlib.c is linked into every unit test and most of them do not
 * link the planner.
 */
#ifndef STRATA_PLANNER_TESTLIB_H
#define STRATA_PLANNER_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "resource/planner.h"
#include "resource/planner_private.h" /* planner_uses_tree: white-box checks */

/* Table cases run twice; loop index i: the treap when i is odd (forced
 * here), the array when even.  Asserts that p uses the one asked for. */
static inline void pt_use_variant(planner_t *p, int i)
{
    if (i % 2)
        ck_assert_int_eq(planner_force_tree(p), 0);
    ck_assert_int_eq(planner_uses_tree(p), i % 2);
}

/* avail[k] = what p has available at its base + k, for the first n
 * instants of its horizon; 0 past the horizon's end. */
static inline void pt_avail_row(const planner_t *p, int64_t *avail, int64_t n)
{
    int64_t base = planner_base(p);
    int64_t h = planner_horizon(p);

    memset(avail, 0, (size_t) n * sizeof(*avail));
    for (int64_t k = 0; k < n && k < h; k++)
        avail[k] = planner_avail_at(p, base + k);
}

#endif
