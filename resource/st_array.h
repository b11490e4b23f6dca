/* st_array: growing a heap array, the one way every module does it.
 *
 * Many modules keep an array with a count and a capacity and, when one more
 * element (or a few) must fit, double the capacity and realloc.  Written out
 * at each site, that was seven lines where an overflow of cap * elem went
 * unchecked and errno was sometimes left to realloc.  These inline helpers
 * are the single copy: the capacity doubles from the caller's first size
 * until `need` fits, cap * elem is checked for overflow, and a failure sets
 * errno and leaves the array and its capacity exactly as they were (callers
 * rely on that to validate, then mutate).
 *
 * Header-only so that any module (resource/, policy/, daemon/, tools/) can
 * use it without linking another library.
 */
#ifndef STRATA_ST_ARRAY_H
#define STRATA_ST_ARRAY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The capacity an array of capacity cap needs to hold need elements: cap
 * itself if it is enough, else cap (first when cap is 0) doubled until need
 * fits.  Returns 0 when first is 0 or the doubling would overflow size_t
 * (callers then fail with ENOMEM). */
static inline size_t st_grow_cap(size_t cap, size_t need, size_t first)
{
    if (need <= cap)
        return cap;
    size_t ncap = cap ? cap : first;
    if (ncap == 0)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return 0;
        ncap *= 2;
    }
    return ncap;
}

/* Resize the array whose pointer is at arrp (the address of any object
 * pointer, e.g. &s->items) to n elements of elem bytes each; n == 0 keeps a
 * 1-byte block, so that a success never returns a freed pointer.  On success
 * the pointer at arrp is updated; returns 0.  On failure returns -1 with
 * errno EINVAL (arrp NULL or elem 0) or ENOMEM (n * elem overflows, or no
 * memory) and the pointer at arrp still owns the old block. */
static inline int st_resize(void *arrp, size_t n, size_t elem)
{
    void *old;
    if (!arrp || elem == 0) {
        errno = EINVAL;
        return -1;
    }
    if (n > SIZE_MAX / elem) {
        errno = ENOMEM;
        return -1;
    }
    /* memcpy rather than a void ** store: the object at arrp is some other
     * pointer type, which a void * lvalue may not alias. */
    memcpy(&old, arrp, sizeof old);
    void *p = realloc(old, n ? n * elem : 1);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(arrp, &p, sizeof p);
    return 0;
}

/* Make room for need elements of elem bytes in the array whose pointer is at
 * arrp and whose capacity (in elements) is *cap: nothing when *cap >= need,
 * else the capacity grows as st_grow_cap(*cap, need, first) says and the
 * array is reallocated.  The caller's count is not touched.  Returns 0, or
 * -1 with errno EINVAL (arrp or cap NULL, elem or first 0) or ENOMEM (the
 * capacity or its size in bytes overflows, or no memory); on failure neither
 * the array nor *cap changes. */
static inline int st_grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (!arrp || !cap || elem == 0 || first == 0) {
        errno = EINVAL;
        return -1;
    }
    if (need <= *cap)
        return 0;
    size_t ncap = st_grow_cap(*cap, need, first);
    if (ncap == 0) {
        errno = ENOMEM;
        return -1;
    }
    if (st_resize(arrp, ncap, elem) < 0)
        return -1;
    *cap = ncap;
    return 0;
}

#endif
