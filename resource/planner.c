/* planner: time-indexed availability of one resource pool.
 *
 * Representation.  Usage over time is a step function that only changes at
 * span starts and ends ("scheduled points").  Each point stores the change
 * of usage at its time (delta) and how many span boundaries sit there
 * (refs; the point goes away when the last one does).  Usage at t is the sum
 * of the deltas of all points at or before t.
 *
 * Points live in a treap keyed by time whose priorities are a hash of the
 * time, so the shape is a deterministic function of the key set and the
 * expected depth is O(log n) even when spans arrive in time order.  Each node
 * also carries, for its subtree taken in time order, the sum of deltas and
 * the maximum and minimum running sum.  With them:
 *
 *   - adding or removing a span touches two points: O(log n), no range update;
 *   - usage at t and the maximum usage over a window are O(log n);
 *   - "first point at or after x whose usage is above (or at most) a limit" is
 *     O(log n): a subtree whose running-sum bounds cannot cross the limit is
 *     skipped whole.
 *
 * Earliest fit alternates the last two: from a candidate t, find the first
 * violating point inside [t, t + d); if there is none t fits, otherwise jump
 * to the first point after it where usage is low enough again.  The answer
 * is t itself or a point where usage drops, i.e. where some span ends.  The
 * walk (avail_time_next) therefore steps from span end to span end; a
 * subtree count of points holding a span end finds the next one in
 * O(log n).
 *
 * Small planners (the per-vertex ones, nearly always a handful of spans)
 * keep their points in a sorted array of absolute usage instead: a binary
 * search and a short scan beat pointer chasing there, and adding a span
 * needs no allocation.  A planner switches to the treap above ARRAY_MAX
 * points and back at ARRAY_LOW; every query goes through the pts_* layer.
 *
 * Spans are kept in an open-addressing hash table by id, allocated on first
 * use and released when the planner empties, so an idle planner is one small
 * struct.
 *
 * Solo planners.  Most per-vertex planners hold exactly one span at a time
 * (one job on a core, a node).  A planner whose first span arrives while it
 * is empty keeps that span inside the struct, in place of the array and
 * span-table pointers, and no point array at all: the two points of one span
 * are implied by it (usage `amount` from start, 0 from end).  Queries read a
 * two-point view built on the stack; a second span (or a switch to the
 * treap) first materializes the ordinary representation.  That saves two
 * allocations per busy vertex (~130 bytes with malloc's headers), which is
 * most of the memory a whole-node allocation costs.
 */
#include "resource/planner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/planner_private.h"
#include "resource/st_array.h"

struct point {
    int64_t time;
    int64_t delta;  /* change of usage at `time` */
    int64_t sum;    /* subtree: sum of deltas */
    int64_t maxpre; /* subtree: max running sum, in time order */
    int64_t minpre; /* subtree: min running sum */
    struct point *left;
    struct point *right;
    uint32_t refs;       /* span boundaries at `time` */
    uint32_t ends;       /* of which span ends */
    uint32_t end_points; /* subtree: points with ends > 0 */
    uint32_t prio;
};

struct span {
    int64_t id; /* 0: empty slot */
    int64_t start;
    int64_t end;
    int64_t amount;
};

/* State of an avail_time_first/next walk.  Allocated on the first search:
 * most planners (one per vertex) are never searched. */
struct search_iter {
    int64_t last;
    int64_t duration;
    int64_t amount;
    bool valid;
};

/* A point of the small-planner representation: a sorted array holding the
 * usage itself, so queries are a binary search and a short scan. */
struct apoint {
    int64_t time;
    int64_t use; /* usage from `time` until the next point */
    uint32_t refs;
    uint32_t ends;
};

/* Array while at most ARRAY_MAX points, treap above; back to an array when
 * a treap shrinks to ARRAY_LOW points (the gap avoids flapping).  Measured
 * with bench_planner-style loads: up to ~40 spans the array builds ~3x and
 * answers ~1.5x faster; beyond that the treap wins. */
enum { ARRAY_MAX = 64, ARRAY_LOW = 16 };

/* Planners exist per vertex, so their size matters: 72 bytes on LP64 (an
 * 80-byte malloc chunk).  The solo span shares its storage with the fields
 * only a non-solo planner uses (C11 anonymous members keep the field names
 * flat); the span table's capacity is kept as a log2 to fit there. */
struct planner {
    int64_t base;
    int64_t end; /* base + horizon */
    int64_t total;
    int64_t next_id;
    union {
        struct { /* !solo */
            union {
                struct point *root; /* tree */
                struct apoint *arr; /* !tree */
            } pts;
            struct span *slots;       /* span table (see span_cap) */
            struct search_iter *iter; /* a solo planner is never searched */
            uint32_t npts;            /* scheduled points held */
            uint16_t arr_cap;         /* capacity of pts.arr */
            uint8_t capl;             /* span table capacity: 0, or 1 << (capl - 1) */
        };
        struct span one; /* solo: the only span; its points are implied */
    };
    uint32_t nspans;
    bool tree;
    bool solo;
};
_Static_assert(sizeof(struct planner) <= 5 * sizeof(int64_t) + 4 * sizeof(void *),
               "keep struct planner small");

/* Capacity of the span table (a power of two, or 0). */
static uint32_t span_cap(const planner_t *p)
{
    return p->capl ? UINT32_C(1) << (p->capl - 1) : 0;
}

static void set_span_cap(planner_t *p, uint32_t cap)
{
    p->capl = cap ? (uint8_t) (__builtin_ctz(cap) + 1) : 0;
}

/* Scheduled points held (a solo planner's two are implied). */
static uint32_t pts_n(const planner_t *p)
{
    return p->solo ? 2 : p->npts;
}

static uint64_t mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* ---- treap of scheduled points ---------------------------------------- */

static void pull(struct point *n)
{
    const struct point *l = n->left;
    const struct point *r = n->right;
    int64_t sum = (l ? l->sum : 0) + n->delta;
    int64_t maxp = sum;
    int64_t minp = sum;

    if (l) {
        maxp = max64(maxp, l->maxpre);
        minp = min64(minp, l->minpre);
    }
    if (r) {
        maxp = max64(maxp, sum + r->maxpre);
        minp = min64(minp, sum + r->minpre);
        sum += r->sum;
    }
    n->sum = sum;
    n->maxpre = maxp;
    n->minpre = minp;
    n->end_points = (n->ends > 0) + (l ? l->end_points : 0) + (r ? r->end_points : 0);
}

static struct point *rotate_right(struct point *n)
{
    struct point *l = n->left;

    n->left = l->right;
    pull(n);
    l->right = n;
    pull(l);
    return l;
}

static struct point *rotate_left(struct point *n)
{
    struct point *r = n->right;

    n->right = r->left;
    pull(n);
    r->left = n;
    pull(r);
    return r;
}

/* Add one boundary (a span end if is_end) with usage change `delta` at
 * `time`.  A new node is taken from *fresh (and *fresh cleared) only when no
 * point exists at `time`. */
static struct point *tree_insert(struct point *n, struct point **fresh, int64_t time,
                                 int64_t delta, bool is_end)
{
    if (!n) {
        struct point *f = *fresh;
        *fresh = NULL;
        *f = (struct point){.time = time,
                            .delta = delta,
                            .refs = 1,
                            .ends = is_end,
                            .prio = (uint32_t) mix64((uint64_t) time)};
        pull(f);
        return f;
    }
    if (time == n->time) {
        n->delta += delta;
        n->refs++;
        n->ends += is_end;
    } else if (time < n->time) {
        n->left = tree_insert(n->left, fresh, time, delta, is_end);
        if (n->left->prio > n->prio)
            return rotate_right(n);
    } else {
        n->right = tree_insert(n->right, fresh, time, delta, is_end);
        if (n->right->prio > n->prio)
            return rotate_left(n);
    }
    pull(n);
    return n;
}

/* Link a prepared node (children NULL, key absent from the treap). */
static struct point *tree_put(struct point *n, struct point *f)
{
    if (!n) {
        pull(f);
        return f;
    }
    if (f->time < n->time) {
        n->left = tree_put(n->left, f);
        if (n->left->prio > n->prio)
            return rotate_right(n);
    } else {
        n->right = tree_put(n->right, f);
        if (n->right->prio > n->prio)
            return rotate_left(n);
    }
    pull(n);
    return n;
}

/* Join two treaps, every key of a below every key of b. */
static struct point *tree_merge(struct point *a, struct point *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->prio > b->prio) {
        a->right = tree_merge(a->right, b);
        pull(a);
        return a;
    }
    b->left = tree_merge(a, b->left);
    pull(b);
    return b;
}

/* Undo one boundary (a span end if is_end) of usage change `delta` at `time`
 * (the point exists).  When its last boundary goes, the node is unlinked
 * into *freed. */
static struct point *tree_release(struct point *n, int64_t time, int64_t delta, bool is_end,
                                  struct point **freed)
{
    if (time < n->time) {
        n->left = tree_release(n->left, time, delta, is_end, freed);
    } else if (time > n->time) {
        n->right = tree_release(n->right, time, delta, is_end, freed);
    } else {
        n->delta -= delta;
        n->ends -= is_end;
        if (--n->refs == 0) {
            *freed = n;
            return tree_merge(n->left, n->right);
        }
    }
    pull(n);
    return n;
}

/* Change the delta of the existing point at `time`, keeping its refs. */
static void tree_adjust(struct point *n, int64_t time, int64_t delta)
{
    if (time < n->time)
        tree_adjust(n->left, time, delta);
    else if (time > n->time)
        tree_adjust(n->right, time, delta);
    else
        n->delta += delta;
    pull(n);
}

static void tree_free(struct point *n)
{
    while (n) {
        struct point *r = n->right;
        tree_free(n->left);
        free(n);
        n = r;
    }
}

/* Usage at instant t: the sum of deltas of points at or before t. */
static int64_t usage_at(const struct point *n, int64_t t)
{
    int64_t u = 0;

    while (n) {
        if (n->time <= t) {
            u += (n->left ? n->left->sum : 0) + n->delta;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return u;
}

/* Max usage at points with time in [lo, hi], INT64_MIN if none.  `offset`
 * is the usage just before n's subtree; lo_ok/hi_ok say a bound is already
 * known to hold for the whole subtree. */
static int64_t range_max(const struct point *n, int64_t lo, int64_t hi, int64_t offset,
                         bool lo_ok, bool hi_ok)
{
    int64_t best = INT64_MIN;

    while (n) {
        int64_t lsum = n->left ? n->left->sum : 0;
        if (lo_ok && hi_ok)
            return max64(best, offset + n->maxpre);
        if (!lo_ok && n->time < lo) {
            offset += lsum + n->delta;
            n = n->right;
        } else if (!hi_ok && n->time > hi) {
            n = n->left;
        } else {
            best = max64(best, range_max(n->left, lo, hi, offset, lo_ok, true));
            offset += lsum + n->delta;
            best = max64(best, offset);
            lo_ok = true;
            n = n->right;
        }
    }
    return best;
}

/* Could some point of n's subtree have usage above limit (above) or at
 * most limit (!above)? */
static bool may_match(const struct point *n, int64_t offset, int64_t limit, bool above)
{
    return above ? offset + n->maxpre > limit : offset + n->minpre <= limit;
}

/* First point with time >= x whose usage is > limit (above) or <= limit
 * (!above).  Subtrees that cannot match are skipped whole, so this is one or
 * two root-to-leaf paths. */
static bool first_match(const struct point *n, int64_t x, int64_t offset, int64_t limit,
                        bool above, int64_t *out)
{
    while (n && may_match(n, offset, limit, above)) {
        int64_t lsum = n->left ? n->left->sum : 0;
        if (n->time < x) {
            offset += lsum + n->delta;
            n = n->right;
            continue;
        }
        if (first_match(n->left, x, offset, limit, above, out))
            return true;
        offset += lsum + n->delta;
        if (above ? offset > limit : offset <= limit) {
            *out = n->time;
            return true;
        }
        n = n->right;
    }
    return false;
}

/* ---- sorted array of points (small planners) ----------------------------- */

/* Index of the first point at or after t (after t if `after`). */
static uint32_t arr_find(const struct apoint *a, uint32_t n, int64_t t, bool after)
{
    uint32_t lo = 0;
    uint32_t hi = n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid].time < t || (after && a[mid].time == t))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int64_t arr_usage_at(const struct apoint *a, uint32_t n, int64_t t)
{
    uint32_t i = arr_find(a, n, t, true);

    return i ? a[i - 1].use : 0;
}

static int64_t arr_max_usage(const struct apoint *a, uint32_t n, int64_t at, int64_t duration)
{
    uint32_t i = arr_find(a, n, at, true);
    int64_t m = i ? a[i - 1].use : 0;

    for (; i < n && a[i].time - at < duration; i++)
        m = max64(m, a[i].use);
    return m;
}

static bool arr_first_match(const struct apoint *a, uint32_t n, int64_t x, int64_t limit,
                            bool above, int64_t *out)
{
    for (uint32_t i = arr_find(a, n, x, false); i < n; i++) {
        if (above ? a[i].use > limit : a[i].use <= limit) {
            *out = a[i].time;
            return true;
        }
    }
    return false;
}

static bool arr_end_after(const struct apoint *a, uint32_t n, int64_t t, int64_t *out)
{
    for (uint32_t i = arr_find(a, n, t, true); i < n; i++) {
        if (a[i].ends > 0) {
            *out = a[i].time;
            return true;
        }
    }
    return false;
}

/* Add one boundary; room for it is reserved. */
static void arr_insert(planner_t *p, int64_t time, int64_t delta, bool is_end)
{
    struct apoint *a = p->pts.arr;
    uint32_t i = arr_find(a, p->npts, time, false);

    if (i == p->npts || a[i].time != time) {
        memmove(a + i + 1, a + i, (p->npts - i) * sizeof(*a));
        a[i] = (struct apoint){.time = time, .use = i ? a[i - 1].use : 0};
        p->npts++;
    }
    a[i].refs++;
    a[i].ends += is_end;
    for (uint32_t j = i; j < p->npts; j++)
        a[j].use += delta;
}

/* Change usage from the existing point at `time` on. */
static uint32_t arr_adjust(planner_t *p, int64_t time, int64_t delta)
{
    struct apoint *a = p->pts.arr;
    uint32_t i = arr_find(a, p->npts, time, false);

    for (uint32_t j = i; j < p->npts; j++)
        a[j].use += delta;
    return i;
}

static void arr_release(planner_t *p, int64_t time, int64_t delta, bool is_end)
{
    struct apoint *a = p->pts.arr;
    uint32_t i = arr_adjust(p, time, -delta);

    a[i].ends -= is_end;
    if (--a[i].refs == 0) {
        memmove(a + i, a + i + 1, (p->npts - i - 1) * sizeof(*a));
        p->npts--;
    }
    if (p->npts == 0) {
        free(p->pts.arr);
        p->pts.arr = NULL;
        p->arr_cap = 0;
    }
}

/* Switch an array planner to a treap; on ENOMEM nothing changes. */
static int to_tree(planner_t *p)
{
    struct point *nodes[ARRAY_MAX];
    struct point *root = NULL;
    int64_t prev = 0;

    for (uint32_t i = 0; i < p->npts; i++) {
        nodes[i] = malloc(sizeof(struct point));
        if (!nodes[i]) {
            while (i-- > 0)
                free(nodes[i]);
            errno = ENOMEM;
            return -1;
        }
    }
    for (uint32_t i = 0; i < p->npts; i++) {
        const struct apoint *a = &p->pts.arr[i];
        *nodes[i] = (struct point){.time = a->time,
                                   .delta = a->use - prev,
                                   .refs = a->refs,
                                   .ends = a->ends,
                                   .prio = (uint32_t) mix64((uint64_t) a->time)};
        prev = a->use;
        root = tree_put(root, nodes[i]);
    }
    free(p->pts.arr);
    p->pts.root = root;
    p->arr_cap = 0;
    p->tree = true;
    return 0;
}

static void tree_to_array(const struct point *n, struct apoint *a, uint32_t *k, int64_t *use)
{
    while (n) {
        tree_to_array(n->left, a, k, use);
        *use += n->delta;
        a[(*k)++] =
            (struct apoint){.time = n->time, .use = *use, .refs = n->refs, .ends = n->ends};
        n = n->right;
    }
}

/* Switch a small treap back to an array; without memory it stays a treap,
 * which is only slower. */
static void to_array(planner_t *p)
{
    uint16_t cap = 2 * ARRAY_LOW;
    struct apoint *a = p->npts ? malloc(cap * sizeof(*a)) : NULL;
    uint32_t k = 0;
    int64_t use = 0;

    if (p->npts && !a)
        return;
    tree_to_array(p->pts.root, a, &k, &use);
    tree_free(p->pts.root);
    p->pts.arr = a;
    p->arr_cap = a ? cap : 0;
    p->tree = false;
}

/* ---- point store: whichever representation p uses ------------------------ */

/* The sorted points of an array planner; for a solo planner, its two implied
 * points written into buf. */
static const struct apoint *arr_of(const planner_t *p, struct apoint buf[2])
{
    if (!p->solo)
        return p->pts.arr;
    buf[0] = (struct apoint){.time = p->one.start, .use = p->one.amount, .refs = 1};
    buf[1] = (struct apoint){.time = p->one.end, .use = 0, .refs = 1, .ends = 1};
    return buf;
}

/* Give a solo planner the ordinary representation (a dense span table and
 * a point array, both with room for one more span).  0, or -1 with ENOMEM and nothing
 * changed. */
static int unsolo(planner_t *p)
{
    struct span one = p->one;
    struct span *slots;
    struct apoint *a;

    if (!p->solo)
        return 0;
    slots = calloc(2, sizeof(*slots));
    a = malloc(4 * sizeof(*a));
    if (!slots || !a) {
        free(slots);
        free(a);
        errno = ENOMEM;
        return -1;
    }
    arr_of(p, a);
    p->solo = false;
    p->pts.arr = a;
    p->arr_cap = 4;
    p->npts = 2;
    p->iter = NULL;
    p->slots = slots;
    set_span_cap(p, 2);
    slots[0] = one; /* a dense table */
    return 0;
}

static int64_t pts_usage_at(const planner_t *p, int64_t t)
{
    struct apoint buf[2];

    return p->tree ? usage_at(p->pts.root, t) : arr_usage_at(arr_of(p, buf), pts_n(p), t);
}

/* Max usage over [at, at + duration); the window is valid. */
static int64_t max_usage(const planner_t *p, int64_t at, int64_t duration)
{
    struct apoint buf[2];

    if (!p->tree)
        return arr_max_usage(arr_of(p, buf), pts_n(p), at, duration);
    return max64(usage_at(p->pts.root, at),
                 range_max(p->pts.root, at + 1, at + duration - 1, 0, false, false));
}

/* First point at or after x with usage > limit (above) or <= limit. */
static bool pts_first_match(const planner_t *p, int64_t x, int64_t limit, bool above,
                            int64_t *out)
{
    struct apoint buf[2];

    if (p->tree)
        return first_match(p->pts.root, x, 0, limit, above, out);
    return arr_first_match(arr_of(p, buf), pts_n(p), x, limit, above, out);
}

/* Make room for the two boundaries of a new span: 0, or -1 with ENOMEM and
 * no visible change.  fresh[] gets the nodes a treap may need. */
static int pts_reserve(planner_t *p, struct point *fresh[2])
{
    if (!p->tree && p->npts + 2 > ARRAY_MAX && to_tree(p) < 0)
        return -1;
    if (p->tree) {
        fresh[0] = malloc(sizeof(struct point));
        fresh[1] = malloc(sizeof(struct point));
        if (fresh[0] && fresh[1])
            return 0;
        free(fresh[0]);
        free(fresh[1]);
        fresh[0] = fresh[1] = NULL;
        errno = ENOMEM;
        return -1;
    }
    if (p->npts + 2 > p->arr_cap) {
        size_t cap = st_grow_cap(p->arr_cap, (size_t) p->npts + 2, 2);
        if (cap > ARRAY_MAX)
            cap = ARRAY_MAX;
        if (st_resize(&p->pts.arr, cap, sizeof(*p->pts.arr)) < 0)
            return -1;
        p->arr_cap = (uint16_t) cap;
    }
    return 0;
}

static void pts_insert(planner_t *p, struct point **fresh, int64_t time, int64_t delta,
                       bool is_end)
{
    if (!p->tree) {
        arr_insert(p, time, delta, is_end);
        return;
    }
    bool was_fresh = *fresh != NULL;
    p->pts.root = tree_insert(p->pts.root, fresh, time, delta, is_end);
    if (was_fresh && !*fresh)
        p->npts++;
}

static void pts_release(planner_t *p, int64_t time, int64_t delta, bool is_end)
{
    struct point *freed = NULL;

    if (!p->tree) {
        arr_release(p, time, delta, is_end);
        return;
    }
    p->pts.root = tree_release(p->pts.root, time, delta, is_end, &freed);
    if (freed) {
        free(freed);
        if (--p->npts <= ARRAY_LOW)
            to_array(p);
    }
}

static void pts_adjust(planner_t *p, int64_t time, int64_t delta)
{
    if (p->tree)
        tree_adjust(p->pts.root, time, delta);
    else
        arr_adjust(p, time, delta);
}

/* ---- span table --------------------------------------------------------- */

/* Up to DENSE_MAX slots the table is a plain array, spans packed at the
 * front and found by a linear scan: no empty slots to pay for (a
 * two-span planner needs 64 bytes, not a 4-slot hash), and a scan of a
 * few ids is as fast as hashing.  Beyond that it is an open-addressing
 * hash of at least 2 * DENSE_MAX slots, so the capacity tells the modes
 * apart.  In both modes unused slots have id 0. */
enum { DENSE_MAX = 8 };

static bool span_dense(const planner_t *p)
{
    return span_cap(p) <= DENSE_MAX;
}

static size_t slot_of(size_t cap, int64_t id)
{
    return (size_t) mix64((uint64_t) id) & (cap - 1);
}

static struct span *span_find(const planner_t *p, int64_t id)
{
    if (p->solo)
        return p->one.id == id ? (struct span *) &p->one : NULL;
    if (id < 1 || p->capl == 0)
        return NULL;
    if (span_dense(p)) {
        for (uint32_t i = 0; i < p->nspans; i++)
            if (p->slots[i].id == id)
                return &p->slots[i];
        return NULL;
    }
    size_t cap = span_cap(p);
    for (size_t i = slot_of(cap, id);; i = (i + 1) & (cap - 1)) {
        if (p->slots[i].id == id)
            return &p->slots[i];
        if (p->slots[i].id == 0)
            return NULL;
    }
}

/* Put s in a hash table of cap slots. */
static void span_place(struct span *slots, size_t cap, const struct span *s)
{
    size_t i = slot_of(cap, s->id);

    while (slots[i].id != 0)
        i = (i + 1) & (cap - 1);
    slots[i] = *s;
}

/* Record s (room reserved); the caller counts it. */
static void span_add(planner_t *p, const struct span *s)
{
    if (span_dense(p))
        p->slots[p->nspans] = *s;
    else
        span_place(p->slots, span_cap(p), s);
}

/* Move the spans into a new table of `cap` slots (dense if cap <=
 * DENSE_MAX, else hashed).  On failure the table is unchanged. */
static int span_resize(planner_t *p, uint32_t cap)
{
    struct span *slots = calloc(cap, sizeof(*slots));
    uint32_t k = 0;

    if (!slots)
        return -1;
    for (size_t i = 0; i < span_cap(p); i++) {
        if (p->slots[i].id == 0)
            continue;
        if (cap <= DENSE_MAX)
            slots[k++] = p->slots[i];
        else
            span_place(slots, cap, &p->slots[i]);
    }
    free(p->slots);
    p->slots = slots;
    set_span_cap(p, cap);
    return 0;
}

/* Make room for one more span: dense while it fits in DENSE_MAX slots,
 * then a hash with load factor <= 3/4 (linear probing is still short
 * there).  On failure the table is unchanged. */
static int span_reserve(planner_t *p)
{
    uint32_t cap = span_cap(p);
    if (span_dense(p) ? p->nspans < cap : ((size_t) p->nspans + 1) * 4 <= (size_t) cap * 3)
        return 0;
    if (cap >= UINT32_MAX / 2) {
        errno = ENOMEM;
        return -1;
    }
    /* Sized for two spans first: a per-vertex planner rarely holds more. */
    return span_resize(p, cap ? cap * 2 : 2);
}

/* Delete a slot: a dense table moves its last span into the hole; a hash
 * shifts later members of the probe run back so lookups never stop
 * early. */
static void span_delete(planner_t *p, struct span *s)
{
    size_t cap = span_cap(p);
    size_t mask = cap - 1;
    size_t hole = (size_t) (s - p->slots);

    if (span_dense(p)) {
        p->slots[hole] = p->slots[p->nspans - 1];
        hole = p->nspans - 1;
    } else {
        for (size_t j = (hole + 1) & mask; p->slots[j].id != 0; j = (j + 1) & mask) {
            size_t home = slot_of(cap, p->slots[j].id);
            /* The entry may fill the hole unless its home lies in (hole, j]. */
            bool stays = hole < j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                p->slots[hole] = p->slots[j];
                hole = j;
            }
        }
    }
    p->slots[hole].id = 0;
    if (--p->nspans == 0) {
        /* An idle planner goes back to its minimal footprint. */
        free(p->slots);
        p->slots = NULL;
        p->capl = 0;
    } else if (cap >= 64 && (size_t) p->nspans * 8 <= cap) {
        /* Memory follows live spans; load stays <= 1/2 (and the table stays
         * hashed: cap / 4 >= 16).  Without memory the table just stays
         * big. */
        span_resize(p, (uint32_t) (cap / 4));
    }
}

/* ---- lifetime and accessors --------------------------------------------- */

planner_t *planner_create(int64_t base, int64_t horizon, int64_t total)
{
    planner_t *p;

    if (base < 0 || horizon < 1 || total < 0) {
        errno = EINVAL;
        return NULL;
    }
    if (base > INT64_MAX - horizon || total > PLANNER_TOTAL_MAX) {
        errno = ERANGE;
        return NULL;
    }
    /* malloc and one initializer, not calloc: a planner is created for every
     * vertex a job first touches, and calloc's zeroing path costs more. */
    p = malloc(sizeof(*p));
    if (!p)
        return NULL;
    *p = (struct planner){.base = base, .end = base + horizon, .total = total, .next_id = 1};
    return p;
}

void planner_destroy(planner_t *p)
{
    int saved = errno;

    if (!p)
        return;
    if (p->tree)
        tree_free(p->pts.root);
    else if (!p->solo)
        free(p->pts.arr);
    if (!p->solo) {
        free(p->slots);
        free(p->iter);
    }
    free(p);
    errno = saved;
}

int64_t planner_base(const planner_t *p)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    return p->base;
}

int64_t planner_horizon(const planner_t *p)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    return p->end - p->base;
}

int64_t planner_total(const planner_t *p)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    return p->total;
}

size_t planner_span_count(const planner_t *p)
{
    return p ? p->nspans : 0;
}

int64_t planner_peak_usage(const planner_t *p)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    /* Usage before the first point is 0. */
    if (p->tree)
        return p->pts.root ? max64(0, p->pts.root->maxpre) : 0;
    struct apoint buf[2];
    const struct apoint *a = arr_of(p, buf);
    int64_t peak = 0;
    for (uint32_t i = 0; i < pts_n(p); i++)
        peak = max64(peak, a[i].use);
    return peak;
}

int planner_update_total(planner_t *p, int64_t total)
{
    if (!p || total < 0) {
        errno = EINVAL;
        return -1;
    }
    if (total > PLANNER_TOTAL_MAX) {
        errno = ERANGE;
        return -1;
    }
    if (total < planner_peak_usage(p)) {
        errno = EBUSY;
        return -1;
    }
    p->total = total;
    return 0;
}

int planner_copy_spans_zero(planner_t *dst, const planner_t *src)
{
    const struct span *one = &src->one;

    if (src->solo &&
        planner_insert_span(dst, one->id, one->start, one->end - one->start, 0) < 0)
        return -1;
    for (uint32_t i = 0; !src->solo && i < span_cap(src); i++) {
        const struct span *s = &src->slots[i];
        if (s->id != 0 && planner_insert_span(dst, s->id, s->start, s->end - s->start, 0) < 0)
            return -1;
    }
    if (src->next_id > dst->next_id)
        dst->next_id = src->next_id;
    return 0;
}

bool planner_uses_tree(const planner_t *p)
{
    return p && p->tree;
}

int planner_force_tree(planner_t *p)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    if (p->tree)
        return 0;
    return unsolo(p) < 0 ? -1 : to_tree(p);
}

/* ---- argument checks ------------------------------------------------------ */

int planner_check_window(const planner_t *p, int64_t at, int64_t duration)
{
    if (duration < 1 || at < p->base) {
        errno = EINVAL;
        return -1;
    }
    if (at > INT64_MAX - duration) {
        errno = ERANGE;
        return -1;
    }
    if (at + duration > p->end) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* ---- spans ---------------------------------------------------------------- */

int planner_insert_span(planner_t *p, int64_t id, int64_t start, int64_t duration,
                        int64_t amount)
{
    struct point *fresh[2] = {NULL, NULL};
    struct span s = {.id = id, .start = start, .end = start + duration, .amount = amount};

    if (p->nspans == 0 && !p->tree && !p->solo && !p->slots && !p->pts.arr && !p->iter) {
        /* Empty (no table, no points, never searched): the span goes
         * inline. */
        p->one = s;
        p->solo = true;
        p->nspans = 1;
        return 0;
    }
    if (unsolo(p) < 0)
        return -1;
    if (span_reserve(p) < 0 || pts_reserve(p, fresh) < 0) {
        errno = ENOMEM;
        return -1;
    }
    /* End first: while half inserted, usage dips rather than overshoots. */
    pts_insert(p, &fresh[0], s.end, -amount, true);
    pts_insert(p, fresh[0] ? &fresh[0] : &fresh[1], start, amount, false);
    span_add(p, &s);
    p->nspans++;
    free(fresh[0]);
    free(fresh[1]);
    return 0;
}

int planner_add_span_id(planner_t *p, int64_t id, int64_t start, int64_t duration,
                        int64_t amount)
{
    if (!p || id < 1 || amount < 0 || span_find(p, id)) {
        errno = EINVAL;
        return -1;
    }
    if (planner_check_window(p, start, duration) < 0)
        return -1;
    if (amount > p->total - max_usage(p, start, duration)) {
        errno = EINVAL;
        return -1;
    }
    return planner_insert_span(p, id, start, duration, amount);
}

int64_t planner_add_span(planner_t *p, int64_t start, int64_t duration, int64_t amount)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    if (planner_add_span_id(p, p->next_id, start, duration, amount) < 0)
        return -1;
    return p->next_id++;
}

/* The span `id` of p, or NULL with errno EINVAL (p NULL) or ENOENT. */
static struct span *span_lookup(const planner_t *p, int64_t id)
{
    struct span *s = p ? span_find(p, id) : NULL;
    if (!s)
        errno = p ? ENOENT : EINVAL;
    return s;
}

int planner_rem_span(planner_t *p, int64_t span_id)
{
    struct span *s = span_lookup(p, span_id);
    if (!s)
        return -1;
    if (p->solo) {
        /* Back to an empty planner: no table, no points, no search. */
        p->solo = false;
        p->pts.arr = NULL;
        p->slots = NULL;
        p->iter = NULL;
        p->npts = 0;
        p->arr_cap = 0;
        p->capl = 0;
        p->nspans = 0;
        return 0;
    }
    pts_release(p, s->start, s->amount, false);
    pts_release(p, s->end, -s->amount, true);
    span_delete(p, s);
    return 0;
}

int planner_shrink_span(planner_t *p, int64_t id, int64_t amount)
{
    struct span *s = span_lookup(p, id);
    if (!s)
        return -1;
    if (amount < 0 || amount > s->amount) {
        errno = EINVAL;
        return -1;
    }
    if (amount == 0)
        return 0;
    if (!p->solo) { /* a solo planner's points follow its span */
        pts_adjust(p, s->start, -amount);
        pts_adjust(p, s->end, amount);
    }
    s->amount -= amount;
    return 0;
}

int planner_reduce_span(planner_t *p, int64_t span_id, int64_t amount, bool *removed)
{
    struct span *s = span_lookup(p, span_id);
    if (!s)
        return -1;
    if (amount < 1 || amount > s->amount) {
        errno = EINVAL;
        return -1;
    }
    if (amount == s->amount) {
        if (removed)
            *removed = true;
        return planner_rem_span(p, span_id);
    }
    if (removed)
        *removed = false;
    return planner_shrink_span(p, span_id, amount);
}

int planner_span_get(const planner_t *p, int64_t span_id, int64_t *start, int64_t *duration,
                     int64_t *amount)
{
    const struct span *s = span_lookup(p, span_id);
    if (!s)
        return -1;
    if (start)
        *start = s->start;
    if (duration)
        *duration = s->end - s->start;
    if (amount)
        *amount = s->amount;
    return 0;
}

/* ---- queries -------------------------------------------------------------- */

int64_t planner_avail_during(const planner_t *p, int64_t at, int64_t duration)
{
    if (!p) {
        errno = EINVAL;
        return -1;
    }
    if (planner_check_window(p, at, duration) < 0)
        return -1;
    return p->total - max_usage(p, at, duration);
}

int64_t planner_avail_at(const planner_t *p, int64_t at)
{
    if (!p || at < p->base || at >= p->end) {
        errno = EINVAL;
        return -1;
    }
    return p->total - pts_usage_at(p, at);
}

int planner_fits(const planner_t *p, int64_t at, int64_t duration, int64_t amount)
{
    if (!p || amount < 0) {
        errno = EINVAL;
        return -1;
    }
    if (planner_check_window(p, at, duration) < 0)
        return -1;
    if (amount > p->total) {
        errno = ERANGE;
        return -1;
    }
    if (amount > p->total - max_usage(p, at, duration)) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

int64_t planner_earliest_fit(const planner_t *p, int64_t from, int64_t duration, int64_t amount)
{
    int64_t limit = p->total - amount;
    int64_t last_start = p->end - duration;
    int64_t t = from;
    int64_t v;

    while (t <= last_start) {
        if (pts_usage_at(p, t) > limit) {
            /* Usage only changes at points: wait for one that is low enough. */
            if (!pts_first_match(p, t + 1, limit, false, &t))
                break;
            continue;
        }
        if (!pts_first_match(p, t + 1, limit, true, &v) || v >= t + duration)
            return t;
        /* Every start in (t, v] still covers v: skip past it. */
        if (!pts_first_match(p, v + 1, limit, false, &t))
            break;
    }
    errno = ENOENT;
    return -1;
}

/* First point after t at which some span ends; subtrees without one are
 * skipped whole. */
static bool first_end_after(const struct point *n, int64_t t, int64_t *out)
{
    while (n && n->end_points > 0) {
        if (n->time <= t) {
            n = n->right;
            continue;
        }
        if (first_end_after(n->left, t, out))
            return true;
        if (n->ends > 0) {
            *out = n->time;
            return true;
        }
        n = n->right;
    }
    return false;
}

int64_t planner_end_after(const planner_t *p, int64_t t)
{
    int64_t end;

    struct apoint buf[2];
    bool found = p->tree ? first_end_after(p->pts.root, t, &end)
                         : arr_end_after(arr_of(p, buf), pts_n(p), t, &end);

    if (!found) {
        errno = ENOENT;
        return -1;
    }
    return end;
}

/* Arguments shared by both avail_time_first variants: 0, or -1 with EINVAL
 * (malformed) or ERANGE (can never fit in this planner). */
static int check_search(const planner_t *p, int64_t on_or_after, int64_t duration,
                        int64_t amount)
{
    if (amount < 0 || duration < 1 || on_or_after < p->base || on_or_after >= p->end) {
        errno = EINVAL;
        return -1;
    }
    if (amount > p->total || duration > p->end - p->base) {
        errno = ERANGE;
        return -1;
    }
    return 0;
}

int64_t planner_avail_time_first(planner_t *p, int64_t on_or_after, int64_t duration,
                                 int64_t amount)
{
    int64_t t;

    if (!p) {
        errno = EINVAL;
        return -1;
    }
    if (check_search(p, on_or_after, duration, amount) < 0)
        return -1;
    /* The iterator lives in the non-solo part (most planners are never
     * searched). */
    if (unsolo(p) < 0)
        return -1;
    if (!p->iter && !(p->iter = calloc(1, sizeof(*p->iter))))
        return -1;
    p->iter->valid = false;
    t = planner_earliest_fit(p, on_or_after, duration, amount);
    if (t < 0)
        return -1;
    *p->iter =
        (struct search_iter){.last = t, .duration = duration, .amount = amount, .valid = true};
    return t;
}

int64_t planner_avail_time_next(planner_t *p)
{
    int64_t t;

    if (!p) {
        errno = EINVAL;
        return -1;
    }
    if (p->solo || !p->iter || !p->iter->valid) {
        errno = ENOENT;
        return -1;
    }
    p->iter->valid = false;
    /* Availability only improves where a span ends, and earliest_fit from
     * such a point returns it or a later span end. */
    t = planner_end_after(p, p->iter->last);
    if (t < 0)
        return -1;
    t = planner_earliest_fit(p, t, p->iter->duration, p->iter->amount);
    if (t < 0)
        return -1;
    p->iter->valid = true;
    p->iter->last = t;
    return t;
}
