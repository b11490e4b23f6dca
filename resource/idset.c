/* idset: a sorted array of disjoint, non-adjacent closed ranges [lo, hi].
 *
 * Ranges rather than a bitmap because the common sets (all ranks of a
 * machine, all cores of a node) are one or a few ranges whatever their size,
 * and ids can be large (uniq_ids).  Membership and insertion are binary
 * searches; iteration is a binary search for the range holding prev + 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/idset.h"
#include "resource/st_array.h"

struct range {
    int64_t lo;
    int64_t hi;
};

struct idset {
    struct range *r;
    size_t n;
    size_t cap;
    size_t count; /* number of ids, kept up to date */
};

idset_t *idset_create(void)
{
    idset_t *s = calloc(1, sizeof(*s));
    if (!s)
        errno = ENOMEM;
    return s;
}

void idset_destroy(idset_t *s)
{
    int saved = errno;
    if (s) {
        free(s->r);
        free(s);
    }
    errno = saved;
}

/* Index of the first range whose hi >= id (n if none). */
static size_t lower_range(const idset_t *s, int64_t id)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].hi < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int reserve(idset_t *s, size_t need)
{
    return st_grow(&s->r, &s->cap, need, sizeof(*s->r), 4);
}

static void remove_range_at(idset_t *s, size_t i)
{
    memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
    s->n--;
}

bool idset_test(const idset_t *s, int64_t id)
{
    if (!s || id < 0)
        return false;
    size_t i = lower_range(s, id);
    return i < s->n && s->r[i].lo <= id;
}

int idset_add(idset_t *s, int64_t id)
{
    if (!s || id < 0 || id == INT64_MAX) {
        errno = EINVAL;
        return -1;
    }
    /* First range with hi >= id - 1: the only one that can absorb id. */
    size_t i = lower_range(s, id > 0 ? id - 1 : 0);
    if (i < s->n && s->r[i].lo <= id && id <= s->r[i].hi)
        return 0;
    if (i < s->n && s->r[i].hi == id - 1) {
        s->r[i].hi = id;
        if (i + 1 < s->n && s->r[i + 1].lo == id + 1) {
            s->r[i].hi = s->r[i + 1].hi;
            remove_range_at(s, i + 1);
        }
    } else if (i < s->n && s->r[i].lo == id + 1) {
        s->r[i].lo = id;
    } else {
        if (reserve(s, s->n + 1) < 0)
            return -1;
        memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
        s->r[i].lo = s->r[i].hi = id;
        s->n++;
    }
    s->count++;
    return 0;
}

int idset_remove(idset_t *s, int64_t id)
{
    if (!s || id < 0) {
        errno = EINVAL;
        return -1;
    }
    size_t i = lower_range(s, id);
    if (i >= s->n || s->r[i].lo > id)
        return 0; /* Not a member: removing it is a no-op, as in Flux. */
    struct range *r = &s->r[i];
    if (r->lo == id && r->hi == id) {
        remove_range_at(s, i);
    } else if (r->lo == id) {
        r->lo++;
    } else if (r->hi == id) {
        r->hi--;
    } else {
        if (reserve(s, s->n + 1) < 0)
            return -1;
        memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
        s->r[i].hi = id - 1;
        s->r[i + 1].lo = id + 1;
        s->n++;
    }
    s->count--;
    return 0;
}

size_t idset_count(const idset_t *s)
{
    return s ? s->count : 0;
}

bool idset_equal(const idset_t *a, const idset_t *b)
{
    if (!a || !b)
        return false;
    if (a->n != b->n || a->count != b->count)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (a->r[i].lo != b->r[i].lo || a->r[i].hi != b->r[i].hi)
            return false;
    }
    return true;
}

int64_t idset_first(const idset_t *s)
{
    if (!s || s->n == 0)
        return -1;
    return s->r[0].lo;
}

int64_t idset_next(const idset_t *s, int64_t prev)
{
    if (!s || prev < -1 || prev == INT64_MAX)
        return -1;
    int64_t want = prev + 1;
    size_t i = lower_range(s, want);
    if (i >= s->n)
        return -1;
    return s->r[i].lo > want ? s->r[i].lo : want;
}

/* ---- encode ------------------------------------------------------------ */

/* Decimal digits of v at p (v >= 0); returns the end. */
static char *put_id(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

char *idset_encode(const idset_t *s)
{
    if (!s) {
        errno = EINVAL;
        return NULL;
    }
    /* By hand, not through a memory stream: R, its ranks and events encode
     * a few sets per job.  Ids are >= 0: at most 19 digits each, plus the
     * separators. */
    char *buf = malloc(s->n * 40 + 1);
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    char *p = buf;
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            *p++ = ',';
        p = put_id(p, s->r[i].lo);
        if (s->r[i].hi != s->r[i].lo) {
            *p++ = '-';
            p = put_id(p, s->r[i].hi);
        }
    }
    *p = '\0';
    return buf;
}

/* ---- decode ------------------------------------------------------------ */

/* Parse a non-negative decimal at *p; advance *p.  -1 if there is none or it
 * overflows. */
static int64_t parse_id(const char **p)
{
    const char *c = *p;
    if (*c < '0' || *c > '9')
        return -1;
    int64_t v = 0;
    while (*c >= '0' && *c <= '9') {
        int d = *c - '0';
        if (v > (INT64_MAX - 1 - d) / 10)
            return -1;
        v = v * 10 + d;
        c++;
    }
    *p = c;
    return v;
}

/* Add [lo, hi] to s, merging the ranges it overlaps or touches, so that
 * "0-1000000" costs one range, not a million insertions. */
static int add_range(idset_t *s, int64_t lo, int64_t hi)
{
    size_t i = lower_range(s, lo > 0 ? lo - 1 : 0);
    /* Merge every range that overlaps or touches [lo, hi]. */
    size_t j = i;
    int64_t nlo = lo, nhi = hi;
    size_t removed = 0;
    while (j < s->n && s->r[j].lo <= hi + 1) {
        if (s->r[j].lo < nlo)
            nlo = s->r[j].lo;
        if (s->r[j].hi > nhi)
            nhi = s->r[j].hi;
        removed += (size_t) (s->r[j].hi - s->r[j].lo + 1);
        j++;
    }
    if (j == i) {
        if (reserve(s, s->n + 1) < 0)
            return -1;
        memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
        s->n++;
        j = i + 1;
    }
    s->r[i].lo = nlo;
    s->r[i].hi = nhi;
    if (j > i + 1) {
        memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof(s->r[0]));
        s->n -= j - i - 1;
    }
    s->count = s->count - removed + (size_t) (nhi - nlo + 1);
    return 0;
}

static int parse_element(idset_t *s, const char **p, const char *text, struct st_error *err)
{
    const char *start = *p;
    int64_t lo = parse_id(p);
    if (lo < 0)
        return st_errorf(err, EINVAL, "idset \"%s\": col %d: expected an id", text,
                         (int) (start - text) + 1);
    int64_t hi = lo;
    if (**p == '-') {
        (*p)++;
        const char *at = *p;
        hi = parse_id(p);
        if (hi < 0)
            return st_errorf(err, EINVAL, "idset \"%s\": col %d: expected an id after '-'",
                             text, (int) (at - text) + 1);
        if (hi < lo)
            return st_errorf(err, EINVAL, "idset \"%s\": col %d: range %" PRId64 "-%" PRId64
                             " is decreasing", text, (int) (start - text) + 1, lo, hi);
    }
    if (add_range(s, lo, hi) < 0)
        return st_errorf(err, ENOMEM, "idset: out of memory");
    return 0;
}

idset_t *idset_decode(const char *text, struct st_error *err)
{
    if (!text)
        return st_errorf_null(err, EINVAL, "idset: NULL text");
    const char *p = text;
    size_t len = strlen(text);
    bool bracket = len > 0 && text[0] == '[';
    if (bracket && text[len - 1] != ']')
        return st_errorf_null(err, EINVAL, "idset \"%s\": missing ']'", text);
    const char *end = bracket ? text + len - 1 : text + len;
    if (bracket)
        p++;
    idset_t *s = idset_create();
    if (!s)
        return st_errorf_null(err, ENOMEM, "idset: out of memory");
    while (p < end) {
        if (parse_element(s, &p, text, err) < 0)
            goto error;
        if (p < end) {
            if (*p != ',' || p + 1 == end) {
                st_errorf(err, EINVAL, "idset \"%s\": col %d: unexpected '%c'", text,
                          (int) (p - text) + 1, *p);
                goto error;
            }
            p++;
        }
    }
    return s;
error:
    idset_destroy(s); /* keeps errno */
    return NULL;
}
