/* graph_strtab: string interner (open addressing) over a chunked arena. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/graph_strtab.h"
#include "resource/st_array.h"

/* Chunks are large so that a 350k-vertex graph's paths need few mallocs; a
 * string longer than a chunk gets a chunk of its own. */
enum { ARENA_CHUNK = 1 << 20 };

struct arena_chunk {
    struct arena_chunk *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    char data[];
};

struct graph_strtab {
    struct arena_chunk *chunks; /* newest first */
    size_t arena_bytes;
    const char **str; /* atom -> string */
    uint32_t *hash;   /* atom -> hash, so that rehashing never rereads strings */
    int32_t natoms, cap_atoms;
    int32_t *slots;  /* open addressing: atom or -1 */
    uint32_t nslots; /* power of two */
};

uint32_t graph_strtab_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 16777619u;
    }
    return h;
}

struct graph_strtab *graph_strtab_create(void)
{
    struct graph_strtab *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->nslots = 256;
    t->slots = malloc(t->nslots * sizeof(*t->slots));
    if (!t->slots) {
        free(t);
        errno = ENOMEM;
        return NULL;
    }
    memset(t->slots, 0xff, t->nslots * sizeof(*t->slots));
    return t;
}

void graph_strtab_destroy(struct graph_strtab *t)
{
    if (!t)
        return;
    int saved = errno;
    struct arena_chunk *c = t->chunks;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(t->str);
    free(t->hash);
    free(t->slots);
    free(t);
    errno = saved;
}

const char *graph_strtab_store(struct graph_strtab *t, const char *s, size_t len)
{
    if (!t || !s) {
        errno = EINVAL;
        return NULL;
    }
    struct arena_chunk *c = t->chunks;
    if (!c || c->size - c->used < len + 1) {
        size_t size = len + 1 > ARENA_CHUNK ? len + 1 : ARENA_CHUNK;
        c = malloc(sizeof(*c) + size);
        if (!c) {
            errno = ENOMEM;
            return NULL;
        }
        c->size = size;
        c->used = 0;
        /* A fresh big chunk becomes the current one; an oversized one is
         * slotted behind it so that the current chunk's free space is kept. */
        if (t->chunks && size > ARENA_CHUNK) {
            c->next = t->chunks->next;
            t->chunks->next = c;
        } else {
            c->next = t->chunks;
            t->chunks = c;
        }
        t->arena_bytes += sizeof(*c) + size;
    }
    char *p = c->data + c->used;
    memcpy(p, s, len);
    p[len] = '\0';
    c->used += len + 1;
    return p;
}

static int32_t probe(const struct graph_strtab *t, const char *s, size_t len, uint32_t h,
                     uint32_t *slot)
{
    uint32_t mask = t->nslots - 1;
    uint32_t i = h & mask;
    for (;;) {
        int32_t a = t->slots[i];
        if (a < 0)
            break;
        if (t->hash[a] == h && strncmp(t->str[a], s, len) == 0 && t->str[a][len] == '\0')
            return a;
        i = (i + 1) & mask;
    }
    *slot = i;
    return -1;
}

static int grow_slots(struct graph_strtab *t)
{
    uint32_t n = t->nslots * 2;
    int32_t *slots = malloc(n * sizeof(*slots));
    if (!slots)
        return -1;
    memset(slots, 0xff, n * sizeof(*slots));
    for (int32_t a = 0; a < t->natoms; a++) {
        uint32_t i = t->hash[a] & (n - 1);
        while (slots[i] >= 0)
            i = (i + 1) & (n - 1);
        slots[i] = a;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return 0;
}

static int grow_atoms(struct graph_strtab *t)
{
    int32_t cap = t->cap_atoms ? t->cap_atoms * 2 : 64;
    if (st_resize(&t->str, (size_t) cap, sizeof(*t->str)) < 0 ||
        st_resize(&t->hash, (size_t) cap, sizeof(*t->hash)) < 0)
        return -1;
    t->cap_atoms = cap;
    return 0;
}

int32_t graph_strtab_intern(struct graph_strtab *t, const char *s, size_t len)
{
    if (!t || !s) {
        errno = EINVAL;
        return -1;
    }
    uint32_t h = graph_strtab_hash(s, len);
    uint32_t slot = 0;
    int32_t a = probe(t, s, len, h, &slot);
    if (a >= 0)
        return a;
    /* Keep the load factor under 1/2 so probes stay short. */
    if ((uint32_t) (t->natoms + 1) * 2 > t->nslots) {
        if (grow_slots(t) < 0)
            goto nomem;
        (void) probe(t, s, len, h, &slot);
    }
    if (t->natoms == t->cap_atoms && grow_atoms(t) < 0)
        goto nomem;
    const char *copy = graph_strtab_store(t, s, len);
    if (!copy)
        goto nomem;
    a = t->natoms++;
    t->str[a] = copy;
    t->hash[a] = h;
    t->slots[slot] = a;
    return a;
nomem:
    errno = ENOMEM;
    return -1;
}

int32_t graph_strtab_find(const struct graph_strtab *t, const char *s)
{
    if (!t || !s)
        return -1;
    size_t len = strlen(s);
    uint32_t slot;
    return probe(t, s, len, graph_strtab_hash(s, len), &slot);
}

const char *graph_strtab_str(const struct graph_strtab *t, int32_t a)
{
    if (!t || a < 0 || a >= t->natoms)
        return NULL;
    return t->str[a];
}

int32_t graph_strtab_count(const struct graph_strtab *t)
{
    return t ? t->natoms : 0;
}

size_t graph_strtab_memory(const struct graph_strtab *t)
{
    if (!t)
        return 0;
    return sizeof(*t) + t->arena_bytes +
           (size_t) t->cap_atoms * (sizeof(char *) + sizeof(uint32_t)) +
           (size_t) t->nslots * sizeof(int32_t);
}
