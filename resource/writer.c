/* writer: recording emissions, and the two line-oriented formats.
 *
 * simple prints one line per vertex in emission (post-)order:
 *     6 spaces, "---" per depth level, name, "[needs:x|s]"
 * pretty_simple prints the same lines root first (reverse emission order)
 * with "exclusive"/"shared" spelled out.  Both are built in one pass into a
 * buffer sized up front, so a render is one allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/st_array.h"
#include "resource/writer.h"
#include "resource/writer_private.h"

#define WRITER_NAME_(e, s) s,
static const char *const format_names[] = {WRITER_FORMATS(WRITER_NAME_)};
#undef WRITER_NAME_
_Static_assert(sizeof(format_names) / sizeof(format_names[0]) == WRITER_FORMAT_COUNT,
               "one name per writer format");

enum { PREFIX_INDENT = 6, LEVEL_WIDTH = 3 };

int writer_format_parse(const char *name, enum writer_format *fmt)
{
    if (!name || !fmt) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < WRITER_FORMAT_COUNT; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *fmt = (enum writer_format) i;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

const char *writer_format_name(enum writer_format fmt)
{
    if ((int) fmt < 0 || fmt >= WRITER_FORMAT_COUNT)
        return NULL;
    return format_names[fmt];
}

bool writer_format_is_json(enum writer_format fmt)
{
    return fmt != WRITER_SIMPLE && fmt != WRITER_PRETTY_SIMPLE && (int) fmt >= 0 &&
           fmt < WRITER_FORMAT_COUNT;
}

writer_t *writer_create(enum writer_format fmt, const graph_t *g)
{
    if (!g || (int) fmt < 0 || fmt >= WRITER_FORMAT_COUNT) {
        errno = EINVAL;
        return NULL;
    }
    writer_t *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->fmt = fmt;
    w->g = g;
    return w;
}

static void clear_vertices(writer_t *w)
{
    for (size_t i = 0; i < w->nvtx; i++) {
        json_decref(w->vtx[i].ephemeral);
        json_decref(w->vtx[i].agfilter);
    }
    w->nvtx = 0;
}

void writer_destroy(writer_t *w)
{
    if (!w)
        return;
    int saved = errno;
    clear_vertices(w);
    free(w->vtx);
    free(w->edge);
    free(w->queue);
    free(w);
    errno = saved;
}

void writer_reset(writer_t *w)
{
    if (!w)
        return;
    clear_vertices(w);
    w->nedge = 0;
    w->start = 0;
    w->end = 0;
    free(w->queue);
    w->queue = NULL;
}

bool writer_empty(const writer_t *w)
{
    return !w || w->nvtx == 0;
}

/* Parse an optional JSON object annotation; only JSON formats keep it. */
static int parse_annotation(const writer_t *w, const char *text, json_t **out)
{
    *out = NULL;
    if (!text || !writer_format_is_json(w->fmt))
        return 0;
    json_t *o = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        errno = EINVAL;
        return -1;
    }
    *out = o;
    return 0;
}

static bool vertex_ok(const writer_t *w, vtx_t v)
{
    return v >= 0 && v < graph_vertex_count(w->g);
}

int writer_emit_vertex(writer_t *w, vtx_t v, int depth, int64_t needs, bool exclusive,
                       const char *ephemeral, const char *agfilter)
{
    json_t *eph = NULL;
    json_t *agf = NULL;

    if (!w || !vertex_ok(w, v) || depth < 0 || needs < 0) {
        errno = EINVAL;
        return -1;
    }
    if (parse_annotation(w, ephemeral, &eph) < 0)
        return -1;
    if (parse_annotation(w, agfilter, &agf) < 0)
        goto error;
    if (st_grow(&w->vtx, &w->vtx_cap, w->nvtx + 1, sizeof(*w->vtx), 64) < 0)
        goto error;
    w->vtx[w->nvtx++] = (struct writer_vtx){
        .v = v,
        .depth = depth,
        .needs = needs,
        .exclusive = exclusive,
        .ephemeral = eph,
        .agfilter = agf,
    };
    return 0;
error:
    json_decref(eph);
    json_decref(agf);
    return -1;
}

int writer_emit_edge(writer_t *w, vtx_t src, vtx_t dst, atom_t subsystem)
{
    if (!w || !vertex_ok(w, src) || !vertex_ok(w, dst) || subsystem < 0) {
        errno = EINVAL;
        return -1;
    }
    if (st_grow(&w->edge, &w->edge_cap, w->nedge + 1, sizeof(*w->edge), 64) < 0)
        return -1;
    w->edge[w->nedge++] = (struct writer_edge){.src = src, .dst = dst, .subsystem = subsystem};
    return 0;
}

void writer_emit_time(writer_t *w, int64_t start, int64_t end)
{
    if (!w)
        return;
    w->start = start;
    w->end = end;
}

void writer_emit_queue(writer_t *w, const char *queue)
{
    if (!w)
        return;
    char *q = queue ? strdup(queue) : NULL;
    if (queue && !q)
        return; /* keep the previous queue rather than lose it half-way */
    free(w->queue);
    w->queue = q;
}

/* Upper bound of one line: indent, levels, name, "[" amount ":exclusive]\n". */
static size_t line_bound(const writer_t *w, const struct writer_vtx *x)
{
    return PREFIX_INDENT + (size_t) x->depth * LEVEL_WIDTH + strlen(graph_name(w->g, x->v)) +
           1 + 20 + sizeof(":exclusive]\n");
}

/* Append s (length n) at p; returns the end. */
static char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

/* Append v in decimal at p; returns the end.  Written by hand: sprintf was
 * the largest single cost of rendering an allocation (one line per vertex). */
static char *put_i64(char *p, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;

    do {
        tmp[n++] = (char) ('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static size_t put_line(const writer_t *w, const struct writer_vtx *x, bool pretty, char *p)
{
    char *start = p;
    const char *name = graph_name(w->g, x->v);
    memset(p, ' ', PREFIX_INDENT);
    p += PREFIX_INDENT;
    memset(p, '-', (size_t) x->depth * LEVEL_WIDTH);
    p += (size_t) x->depth * LEVEL_WIDTH;
    const char *flag =
        pretty ? (x->exclusive ? "exclusive" : "shared") : (x->exclusive ? "x" : "s");
    p = put_str(p, name, strlen(name));
    *p++ = '[';
    p = put_i64(p, x->needs);
    *p++ = ':';
    p = put_str(p, flag, strlen(flag));
    p = put_str(p, "]\n", 2);
    return (size_t) (p - start);
}

static char *render_lines(const writer_t *w, bool pretty)
{
    size_t bound = 1;
    for (size_t i = 0; i < w->nvtx; i++)
        bound += line_bound(w, &w->vtx[i]);
    char *buf = malloc(bound);
    if (!buf)
        return NULL;
    size_t len = 0;
    for (size_t i = 0; i < w->nvtx; i++) {
        size_t k = pretty ? w->nvtx - 1 - i : i;
        len += put_line(w, &w->vtx[k], pretty, buf + len);
    }
    buf[len] = '\0';
    return buf;
}

char *writer_render_as(writer_t *w, enum writer_format fmt)
{
    if (!w || (int) fmt < 0 || fmt >= WRITER_FORMAT_COUNT ||
        writer_format_is_json(fmt) != writer_format_is_json(w->fmt)) {
        errno = EINVAL;
        return NULL;
    }
    /* What a writer records does not depend on its format, only on the
     * kind (annotations): render under the other format, then restore. */
    enum writer_format own = w->fmt;
    w->fmt = fmt;
    char *text = writer_render(w);
    w->fmt = own;
    return text;
}

char *writer_render(writer_t *w)
{
    if (!w) {
        errno = EINVAL;
        return NULL;
    }
    if (w->nvtx == 0)
        return strdup("");
    switch (w->fmt) {
    case WRITER_SIMPLE:
        return render_lines(w, false);
    case WRITER_PRETTY_SIMPLE:
        return render_lines(w, true);
    default:
        return writer_json_render(w);
    }
}
