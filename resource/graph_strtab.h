/* graph_strtab: the graph store's string interner and string arena.
 *
 * A resource graph repeats a handful of strings (types, basenames, names
 * such as "core0", units, subsystems, property keys) hundreds of thousands of
 * times.  The interner maps each distinct string to a small dense integer
 * (an atom) so that a vertex stores 4 bytes per string field, and compares
 * are integer compares.
 *
 * Strings live in an arena of large chunks that never move, so a pointer
 * returned by graph_strtab_str() or graph_strtab_store() stays valid until
 * graph_strtab_destroy().  The arena also holds strings that are not worth
 * interning because they are nearly all distinct (vertex paths).
 *
 * Private to the graph module: only graph.c includes it.
 */
#ifndef STRATA_RESOURCE_GRAPH_STRTAB_H
#define STRATA_RESOURCE_GRAPH_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct graph_strtab;

/* Create an empty table.  NULL with errno ENOMEM. */
struct graph_strtab *graph_strtab_create(void);

/* Free the table and every string it handed out.  NULL is a no-op; errno is
 * preserved. */
void graph_strtab_destroy(struct graph_strtab *t);

/* Intern the len bytes at s (no NUL needed).  Returns the atom (>= 0), the
 * same one for equal strings, or -1 with errno ENOMEM / EINVAL (NULL). */
int32_t graph_strtab_intern(struct graph_strtab *t, const char *s, size_t len);

/* Look up a NUL-terminated string without adding it: -1 if absent. */
int32_t graph_strtab_find(const struct graph_strtab *t, const char *s);

/* The string of atom a, or NULL if a is out of range.  Valid for the life of
 * the table. */
const char *graph_strtab_str(const struct graph_strtab *t, int32_t a);

/* Number of atoms. */
int32_t graph_strtab_count(const struct graph_strtab *t);

/* Copy len bytes of s into the arena, NUL-terminated, without interning.
 * Returns the copy (valid for the life of the table) or NULL (ENOMEM). */
const char *graph_strtab_store(struct graph_strtab *t, const char *s, size_t len);

/* Heap bytes held by the table (arena chunks, hash slots, atom arrays). */
size_t graph_strtab_memory(const struct graph_strtab *t);

/* The hash used by the table (FNV-1a, 32 bits), exposed so that the graph's
 * path index hashes the same way. */
uint32_t graph_strtab_hash(const char *s, size_t len);

#endif
