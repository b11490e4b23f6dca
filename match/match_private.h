/* match_private: the matcher's state, shared by the files of match/.
 *
 * match.c     creation, parameters, ops (match_run), job table
 * traverse.c  the request tree and one selection pass (DFU traversal)
 * commit.c    emitting a selection and committing/cancelling its spans
 * find.c      the find predicate language
 *
 * Per-vertex scheduling state lives in dense arrays indexed by vtx_t.
 * Planners are created lazily: a vertex that never held a span has none
 * and answers availability queries from its size.  Per-selection scratch
 * (visit marks, selection marks, candidate groups) is reused between
 * matches: selection marks carry a sequence number instead of being cleared.
 */
#ifndef STRATA_MATCH_PRIVATE_H
#define STRATA_MATCH_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "policy/policy.h"
#include "resource/graph.h"
#include "resource/planner.h"

/* Pruning filters track at most this many distinct resource types. */
enum { MATCH_MAX_FILTERS = 8 };

/* The type of a request no vertex can match (an unknown type inside an
 * xor_slot). */
enum { MATCH_ATOM_NEVER = -1000000 };

/* The x_checker capacity: a vertex is free for exclusive use when no job
 * touches it, i.e. its whole capacity is available. */
enum { MATCH_XCHK_TOTAL = 1 << 30 };

/* A whole-subtree hold: the x_checker amount a job puts on the root of a
 * subtree it takes whole (see commit.c).  Touches add 1 each, so a vertex
 * is a hold root during a window iff its x_checker has at most
 * MATCH_XCHK_TOTAL - MATCH_HOLD free in it. */
enum { MATCH_HOLD = 1 << 29 };

/* One request of the jobspec, with graph atoms and pruning minimums. */
struct mreq {
    atom_t type; /* graph atom; the "slot" pseudo type for slots */
    bool slot;
    struct js_count count;
    enum js_excl excl;
    const char *label;
    struct mreq *with;
    int nwith;
    struct mreq *alt;  /* next sibling slot: an alternative (flexible) */
    bool xor ;         /* an xor_slot: siblings are variants of the request */
    bool xfirst;       /* the first xor_slot of its siblings */
    bool disabled;     /* an xor_slot not in the variant being tried */
    struct mreq *xalt; /* next sibling xor_slot */
    /* Minimum amount of each filter type strictly below this request. */
    int64_t sub[MATCH_MAX_FILTERS];
};

/* One candidate group: a vertex (or a slot of several) that can satisfy a
 * request, with its score and available amount.  Groups of one vertex's
 * candidates form a singly linked list through `next`. */
struct meg {
    atom_t type;
    vtx_t v; /* VTX_NONE for a slot */
    bool excl;
    int64_t score;
    int64_t count;  /* available amount (1 for a slot) */
    int64_t needs;  /* chosen amount, 0 if not chosen */
    int32_t mfirst; /* slot members: indexes into matcher.mem */
    int32_t mcount;
    int32_t next;
};

struct meglist {
    int32_t head, tail;
};

/* What one committed job holds on one vertex.  One per vertex per job, so
 * the small fields share a word (40 bytes, not 48).
 *
 * A subtree taken whole is held once, at its root (`hold`: the root's
 * x_checker carries a MATCH_HOLD span); the vertices below it have neither
 * records nor planner spans: nothing reaches them while the root is held,
 * what looks at them directly asks match_vertex_held(), and the job's
 * vertex list is match_job_foreach() (`inhold` marks the records it makes
 * up for them). */
struct mspan {
    vtx_t v;
    bool excl;
    bool hold;
    bool inhold;
    int64_t needs;
    int64_t plan_span;   /* span id on plans[v], or 0 */
    int64_t xchk_span;   /* span id on xchk[v], or 0 (vertex held whole) */
    int64_t filter_span; /* span id on filt[v], or 0 */
};

struct mjob {
    int64_t id;
    int64_t at;
    int64_t duration;
    bool reserved;
    struct mspan *spans;
    size_t nspans, cap;
};

/* A scheduled point of the root filter whose search key the reference
 * leaves stale (elastic.c): the root's filter totals changed by delta[]
 * (per filter type) while the point at t existed, and no span over t was
 * added or removed since. */
struct mstale {
    int64_t t;
    int64_t delta[MATCH_MAX_FILTERS];
};

struct mfilter_entry {
    atom_t hl; /* ATOM_NONE: any type (ALL) */
    int lli;   /* index into matcher.ftypes */
};

struct matcher {
    graph_t *g;
    policy_t *policy;
    const struct match_policy *pol;
    atom_t dom; /* dominant subsystem */
    atom_t aux[GRAPH_MAX_SUBSYSTEMS];
    int naux;
    enum match_traverser traverser;
    int64_t graph_start, graph_end;

    /* well-known type atoms (ATOM_NONE if the graph has none) */
    atom_t a_node, a_storage_node, a_slot;

    /* pruning filters: types [0, fstride) are tracked at any vertex an
     * entry names (the -p types); types [fstride, nf) are the leaf types
     * only the root tracks (the cluster anchor, anchor_leaf_types), whose
     * totals the root alone keeps, in atot.  fstride is nf when a vertex
     * below the root has the root's type (the anchor entries name it). */
    int nf;
    int fstride;
    int64_t atot[MATCH_MAX_FILTERS]; /* the root's totals of types >= fstride */
    atom_t ftypes[MATCH_MAX_FILTERS];
    char *fnames[MATCH_MAX_FILTERS];
    struct mfilter_entry fent[32];
    int nfent;

    /* per-vertex state, nv entries */
    int32_t nv;
    planner_t **plans;
    planner_t **xchk;
    planner_multi_t **filt;
    int64_t *ftot;   /* nv * fstride subtree totals (match_ftot reads them) */
    uint32_t *fmask; /* filter types tracked at the vertex */
    uint32_t *fspec; /* filter types an entry covers at the vertex (even if absent) */
    int64_t *weight; /* first policy's child order key (match_weight_static, then
                      * match_update_weights_job); NULL under a policy that does
                      * not stop on first (nothing else reads it) */

    /* per-selection scratch, nv entries */
    int32_t *sseq; /* selection mark: == seq when selected */
    int64_t *sneeds;
    uint8_t *sexcl;
    vtx_t *tparent; /* parent in the current traversal */
    vtx_t *sparent; /* parent through which a vertex was selected */
    uint8_t *xin;   /* exclusivity a visited vertex inherited or asked for */
    int32_t seq;
    /* jobspec labels of the vertices the current match's requests matched
     * (JGF "ephemeral"); allocated once a jobspec labels a resource, read
     * only while `labels` (the current jobspec has any) */
    const char **slabel;
    int32_t nslabel;
    bool labels;
    /* visit every usable child (no score-order early stop): statistics */
    bool full_walk;

    /* candidate groups and slot members, reset per selection */
    struct meg *eg;
    int32_t neg, capeg;
    int32_t *mem;
    int32_t nmem, capmem;
    int32_t *tmp; /* sort buffer */
    int32_t captmp;
    /* child-order stack (first policy, best-first visits): one binary heap
     * per exploring frame, popped as children are visited */
    struct okey *order;
    int32_t norder, caporder;

    /* request tree of the current match */
    struct mreq *reqs;
    int nreqs, capreqs;

    /* live whole-subtree holds (struct mspan): 0 spares the ancestor walks
     * of match_vertex_held() */
    int64_t nholds;

    /* jobs */
    struct mjob *jobs;
    size_t njobs, capjobs;

    /* stale root search keys, sorted by t (elastic.c, match_stale_*);
     * recorded only when stale_keys (match_params.stale_search_keys) */
    bool stale_keys;
    struct mstale *stale;
    size_t nstale;
};

/* A compiled jobspec constraint (hostlists and idsets decoded once). */
struct mconstraint;

/* The parameters of one selection pass. */
struct msel {
    matcher_t *m;
    int64_t at, dur;
    int64_t now;      /* the clock when the match was asked for */
    bool sat;         /* satisfiability: ignore status */
    bool shadow_node; /* node-exclusive policy: nodes are emitted whole */
    const struct mconstraint *constraint;
    int64_t factor; /* running node-centric factor */
    int error;      /* a hard error (errno) found during the pass */
    struct st_error *err;
    int64_t preorder, postorder;
    /* types requested with exclusive: true (emitted whole) */
    atom_t xtypes[16];
    int nxtypes;
    int ntop;                 /* top-level requests in matcher.reqs */
    struct mreq *xgroups[16]; /* first xor_slot of each group */
    int nxgroups;
    int64_t nvariants; /* xor variants to try, in order */
    /* > 0 while a slot's members are explored: an exclusive vertex chosen
     * there, at any depth, is consumed whole (its available amount) */
    int in_slot;
    /* the selection comes from a traversal, which checked every selected
     * vertex's availability; otherwise (a replayed R) the commit checks
     * that no other job's hold covers an exclusive vertex */
    bool traversed;
};

/* traverse.c */
int match_build_reqs(matcher_t *m, const jobspec_t *js, struct st_error *err);
int match_select(struct msel *s, const struct mreq *top, int ntop);
int64_t match_calc_count(const struct js_count *c, int64_t qc);
/* Add to tot[] the minimum filter-type amounts requests r[0..n) need. */
void match_request_totals(const matcher_t *m, const struct mreq *r, int n, int64_t *tot);
struct mconstraint *match_constraint_compile(const struct js_constraint *c,
                                             struct st_error *err);
void match_constraint_destroy(struct mconstraint *c);
bool match_constraint_eval(const struct mconstraint *c, const graph_t *g, vtx_t v);

/* commit.c */
int64_t match_plan_avail(const matcher_t *m, vtx_t v, int64_t at, int64_t dur);
bool match_xchk_free(const matcher_t *m, vtx_t v, int64_t at, int64_t dur);
/* The shape of v's filter planner: the root's has a dimension per filter
 * type (nf); below the root, when the anchor types are root-only, the
 * per-vertex types and one dimension for the sum of the anchor types
 * (fstride + 1).  match_filter_dims: that count (0 on a NULL m).
 * match_filter_vec: an nf-entry vector (totals or amounts) as v's planner
 * takes it, into out (MATCH_MAX_FILTERS + 1 entries); returns the count.
 * match_filter_names: v's planner's type names into names (as many).  Both
 * write nothing and return 0 on a NULL m or array. */
size_t match_filter_dims(const matcher_t *m, vtx_t v);
size_t match_filter_vec(const matcher_t *m, vtx_t v, const int64_t *full, int64_t *out);
size_t match_filter_names(const matcher_t *m, vtx_t v, const char **names);
/* Reduce the span of v's filter by amounts (nf entries, one per filter
 * type), as planner_multi_reduce_span; -1 with EINVAL on a NULL m or
 * amounts, v out of range or without a filter. */
int match_filter_reduce(matcher_t *m, vtx_t v, int64_t span, const int64_t *amounts,
                        bool *removed);
/* What v's filter has free of type k over [at, at + dur): its total
 * (match_ftot) without a planner; 0 for an anchor type below the root. */
int64_t match_filter_avail(const matcher_t *m, vtx_t v, int k, int64_t at, int64_t dur);
int match_commit(struct msel *s, struct mjob *job, writer_t *w);
int match_emit_only(struct msel *s, writer_t *w);
void match_release_job(matcher_t *m, struct mjob *job);
/* Remove one span record's planner spans (plan, x_checker, filter). */
void match_span_release(matcher_t *m, const struct mspan *sp);
void match_update_weights_job(matcher_t *m, const struct mjob *job, int64_t now);
/* true if a proper ancestor of v holds v's subtree whole (some job's hold
 * overlaps [at, at + dur)): v is then unavailable although its own
 * planners say nothing (see struct mspan). */
bool match_vertex_held(const matcher_t *m, vtx_t v, int64_t at, int64_t dur);
/* Give every vertex below a hold of job its own record and spans (the
 * state a job has without holds), so that part of the subtree can be
 * released.  0, or -1 with errno (EINVAL, ENOMEM) and nothing changed. */
int match_job_unhold(matcher_t *m, struct mjob *job);
/* Call fn for every vertex job j holds, in commit order: j's records and,
 * before each hold root's record, the vertices below it (a record made up
 * on the fly: exclusive, needs = size, inhold, no spans).  Code that reads
 * a job's vertex list uses this, not j->spans. */
typedef void (*match_vertex_fn)(const struct mspan *sp, void *arg);
void match_job_foreach(const matcher_t *m, const struct mjob *j, match_vertex_fn fn, void *arg);

/* match.c */
struct mjob *match_job_find(const matcher_t *m, int64_t jobid);
/* The total of filter type k strictly below v: its ftot entry for a
 * per-vertex type (k < fstride); for an anchor type, the root's total at
 * the root and 0 elsewhere (no other vertex tracks it).  0 on bad
 * arguments. */
int64_t match_ftot(const matcher_t *m, vtx_t v, int k);
/* The totals v's filter planner is made or re-sized with (nf entries):
 * match_ftot for the per-vertex types, the root's total for an anchor type
 * at every vertex.  Below the root an anchor type's amount is never asked
 * of a planner; its dimension only carries the jobs' spans (whose amounts
 * are never above the root's total).  No-op on bad arguments. */
void match_plan_totals(const matcher_t *m, vtx_t v, int64_t *tot);
/* The exact totals of every filter type strictly below v (nf entries):
 * what a vertex held whole uses of its filter.  An anchor type is counted
 * over v's subtree (O(subtree) below the root).  No-op on bad arguments. */
void match_subtree_totals(const matcher_t *m, vtx_t v, int64_t *tot);
/* Add to acc[k] (nf entries) the sizes of the anchor-type vertices strictly
 * below v in the dominant tree.  No-op on bad arguments. */
void match_anchors_below(const matcher_t *m, vtx_t v, int64_t *acc);
/* Whether a live vertex in [from, to) other than the root has the root's
 * type: then the anchor types are tracked below the root too, and need
 * per-vertex totals (fstride = nf).  false on a NULL m. */
bool match_root_type_below(const matcher_t *m, vtx_t from, vtx_t to);
int match_grow_state(matcher_t *m);
void match_job_drop(matcher_t *m, struct mjob *j);
/* (Re)compute filter totals from the graph; drops every filter planner. */
void match_prime_filters(matcher_t *m);
/* Prime the filters again and rebuild the jobs' filter spans. */
int match_refilter(matcher_t *m);
/* elastic.c: prime what an attach grafted (vertices [from, nv)) with or
 * without jobs: the new subtrees and their ancestors only (the full
 * refilter under graph_full_rebuild()); jobs keep their spans and the
 * first policy's weights go back to their totals when jobs exist, as after
 * the full refilter.  A hold covers whatever is below its root when it is
 * expanded: expand the jobs' holds (match_job_unhold) before the graft.
 * 0, or -1 with errno (EINVAL: NULL m or from out of range; ENOMEM). */
int match_prime_attached(matcher_t *m, vtx_t from);
/* elastic.c: the reference's earliest-time search reads the root filter's
 * points by a key (the point's free amount of the root's first filter type)
 * that a change of the totals does not update: after an attach or remove
 * while jobs exist, every point then present keeps its former key until a
 * span over it is added or removed (or the point goes).  A stale point's
 * key is its free amount minus the deltas since; the search skips a
 * candidate whose key is below the request.
 *
 * match_stale_touch: a span over [at, at + duration) was added (a job
 * committed): the points in it are keyed afresh.  No-op without stale
 * points or on a NULL m. */
void match_stale_touch(matcher_t *m, int64_t at, int64_t duration);
/* Job j (still in the table) is going: its window is keyed afresh and its
 * end point goes if no other job starts or ends there.  No-op without stale
 * points or on NULL arguments. */
void match_stale_gone(matcher_t *m, const struct mjob *j);
/* true unless t is a stale point whose key is below what the request
 * (filter-type totals tot[], as match_request_totals) needs of the root's
 * first tracked filter type; true on NULL arguments. */
bool match_stale_admits(const matcher_t *m, int64_t t, const int64_t *tot);
/* Record a job and commit the current selection for it (emit to w). */
int match_commit_job(struct msel *s, int64_t jobid, bool reserved, writer_t *w);
void match_tag_walk_stats(matcher_t *m, const struct mjob *j, struct match_stats *st);

/* v's filter mask, specified set and first-policy weight from its totals
 * (match_ftot: its ftot row, and the anchor totals at the root). */
void match_set_filter_state(matcher_t *m, vtx_t v);
/* The first policy's weight of v before any job's update passed through
 * it: the subtree total of v's first tracked filter type (filter order of
 * -p), 0 if v tracks none or on a NULL m / v out of range. */
int64_t match_weight_static(const matcher_t *m, vtx_t v);

#endif
