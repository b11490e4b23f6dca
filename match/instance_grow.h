/* instance_grow: growing a matcher's graph while jobs hold resources on it.
 *
 * match_attach() refuses while jobs exist; match_attach_live() grafts
 * beside them.  resource-query's `attach` uses it (the reference attaches
 * next to an allocation and a reservation, Fluxion's t3028), and so does a
 * nested instance whose parent grows its allocation (docs/nested.md, "grow
 * and shrink"): the new resources arrive while its jobs run.  The graft does not touch the
 * existing vertices' planners; the pruning filters of the new subtrees are
 * primed and their ancestors' totals updated in place (match/elastic.c's
 * incremental path, as a removal does), the jobs keep their filter spans.
 */
#ifndef STRATA_MATCH_INSTANCE_GROW_H
#define STRATA_MATCH_INSTANCE_GROW_H

#include "match/match.h"

/* Graft a JGF subgraph into m's graph (vertices whose path exists are
 * reused), with or without jobs.  0, or -1 with err (EINVAL for NULL
 * arguments or a bad JGF; the graph is then unchanged; ENOMEM). */
int match_attach_live(matcher_t *m, const char *jgf_text, struct st_error *err);

#endif
