/* hostlist: an ordered array of expanded host names.
 *
 * Names are kept expanded because readers ask for the i-th host (rank i's
 * hostname) and a machine has at most a few thousand of them.  Encoding
 * groups adjacent hosts that share a prefix into one bracket, so that
 * decode(encode(list)) gives the list back in the same order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/hostlist.h"
#include "resource/st_array.h"

struct hostlist {
    char **host;
    size_t n;
    size_t cap;
};

hostlist_t *hostlist_create(void)
{
    hostlist_t *hl = calloc(1, sizeof(*hl));
    if (!hl)
        errno = ENOMEM;
    return hl;
}

void hostlist_destroy(hostlist_t *hl)
{
    int saved = errno;
    if (hl) {
        for (size_t i = 0; i < hl->n; i++)
            free(hl->host[i]);
        free(hl->host);
        free(hl);
    }
    errno = saved;
}

static int append_n(hostlist_t *hl, const char *host, size_t len)
{
    if (st_grow(&hl->host, &hl->cap, hl->n + 1, sizeof(*hl->host), 8) < 0)
        return -1;
    char *copy = strndup(host, len);
    if (!copy) {
        errno = ENOMEM;
        return -1;
    }
    hl->host[hl->n++] = copy;
    return 0;
}

int hostlist_append(hostlist_t *hl, const char *host)
{
    if (!hl || !host || *host == '\0' || strpbrk(host, ",[]")) {
        errno = EINVAL;
        return -1;
    }
    return append_n(hl, host, strlen(host));
}

size_t hostlist_count(const hostlist_t *hl)
{
    return hl ? hl->n : 0;
}

const char *hostlist_nth(const hostlist_t *hl, size_t i)
{
    if (!hl || i >= hl->n) {
        errno = EINVAL;
        return NULL;
    }
    return hl->host[i];
}

int hostlist_find(const hostlist_t *hl, const char *name)
{
    if (!hl || !name) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < hl->n; i++) {
        if (strcmp(hl->host[i], name) == 0)
            return 1;
    }
    return 0;
}

/* ---- decode ------------------------------------------------------------ */

struct cursor {
    const char *text; /* the whole input, for messages */
    struct st_error *err;
};

static int bad(const struct cursor *c, const char *at, const char *what)
{
    return st_errorf(c->err, EINVAL, "hostlist \"%s\": col %d: %s", c->text,
                     (int) (at - c->text) + 1, what);
}

/* Parse digits in [p, end) into *v; the digit count goes to *width. */
static const char *parse_num(const char *p, const char *end, int64_t *v, int *width)
{
    const char *start = p;
    int64_t x = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (x > (INT64_MAX - 9) / 10)
            return NULL;
        x = x * 10 + (*p - '0');
        p++;
    }
    /* Zero padding counts too: a width must fit the name buffer. */
    if (p == start || p - start > 18)
        return NULL;
    *v = x;
    *width = (int) (p - start);
    return p;
}

static int emit(hostlist_t *hl, const char *pre, size_t plen, int64_t v, int width,
                const char *suf, size_t slen)
{
    char num[32];
    int nlen = snprintf(num, sizeof(num), "%0*" PRId64, width, v);
    if (nlen < 0 || (size_t) nlen >= sizeof(num)) {
        errno = EINVAL;
        return -1;
    }
    size_t len = plen + (size_t) nlen + slen;
    char *buf = malloc(len + 1);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(buf, pre, plen);
    memcpy(buf + plen, num, (size_t) nlen);
    memcpy(buf + plen + (size_t) nlen, suf, slen);
    buf[len] = '\0';
    int rc = append_n(hl, buf, len);
    free(buf);
    return rc;
}

/* Expand "pre[ranges]suf" where [lb, rb) is the text between the brackets. */
static int expand_bracket(hostlist_t *hl, const struct cursor *c, const char *pre,
                          const char *lb, const char *rb, const char *end)
{
    const char *p = lb;
    if (p == rb)
        return bad(c, p, "empty brackets");
    while (p < rb) {
        int64_t lo, hi;
        int w, w2;
        const char *q = parse_num(p, rb, &lo, &w);
        if (!q)
            return bad(c, p, "expected a number");
        hi = lo;
        if (q < rb && *q == '-') {
            const char *r = parse_num(q + 1, rb, &hi, &w2);
            if (!r)
                return bad(c, q + 1, "expected a number after '-'");
            if (hi < lo)
                return bad(c, p, "decreasing range");
            q = r;
        }
        if (hi - lo >= HOSTLIST_MAX_HOSTS || hl->n + (size_t) (hi - lo + 1) > HOSTLIST_MAX_HOSTS)
            return bad(c, p, "too many hosts");
        for (int64_t v = lo; v <= hi; v++) {
            if (emit(hl, pre, (size_t) (lb - 1 - pre), v, w, rb + 1, (size_t) (end - rb - 1)) < 0)
                return st_errorf(c->err, ENOMEM, "hostlist: out of memory");
        }
        if (q < rb && (*q != ',' || q + 1 == rb))
            return bad(c, q, "unexpected character in brackets");
        p = q < rb ? q + 1 : q;
    }
    return 0;
}

/* One comma-separated element [p, end). */
static int parse_element(hostlist_t *hl, const struct cursor *c, const char *p, const char *end)
{
    if (p == end)
        return bad(c, p, "empty host name");
    const char *lb = memchr(p, '[', (size_t) (end - p));
    const char *rb = memchr(p, ']', (size_t) (end - p));
    if (!lb && !rb)
        return append_n(hl, p, (size_t) (end - p)) < 0
                   ? st_errorf(c->err, ENOMEM, "hostlist: out of memory") : 0;
    if (!lb || !rb || rb < lb)
        return bad(c, lb ? lb : rb, "unbalanced brackets");
    if (memchr(rb + 1, '[', (size_t) (end - rb - 1)) || memchr(rb + 1, ']', (size_t) (end - rb - 1)))
        return bad(c, rb + 1, "only one bracket range per host is supported");
    return expand_bracket(hl, c, p, lb + 1, rb, end);
}

hostlist_t *hostlist_decode(const char *text, struct st_error *err)
{
    if (!text)
        return st_errorf_null(err, EINVAL, "hostlist: NULL text");
    struct cursor c = { .text = text, .err = err };
    hostlist_t *hl = hostlist_create();
    if (!hl)
        return st_errorf_null(err, ENOMEM, "hostlist: out of memory");
    const char *p = text;
    const char *end = text + strlen(text);
    while (p < end) {
        /* The element ends at the first comma outside brackets. */
        const char *q = p;
        int depth = 0;
        while (q < end && (depth > 0 || *q != ',')) {
            depth += (*q == '[') - (*q == ']');
            q++;
        }
        if (parse_element(hl, &c, p, q) < 0)
            goto error;
        if (q < end && q + 1 == end) {
            bad(&c, q, "trailing ','");
            goto error;
        }
        p = q < end ? q + 1 : q;
    }
    return hl;
error:
    hostlist_destroy(hl); /* keeps errno */
    return NULL;
}

/* ---- encode ------------------------------------------------------------ */

/* A host split into prefix and trailing number ("node12" -> "node", 12). */
struct split {
    const char *name;
    size_t plen;  /* prefix length */
    int64_t num;  /* -1: no trailing digits */
    int width;    /* digit count */
};

static struct split split_host(const char *name)
{
    struct split s = { .name = name, .plen = strlen(name), .num = -1, .width = 0 };
    size_t len = s.plen;
    size_t i = len;
    while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
        i--;
    /* Too many digits to hold: keep the name whole. */
    if (i == len || len - i > 18)
        return s;
    s.plen = i;
    s.num = strtoll(name + i, NULL, 10);
    s.width = (int) (len - i);
    return s;
}

static bool same_prefix(const struct split *a, const struct split *b)
{
    return a->num >= 0 && b->num >= 0 && a->plen == b->plen &&
           strncmp(a->name, b->name, a->plen) == 0;
}

/* Width to print a run with: a zero-padded number fixes it, an unpadded one
 * needs none.  b continues a run of width w iff printing b->num with w gives
 * b's digits back. */
static int run_width(const struct split *s)
{
    return s->width > 1 && s->name[s->plen] == '0' ? s->width : 0;
}

static bool continues(const struct split *prev, const struct split *b, int w)
{
    if (b->num != prev->num + 1)
        return false;
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%0*" PRId64, w, b->num);
    return n == b->width && memcmp(buf, b->name + b->plen, (size_t) n) == 0;
}

/* Print hosts [i, j) (same prefix, j - i >= 2) as "pre[a-b,c]". */
static void print_group(FILE *f, const struct split *s, size_t i, size_t j)
{
    fprintf(f, "%.*s[", (int) s[i].plen, s[i].name);
    size_t k = i;
    while (k < j) {
        int w = run_width(&s[k]);
        size_t e = k + 1;
        while (e < j && continues(&s[e - 1], &s[e], w))
            e++;
        fprintf(f, "%s%s", k > i ? "," : "", s[k].name + s[k].plen);
        if (e - k > 1)
            fprintf(f, "-%s", s[e - 1].name + s[e - 1].plen);
        k = e;
    }
    fputc(']', f);
}

char *hostlist_encode(const hostlist_t *hl)
{
    if (!hl) {
        errno = EINVAL;
        return NULL;
    }
    /* One host (most small jobs' R): its name, without a memory stream. */
    if (hl->n == 1) {
        char *one = strdup(hl->host[0]);
        if (!one)
            errno = ENOMEM;
        return one;
    }
    struct split *s = calloc(hl->n ? hl->n : 1, sizeof(*s));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = s ? open_memstream(&buf, &len) : NULL;
    if (!f) {
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    for (size_t i = 0; i < hl->n; i++)
        s[i] = split_host(hl->host[i]);
    size_t i = 0;
    while (i < hl->n) {
        size_t j = i + 1;
        while (j < hl->n && same_prefix(&s[i], &s[j]))
            j++;
        if (i > 0)
            fputc(',', f);
        if (j - i == 1)
            fputs(s[i].name, f);
        else
            print_group(f, s, i, j);
        i = j;
    }
    free(s);
    if (fclose(f) != 0) {
        free(buf);
        errno = ENOMEM;
        return NULL;
    }
    return buf;
}
