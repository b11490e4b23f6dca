/* instance_grow: growing a matcher's graph while jobs hold resources on it.
 *
 * match_attach() refuses while jobs exist (the reference's resource-query
 * behaviour, which the conformance suite checks).  A nested instance whose
 * parent grows its allocation (docs/nested.md, "grow and shrink") must take
 * the new resources while its jobs run: the graft itself does not touch the
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
