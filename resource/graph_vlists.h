/* graph_vlists: lists of vertices keyed by a dense integer, for the graph
 * store's read side (children and parents per subsystem keyed by vertex, the
 * type and name indexes keyed by atom, the rank index keyed by position).
 *
 * A full graph_finalize() builds the lists packed, as CSR: one offset per
 * key and one pool, the cheapest form for a graph that never changes.  The
 * first change (growth or removal) switches them to segments: a (start,
 * length, capacity) triple per key into the same pool.  A list that grows
 * beyond its capacity moves to the pool's tail with twice the room, so that
 * a long list (every core of the machine, by type) that gets a few entries
 * per attach moves once in a while, not every time; a removal closes the
 * gap inside its segment; both keep the order of the other entries, which is
 * what output order depends on.  The space a moved or cleared list leaves
 * behind is counted as garbage, and the pool is packed again once it is
 * mostly garbage, so a change costs the size of what it adds or removes
 * plus, for a removal, the part of each touched list after the first
 * removed entry, amortised.
 *
 * Every list is a contiguous array: callers index the pointer returned by
 * graph_vlists_get() until the next change.
 *
 * Private to the graph module: only graph.c includes it.  Functions that
 * can fail come before the ones that change content, so that graph.c can
 * make room first and then apply a change that cannot fail.
 */
#ifndef STRATA_RESOURCE_GRAPH_VLISTS_H
#define STRATA_RESOURCE_GRAPH_VLISTS_H

#include <stddef.h>
#include <stdint.h>

struct graph_vseg {
    int32_t start, len, cap;
};

struct graph_vlists {
    int32_t nkeys;
    int32_t *off;           /* packed form: nkeys + 1 offsets; NULL otherwise */
    struct graph_vseg *seg; /* segment form: segcap entries; NULL otherwise */
    int32_t segcap;
    int32_t *pool; /* the entries (vertices) */
    int64_t used, cap;
    int64_t garbage; /* pool slots no segment owns */
};

/* Take a packed CSR (off has nkeys + 1 entries, pool has off[nkeys]); the
 * lists own both arrays from now on. */
void graph_vlists_adopt(struct graph_vlists *l, int32_t nkeys, int32_t *off, int32_t *pool);

/* Free the arrays and zero l.  A zeroed l is empty and valid. */
void graph_vlists_free(struct graph_vlists *l);

/* The list of key, *n its length (0 and NULL for a key out of range or an
 * empty list). */
const int32_t *graph_vlists_get(const struct graph_vlists *l, int32_t key, int *n);

/* Switch to segment form with at least nkeys keys (new keys are empty) and
 * room for `extra` more entries in the pool.  -1 with ENOMEM (l keeps its
 * content: only its form or capacity may have changed). */
int graph_vlists_room(struct graph_vlists *l, int32_t nkeys, int64_t extra);

/* Switch to segment form with capacity for nkeys keys, adding none (for
 * graph_vlists_insert_key()).  -1 with ENOMEM, content kept. */
int graph_vlists_reserve_keys(struct graph_vlists *l, int32_t nkeys);

/* The room graph_vlists_append() of k entries to key needs. */
int64_t graph_vlists_append_room(const struct graph_vlists *l, int32_t key, int k);

/* Append k entries to key's list.  Needs segment form and the room above. */
void graph_vlists_append(struct graph_vlists *l, int32_t key, const int32_t *vals, int k);

/* Remove the first occurrence of val from key's list (segment form); 0, or
 * -1 if absent. */
int graph_vlists_remove(struct graph_vlists *l, int32_t key, int32_t val);

/* Remove vals[0..k) (ascending) from key's list, itself ascending (segment
 * form).  Returns the number removed.  Costs a binary search and one pass
 * over the list from the first removed entry on. */
int graph_vlists_remove_sorted(struct graph_vlists *l, int32_t key, const int32_t *vals, int k);

/* Empty key's list (segment form). */
void graph_vlists_clear(struct graph_vlists *l, int32_t key);

/* Insert an empty key at pos (keys pos.. shift up by one) / delete the key
 * at pos (its list must be empty).  Segment form with segcap > nkeys for an
 * insert (graph_vlists_room(l, nkeys + 1, 0)). */
void graph_vlists_insert_key(struct graph_vlists *l, int32_t pos);
void graph_vlists_delete_key(struct graph_vlists *l, int32_t pos);

/* Pack the pool again if more than half of it is garbage (amortised: the
 * garbage came from changes at least as large).  A failed allocation only
 * keeps the garbage. */
void graph_vlists_pack(struct graph_vlists *l);

/* Heap bytes held. */
size_t graph_vlists_bytes(const struct graph_vlists *l);

#endif
