/* test/unit/match_fixture.h: the small hand-built graphs and helpers the
 * match tests share (test_match, test_match_hold, test_cancel,
 * test_match_anchor, test_attach_reserve, test_instance_grow,
 * test_match_slot_whole, test_update_free).
 *
 * MF_PLAIN and MF_RANKED build the same two-node machine:
 *
 *   cluster0 -> node0 -> socket0 -> core0, core1
 *                     -> socket1 -> core2, core3
 *            -> node1 -> socket0 -> core., core.
 *                     -> socket1 -> core., core.
 *
 * MF_PLAIN: no ranks, core ids 0..7 across the machine (node1 has core4..7).
 * MF_RANKED: node n and everything below it run on rank n, core ids 0..3
 * on each node.
 *
 * MF_RACKS: two racks of two ranked nodes, one socket each, with two cores
 * and a gpu (an untracked leaf under the default filters):
 *
 *   cluster0 -> rack0 -> node0 (rank 0) -> socket0 -> core0, core1, gpu0
 *                     -> node1 (rank 1) -> socket0 -> ...
 *            -> rack1 -> node2 (rank 2), node3 (rank 3): the same
 *
 * One graph at a time (mf_g), rebuilt by mf_build and freed by
 * mf_teardown; Check runs each test in its own process.
 */
#ifndef STRATA_TEST_MATCH_FIXTURE_H
#define STRATA_TEST_MATCH_FIXTURE_H

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "resource/graph.h"
#include "resource/writer.h"

enum mf_layout { MF_PLAIN, MF_RANKED, MF_RACKS };

/* The current graph and its notable vertices (VTX_NONE where the layout
 * has none): mf_core[n][k] is core k of node n counted from 0 on each node
 * (ids differ by layout, see above), mf_gpu[n] node n's gpu (MF_RACKS). */
extern graph_t *mf_g;
extern vtx_t mf_cluster, mf_rack[2], mf_node[4], mf_core[4][4], mf_gpu[4];

/* Build the graph of `layout` into mf_g (asserting success). */
void mf_build(enum mf_layout layout);

/* Free mf_g; safe when nothing was built. */
void mf_teardown(void);

/* A matcher on mf_g with a policy name and -p filters (NULL: default),
 * asserting success. */
matcher_t *mf_make(const char *policy, const char *filters);

/* A jobspec with `resources` (YAML lines under "resources:"), one task per
 * slot labelled "default", and a duration; asserts that it parses. */
jobspec_t *mf_spec(const char *resources, int duration);

/* slot[nslots] -> type[count]: the flat request most tests make
 * ("slot[1]->core[n]": n cores together; "slot[n]->core[1]": anywhere),
 * through mf_spec. */
jobspec_t *mf_slots(int nslots, const char *type, int count, int duration);

/* node[nnodes] (exclusive: true) -> slot[1] -> core[ncores]: whole nodes,
 * ncores asked for on each, through mf_spec. */
jobspec_t *mf_whole_nodes(int nnodes, int ncores, int duration);

/* The simple-writer text of `find expr` (asserting success); free() it. */
char *mf_find(matcher_t *m, const char *expr);

/* The same on any graph g (m's) with any writer format. */
char *mf_find_as(matcher_t *m, graph_t *g, enum writer_format fmt, const char *expr);

/* The vertex names `find expr` lists, one a line, without the tree's
 * indentation ("core0[1:x]\ngpu0[1:x]\n..."), so that assertions read as
 * the output; free() it. */
char *mf_find_names(matcher_t *m, const char *expr);

/* Asserts that `find expr` lists exactly `want` (as mf_find_names). */
void mf_assert_find(matcher_t *m, const char *expr, const char *want);

/* JGF text for tests that build small graphs: append one vertex (JGF id,
 * type, its id, rank or -1, containment path) or one containment edge to the
 * list being written in buf (n bytes); the list's '[' must be there, and a
 * ", " goes before every element but the first. */
void mf_jgf_vertex(char *buf, size_t n, int id, const char *type, int vid, int rank,
                   const char *path);

/* The same with a size and its unit (a pool: memory, storage...). */
void mf_jgf_pool(char *buf, size_t n, int id, const char *type, int vid, int rank, int size,
                 const char *unit, const char *path);
void mf_jgf_edge(char *buf, size_t n, int src, int dst);

#endif
