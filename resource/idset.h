/* idset: sets of non-negative integers in RFC 22 form ("0-3,7,9-10").
 *
 * Used for ranks and core/gpu ids in R (rv1exec), rank constraints and the
 * rlite/rv1 writers.  Encoding is always ascending with ranges of 2+
 * consecutive ids collapsed ("0-1" for {0,1}, "0,2" for {0,2}).
 */
#ifndef STRATA_RESOURCE_IDSET_H
#define STRATA_RESOURCE_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resource/st_error.h"

typedef struct idset idset_t;

/* An empty set; NULL with ENOMEM.  Free with idset_destroy() (NULL is a
 * no-op; errno is preserved). */
idset_t *idset_create(void);
void idset_destroy(idset_t *s);

/* Parse "0-3,7" (also "[0-3]" brackets and "" = empty; ids in any order,
 * overlaps merged).  NULL with EINVAL on bad text (negative or decreasing
 * range, stray character, empty element), err naming the column. */
idset_t *idset_decode(const char *text, struct st_error *err);

/* Encode ascending, ranges collapsed ("" for the empty set).  Caller frees;
 * NULL with EINVAL (s NULL) or ENOMEM. */
char *idset_encode(const idset_t *s);

/* Add / remove one id: 0, or -1 with EINVAL (s NULL, id < 0) or ENOMEM.
 * Adding a member or removing a non-member is a no-op. */
int idset_add(idset_t *s, int64_t id);
int idset_remove(idset_t *s, int64_t id);
/* Membership (false for NULL or a negative id); number of ids (0 for NULL);
 * equality (false if either is NULL). */
bool idset_test(const idset_t *s, int64_t id);
size_t idset_count(const idset_t *s);
bool idset_equal(const idset_t *a, const idset_t *b);

/* Iterate ascending: first, then next after `prev`; -1 at the end. */
int64_t idset_first(const idset_t *s);
int64_t idset_next(const idset_t *s, int64_t prev);

#endif
