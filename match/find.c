/* find: the predicate language of `find EXPR` and the walk that emits every
 * matching vertex.
 *
 * EXPR is predicates `key=value` combined with `and`, `or` (lower
 * precedence), juxtaposition (= and) and parentheses.  Keys: status
 * (up|down, a vertex under a down vertex is down), sched-now
 * (allocated|free: touched by a job whose window holds now), sched-future
 * (reserved|free: touched by a reservation), agfilter (true|t|false|f: has
 * a pruning filter), names (hostlist of vertex names), property (key
 * present), jobid-alloc / jobid-reserved (the job holds the vertex
 * exclusively as an allocation / a reservation), jobid-span (the job has a
 * pruning-filter span on the vertex: consumed a tracked type below it) and
 * jobid-tag (the job touched the vertex, or kept its tag there after a
 * partial cancel); values are case-insensitive.  Matching
 * vertices, and the ancestors of matching vertices, are emitted in post-order
 * of the dominant subsystem, at full size, exclusive.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "resource/hostlist.h"

enum fkind { F_AND, F_OR, F_STATUS, F_NOW, F_FUTURE, F_AGF, F_NAMES, F_PROP, F_JOBSET };

struct fnode {
    enum fkind kind;
    bool want;           /* STATUS: down; NOW: allocated; FUTURE: reserved; AGF: true */
    struct fnode *l, *r; /* AND/OR */
    hostlist_t *hl;      /* NAMES */
    char *prop;          /* PROP */
    uint8_t *set;        /* JOBSET: nv flags */
};

/* now_alloc[] bits */
enum { NOW_TOUCHED = 1, NOW_EXCL = 2, NOW_UNDER_EXCL = 4 };

struct fparse {
    matcher_t *m;
    char **tok;
    int ntok, pos;
    struct st_error *err;
    bool agfilter; /* the expression mentions agfilter: emit filter data */
    uint8_t *down, *now_alloc, *reserved;
};

static void fnode_destroy(struct fnode *n)
{
    if (!n)
        return;
    fnode_destroy(n->l);
    fnode_destroy(n->r);
    hostlist_destroy(n->hl);
    free(n->prop);
    free(n->set);
    free(n);
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char) tolower((unsigned char) *p);
    return d;
}

/* A record that holds nothing (only the tag a partial cancel left on an
 * ancestor with nothing of the job below) does not make a vertex busy. */
static bool holds_something(const struct mspan *sp)
{
    return sp->plan_span > 0 || sp->xchk_span > 0 || sp->hold || sp->inhold;
}

/* Which of a job's records a jobid-* predicate selects. */
enum jobset_kind { JS_TAG, JS_EXCL, JS_SPAN };

struct jobset {
    const matcher_t *m;
    uint8_t *set;
    enum jobset_kind kind;
};

/* A record has a filter span, or (a vertex inside a hold, which has no
 * spans of its own) would have one: the job consumed its whole subtree. */
static bool has_filter_span(const matcher_t *m, const struct mspan *sp)
{
    if (sp->filter_span > 0)
        return true;
    if (!sp->inhold || !m->fmask[sp->v])
        return false;
    for (int k = 0; k < m->nf; k++)
        if (match_ftot(m, sp->v, k) > 0)
            return true;
    return false;
}

static void jobset_one(const struct mspan *sp, void *arg)
{
    struct jobset *js = arg;
    bool in = js->kind == JS_TAG || (js->kind == JS_EXCL && sp->excl && holds_something(sp)) ||
              (js->kind == JS_SPAN && has_filter_span(js->m, sp));
    if (in)
        js->set[sp->v] = 1;
}

/* Vertices a job holds: exclusively (alloc/reserved kinds) or at all. */
static int jobset_fill(struct fparse *p, struct fnode *n, const char *key, const char *val)
{
    matcher_t *m = p->m;
    char *end;
    long long id = strtoll(val, &end, 10);
    if (*val == '\0' || *end != '\0')
        return st_errorf(p->err, EINVAL, "invalid jobid %s", val);
    n->set = calloc((size_t) m->nv + 1, 1);
    if (!n->set)
        return st_errorf(p->err, ENOMEM, "out of memory");
    const struct mjob *j = match_job_find(m, id);
    if (!j)
        return 0;
    bool alloc = strcmp(key, "jobid-alloc") == 0;
    bool resv = strcmp(key, "jobid-reserved") == 0;
    if ((alloc && j->reserved) || (resv && !j->reserved))
        return 0;
    enum jobset_kind kind = (alloc || resv)                  ? JS_EXCL
                            : strcmp(key, "jobid-span") == 0 ? JS_SPAN
                                                             : JS_TAG;
    struct jobset js = {m, n->set, kind};
    match_job_foreach(m, j, jobset_one, &js);
    return 0;
}

static int pred_fill(struct fparse *p, struct fnode *n, const char *key, const char *val)
{
    if (strcmp(key, "status") == 0 && (!strcmp(val, "up") || !strcmp(val, "down"))) {
        n->kind = F_STATUS;
        n->want = strcmp(val, "down") == 0;
    } else if (strcmp(key, "sched-now") == 0 &&
               (!strcmp(val, "allocated") || !strcmp(val, "free"))) {
        n->kind = F_NOW;
        n->want = strcmp(val, "allocated") == 0;
    } else if (strcmp(key, "sched-future") == 0 &&
               (!strcmp(val, "reserved") || !strcmp(val, "free"))) {
        n->kind = F_FUTURE;
        n->want = strcmp(val, "reserved") == 0;
    } else if (strcmp(key, "agfilter") == 0 && (!strcmp(val, "true") || !strcmp(val, "t") ||
                                                !strcmp(val, "false") || !strcmp(val, "f"))) {
        n->kind = F_AGF;
        n->want = val[0] == 't';
        p->agfilter = true;
    } else if (strcmp(key, "names") == 0) {
        char *low = lower_dup(val);
        n->kind = F_NAMES;
        n->hl = low ? hostlist_decode(low, p->err) : NULL;
        free(low);
        if (!n->hl)
            return -1;
    } else if (strcmp(key, "property") == 0) {
        n->kind = F_PROP;
        n->prop = lower_dup(val);
        if (!n->prop)
            return st_errorf(p->err, ENOMEM, "out of memory");
    } else if (!strcmp(key, "jobid-alloc") || !strcmp(key, "jobid-span") ||
               !strcmp(key, "jobid-tag") || !strcmp(key, "jobid-reserved")) {
        n->kind = F_JOBSET;
        return jobset_fill(p, n, key, val);
    } else {
        return st_errorf(p->err, EINVAL, "invalid predicate %s=%s", key, val);
    }
    return 0;
}

static struct fnode *parse_or(struct fparse *p);

static struct fnode *parse_primary(struct fparse *p)
{
    if (p->pos >= p->ntok)
        return st_errorf_null(p->err, EINVAL, "unexpected end of expression");
    const char *t = p->tok[p->pos++];
    if (strcmp(t, "(") == 0) {
        struct fnode *n = parse_or(p);
        if (!n)
            return NULL;
        if (p->pos >= p->ntok || strcmp(p->tok[p->pos], ")") != 0) {
            fnode_destroy(n);
            return st_errorf_null(p->err, EINVAL, "missing )");
        }
        p->pos++;
        return n;
    }
    const char *eq = strchr(t, '=');
    if (!eq || eq == t || eq[1] == '\0')
        return st_errorf_null(p->err, EINVAL, "invalid predicate %s", t);
    struct fnode *n = calloc(1, sizeof(*n));
    char *key = strndup(t, (size_t) (eq - t));
    /* Values are case-insensitive (status=UP, names are lower-cased). */
    char *val = lower_dup(eq + 1);
    if (!n || !key || !val) {
        free(n);
        free(key);
        free(val);
        return st_errorf_null(p->err, ENOMEM, "out of memory");
    }
    int rc = pred_fill(p, n, key, val);
    free(key);
    free(val);
    if (rc < 0) {
        fnode_destroy(n);
        return NULL;
    }
    return n;
}

static struct fnode *binary(enum fkind k, struct fnode *l, struct fnode *r, struct fparse *p)
{
    struct fnode *n = calloc(1, sizeof(*n));
    if (!n) {
        fnode_destroy(l);
        fnode_destroy(r);
        return st_errorf_null(p->err, ENOMEM, "out of memory");
    }
    n->kind = k;
    n->l = l;
    n->r = r;
    return n;
}

static bool at_token(const struct fparse *p, const char *s)
{
    return p->pos < p->ntok && strcmp(p->tok[p->pos], s) == 0;
}

static struct fnode *parse_and(struct fparse *p)
{
    struct fnode *l = parse_primary(p);
    while (l && p->pos < p->ntok && !at_token(p, "or") && !at_token(p, ")")) {
        if (at_token(p, "and"))
            p->pos++;
        struct fnode *r = parse_primary(p);
        if (!r) {
            fnode_destroy(l);
            return NULL;
        }
        l = binary(F_AND, l, r, p);
    }
    return l;
}

static struct fnode *parse_or(struct fparse *p)
{
    struct fnode *l = parse_and(p);
    while (l && at_token(p, "or")) {
        p->pos++;
        struct fnode *r = parse_and(p);
        if (!r) {
            fnode_destroy(l);
            return NULL;
        }
        l = binary(F_OR, l, r, p);
    }
    return l;
}

/* Split into words, with parentheses as words of their own. */
static int tokenize(struct fparse *p, const char *expr)
{
    size_t n = strlen(expr);
    p->tok = calloc(n + 1, sizeof(*p->tok));
    if (!p->tok)
        return -1;
    const char *s = expr;
    while (*s) {
        if (isspace((unsigned char) *s)) {
            s++;
            continue;
        }
        size_t len = (*s == '(' || *s == ')') ? 1 : strcspn(s, " \t\n()");
        p->tok[p->ntok] = strndup(s, len);
        if (!p->tok[p->ntok])
            return -1;
        p->ntok++;
        s += len;
    }
    return 0;
}

/* The filter types v reports (find agfilter): those an entry covers at v,
 * even with nothing of them below, but not v's own type (a node does not
 * count itself); only a vertex with children has a filter.  As the
 * reference's remove/009 and remove/010 show them. */
static uint32_t agfilter_types(const matcher_t *m, vtx_t v)
{
    int n = 0;
    graph_children(m->g, m->dom, v, &n);
    if (n == 0)
        return 0;
    uint32_t mask = m->fspec[v] | m->fmask[v];
    atom_t t = graph_type(m->g, v);
    for (int k = 0; k < m->nf; k++)
        if (m->ftypes[k] == t)
            mask &= ~(1u << k);
    return mask;
}

static bool eval(const struct fparse *p, const struct fnode *n, vtx_t v)
{
    const matcher_t *m = p->m;
    switch (n->kind) {
    case F_AND:
        return eval(p, n->l, v) && eval(p, n->r, v);
    case F_OR:
        return eval(p, n->l, v) || eval(p, n->r, v);
    case F_STATUS:
        return (p->down[v] != 0) == n->want;
    case F_NOW:
        /* "allocated": a job touches v now, or v lies under a vertex a
         * job holds exclusively now (the reference lists an exclusive
         * node's whole subtree); "free": nothing holds v exclusively now
         * (a shared vertex is both). */
        if (n->want)
            return p->now_alloc[v] != 0;
        return match_plan_avail(m, v, m->graph_start, 1) == graph_size(m->g, v) &&
               !(p->now_alloc[v] & NOW_UNDER_EXCL);
    case F_FUTURE:
        return (p->reserved[v] != 0) == n->want;
    case F_AGF:
        return (agfilter_types(m, v) != 0) == n->want;
    case F_NAMES:
        return hostlist_find(n->hl, graph_name(m->g, v)) > 0;
    case F_PROP:
        return graph_property(m->g, v, n->prop) != NULL;
    case F_JOBSET:
        return n->set[v] != 0;
    }
    return false;
}

struct job_facts {
    struct fparse *p;
    bool now, reserved;
};

static void facts_one(const struct mspan *sp, void *arg)
{
    struct job_facts *f = arg;
    if (!holds_something(sp))
        return;
    if (f->now && !f->reserved)
        f->p->now_alloc[sp->v] |= NOW_TOUCHED | (sp->excl ? NOW_EXCL : 0);
    if (f->reserved)
        f->p->reserved[sp->v] = 1;
}

/* Per-vertex facts the predicates read: down (inherited), touched now,
 * touched by a reservation. */
static int facts(struct fparse *p)
{
    matcher_t *m = p->m;
    size_t nv = (size_t) m->nv + 1;
    p->down = calloc(nv, 1);
    p->now_alloc = calloc(nv, 1);
    p->reserved = calloc(nv, 1);
    if (!p->down || !p->now_alloc || !p->reserved)
        return -1;
    for (size_t i = 0; i < m->njobs; i++) {
        const struct mjob *j = &m->jobs[i];
        struct job_facts f = {
            p, j->at <= m->graph_start && j->at + j->duration > m->graph_start, j->reserved};
        match_job_foreach(m, j, facts_one, &f);
    }
    return 0;
}

struct fwalk {
    struct fparse *p;
    const struct fnode *expr;
    writer_t *w;
    int error;
};

/* "{"core": "used:U, total:T", ...}" for v's filter types, by name (the
 * reference lists them sorted: core, gpu, memory, node). */
static void agfilter_text(const matcher_t *m, vtx_t v, char *buf, size_t len)
{
    uint32_t mask = agfilter_types(m, v);
    int order[MATCH_MAX_FILTERS], n = 0;
    for (int k = 0; k < m->nf; k++) {
        if (!(mask & (1u << k)))
            continue;
        int i = n++;
        for (; i > 0 && strcmp(m->fnames[order[i - 1]], m->fnames[k]) > 0; i--)
            order[i] = order[i - 1];
        order[i] = k;
    }
    bool held = match_vertex_held(m, v, m->graph_start, 1);
    size_t off = (size_t) snprintf(buf, len, "{");
    for (int i = 0; i < n && off < len; i++) {
        int k = order[i];
        int64_t tot = match_ftot(m, v, k);
        int64_t avail = held ? 0 : match_filter_avail(m, v, k, m->graph_start, 1);
        off += (size_t) snprintf(buf + off, len - off, "%s\"%s\": \"used:%lld, total:%lld\"",
                                 i ? ", " : "", m->fnames[k], (long long) (tot - avail),
                                 (long long) tot);
    }
    if (off < len)
        snprintf(buf + off, len - off, "}");
}

/* Post-order walk: a vertex is emitted when it matches or when something
 * below it was emitted, so that the writers see the path to each match (the
 * rv1/rlite writers gather cores under their node). Returns whether v was
 * emitted. */
static bool walk(struct fwalk *fw, vtx_t v, vtx_t parent, bool down, bool held, int depth)
{
    matcher_t *m = fw->p->m;
    down = down || graph_status(m->g, v) == VTX_DOWN;
    fw->p->down[v] = down;
    if (held)
        fw->p->now_alloc[v] |= NOW_UNDER_EXCL;
    held = held || (fw->p->now_alloc[v] & NOW_EXCL);
    int n = 0;
    bool below = false;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n && !fw->error; i++)
        below |= walk(fw, ch[i], v, down, held, depth + 1);
    if (fw->error || !(below || eval(fw->p, fw->expr, v)))
        return false;
    if (!fw->w)
        return true;
    char agf[512];
    const char *agp = NULL;
    if (fw->p->agfilter && agfilter_types(m, v)) {
        agfilter_text(m, v, agf, sizeof(agf));
        agp = agf;
    }
    if (writer_emit_vertex(fw->w, v, depth, graph_size(m->g, v), true, NULL, agp) < 0 ||
        (parent != VTX_NONE && writer_emit_edge(fw->w, parent, v, m->dom) < 0))
        fw->error = errno ? errno : ENOMEM;
    return true;
}

int match_find(matcher_t *m, const char *expr, writer_t *w, struct st_error *err)
{
    if (!m || !expr)
        return st_errorf(err, EINVAL, "invalid argument");
    if (match_grow_state(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    struct fparse p = {.m = m, .err = err};
    struct fnode *tree = NULL;
    int rc = -1;
    if (tokenize(&p, expr) < 0) {
        st_errorf(err, ENOMEM, "out of memory");
        goto done;
    }
    if (p.ntok == 0) {
        st_errorf(err, EINVAL, "empty expression");
        goto done;
    }
    tree = parse_or(&p);
    if (!tree)
        goto done;
    if (p.pos != p.ntok) {
        st_errorf(err, EINVAL, "unexpected %s", p.tok[p.pos]);
        goto done;
    }
    if (facts(&p) < 0) {
        st_errorf(err, ENOMEM, "out of memory");
        goto done;
    }
    struct fwalk fw = {.p = &p, .expr = tree, .w = w};
    vtx_t root = graph_root(m->g, m->dom);
    if (root != VTX_NONE)
        walk(&fw, root, VTX_NONE, false, false, 1);
    if (fw.error) {
        errno = fw.error;
        goto done;
    }
    if (w)
        writer_emit_time(w, 0, 0);
    rc = 0;
done:
    fnode_destroy(tree);
    for (int i = 0; i < p.ntok; i++)
        free(p.tok[i]);
    free(p.tok);
    free(p.down);
    free(p.now_alloc);
    free(p.reserved);
    return rc;
}
