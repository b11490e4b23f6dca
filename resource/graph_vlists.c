/* graph_vlists: vertex lists keyed by a dense integer, packed (CSR) until
 * the first change, segments in one pool after it.  See graph_vlists.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/graph_vlists.h"
#include "resource/st_array.h"

/* Below this much garbage the pool is never packed: packing a small pool
 * often would cost more than the memory it gives back. */
enum { PACK_MIN_GARBAGE = 4096 };

void graph_vlists_adopt(struct graph_vlists *l, int32_t nkeys, int32_t *off, int32_t *pool)
{
    memset(l, 0, sizeof(*l));
    l->nkeys = nkeys;
    l->off = off;
    l->pool = pool;
    l->used = l->cap = off ? off[nkeys] : 0;
}

void graph_vlists_free(struct graph_vlists *l)
{
    free(l->off);
    free(l->seg);
    free(l->pool);
    memset(l, 0, sizeof(*l));
}

const int32_t *graph_vlists_get(const struct graph_vlists *l, int32_t key, int *n)
{
    int32_t start = 0, len = 0;
    if (key >= 0 && key < l->nkeys) {
        if (l->seg) {
            start = l->seg[key].start;
            len = l->seg[key].len;
        } else if (l->off) {
            start = l->off[key];
            len = l->off[key + 1] - start;
        }
    }
    *n = len;
    return len ? l->pool + start : NULL;
}

/* Segment form with room for nkeys keys. */
static int make_segments(struct graph_vlists *l, int32_t nkeys)
{
    if (l->seg && nkeys <= l->segcap)
        return 0;
    int64_t cap = l->segcap ? 2 * (int64_t) l->segcap : 16;
    if (cap < nkeys)
        cap = nkeys;
    if (cap < l->nkeys)
        cap = l->nkeys;
    if (cap > INT32_MAX)
        cap = INT32_MAX;
    struct graph_vseg *s = l->seg;
    if (st_resize(&s, (size_t) cap, sizeof(*s)) < 0)
        return -1;
    if (!l->seg) {
        for (int32_t k = 0; k < l->nkeys; k++) {
            s[k].start = l->off ? l->off[k] : 0;
            s[k].len = s[k].cap = l->off ? l->off[k + 1] - l->off[k] : 0;
        }
        free(l->off);
        l->off = NULL;
    }
    l->seg = s;
    l->segcap = (int32_t) cap;
    return 0;
}

int graph_vlists_reserve_keys(struct graph_vlists *l, int32_t nkeys)
{
    return make_segments(l, nkeys);
}

int graph_vlists_room(struct graph_vlists *l, int32_t nkeys, int64_t extra)
{
    if (make_segments(l, nkeys) < 0)
        return -1;
    for (int32_t k = l->nkeys; k < nkeys; k++)
        l->seg[k] = (struct graph_vseg){0, 0, 0};
    if (nkeys > l->nkeys)
        l->nkeys = nkeys;
    if (l->used + extra <= l->cap)
        return 0;
    int64_t cap = l->cap * 2 > l->used + extra ? l->cap * 2 : l->used + extra;
    if (cap < 64)
        cap = 64;
    if (l->used + extra > INT32_MAX) {
        errno = ENOMEM; /* offsets are 32 bits */
        return -1;
    }
    if (cap > INT32_MAX)
        cap = INT32_MAX;
    if (st_resize(&l->pool, (size_t) cap, sizeof(*l->pool)) < 0)
        return -1;
    l->cap = cap;
    return 0;
}

/* The capacity a list of len entries gets when it must move to hold k
 * more: twice what it needs, so that later appends fit in place. */
static int64_t moved_cap(int64_t len, int k)
{
    int64_t need = len + k;
    return need < 4 ? 4 : 2 * need;
}

int64_t graph_vlists_append_room(const struct graph_vlists *l, int32_t key, int k)
{
    if (l->seg && key >= 0 && key < l->nkeys && l->seg[key].len + (int64_t) k <= l->seg[key].cap)
        return 0;
    int n = 0;
    (void) graph_vlists_get(l, key, &n);
    return moved_cap(n, k);
}

void graph_vlists_append(struct graph_vlists *l, int32_t key, const int32_t *vals, int k)
{
    struct graph_vseg *s = &l->seg[key];
    if (k <= 0)
        return;
    if ((int64_t) s->len + k > s->cap) {
        /* move to the tail with room to spare; the old place is garbage */
        int64_t cap = moved_cap(s->len, k);
        memcpy(l->pool + l->used, l->pool + s->start, (size_t) s->len * sizeof(*l->pool));
        l->garbage += s->cap;
        s->start = (int32_t) l->used;
        s->cap = (int32_t) cap;
        l->used += cap;
    }
    memcpy(l->pool + s->start + s->len, vals, (size_t) k * sizeof(*vals));
    s->len += k;
}

int graph_vlists_remove(struct graph_vlists *l, int32_t key, int32_t val)
{
    struct graph_vseg *s = &l->seg[key];
    int32_t *a = l->pool + s->start;
    for (int32_t i = 0; i < s->len; i++) {
        if (a[i] == val) {
            memmove(&a[i], &a[i + 1], (size_t) (s->len - i - 1) * sizeof(*a));
            s->len--;
            return 0;
        }
    }
    return -1;
}

int graph_vlists_remove_sorted(struct graph_vlists *l, int32_t key, const int32_t *vals, int k)
{
    struct graph_vseg *s = &l->seg[key];
    int32_t *a = l->pool + s->start;
    if (k <= 0 || s->len == 0)
        return 0;
    int32_t lo = 0, hi = s->len;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < vals[0])
            lo = mid + 1;
        else
            hi = mid;
    }
    int32_t w = lo, i = lo;
    int j = 0;
    for (; i < s->len && j < k; i++) {
        while (j < k && vals[j] < a[i])
            j++;
        if (j < k && vals[j] == a[i])
            j++;
        else
            a[w++] = a[i];
    }
    /* every value found or passed: the rest moves down in one piece */
    memmove(&a[w], &a[i], (size_t) (s->len - i) * sizeof(*a));
    int removed = (int) (i - w);
    s->len -= removed;
    return removed;
}

void graph_vlists_clear(struct graph_vlists *l, int32_t key)
{
    l->garbage += l->seg[key].cap;
    l->seg[key].len = l->seg[key].cap = 0;
}

void graph_vlists_insert_key(struct graph_vlists *l, int32_t pos)
{
    memmove(&l->seg[pos + 1], &l->seg[pos], (size_t) (l->nkeys - pos) * sizeof(*l->seg));
    l->seg[pos] = (struct graph_vseg){0, 0, 0};
    l->nkeys++;
}

void graph_vlists_delete_key(struct graph_vlists *l, int32_t pos)
{
    l->garbage += l->seg[pos].cap;
    memmove(&l->seg[pos], &l->seg[pos + 1], (size_t) (l->nkeys - pos - 1) * sizeof(*l->seg));
    l->nkeys--;
}

void graph_vlists_pack(struct graph_vlists *l)
{
    if (!l->seg || l->garbage < PACK_MIN_GARBAGE || 2 * l->garbage <= l->used)
        return;
    int64_t live = 0;
    for (int32_t k = 0; k < l->nkeys; k++)
        live += l->seg[k].len;
    int32_t *p = malloc((size_t) (live > 0 ? live : 1) * sizeof(*p));
    if (!p)
        return;
    int64_t at = 0;
    for (int32_t k = 0; k < l->nkeys; k++) {
        struct graph_vseg *s = &l->seg[k];
        memcpy(p + at, l->pool + s->start, (size_t) s->len * sizeof(*p));
        s->start = (int32_t) at;
        s->cap = s->len;
        at += s->len;
    }
    free(l->pool);
    l->pool = p;
    l->used = l->cap = at;
    l->garbage = 0;
}

size_t graph_vlists_bytes(const struct graph_vlists *l)
{
    size_t b = (size_t) l->cap * sizeof(*l->pool);
    if (l->off)
        b += ((size_t) l->nkeys + 1) * sizeof(*l->off);
    if (l->seg)
        b += (size_t) l->segcap * sizeof(*l->seg);
    return b;
}
