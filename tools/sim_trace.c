/* sim_trace: read a workload for strata-sim.
 *
 * SWF (Standard Workload Format, plain or gzip through zlib's transparent
 * reader): 18 numeric fields a line, ';' comment lines carrying MaxProcs /
 * MaxNodes.  Cleaning rules, in this order (docs/strata-sim.md):
 *   procs = allocated procs (field 5), else requested procs (field 8);
 *   drop the job if procs <= 0, procs > the machine's size, or run <= 0;
 *   requested time = field 9; if the trace has no estimate at all, the run
 *   time; otherwise a job without one (<= 0) is dropped;
 *   run time = min(run, requested time).
 * JSON lines: one object a line with submit, run, requested and a jobspec,
 * a CLI shape or SWF-like procs.
 * Jobs are kept sorted by submit time, then file order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <jansson.h>

#include "resource/st_array.h"
#include "tools/sim.h"

enum { SWF_FIELDS = 18, LINE_MAX_LEN = 65536 };

static int job_append(struct sim_workload *w, const struct sim_job *j)
{
    if (st_grow(&w->jobs, &w->cap, w->n + 1, sizeof *w->jobs, 1024) < 0)
        return -1;
    w->jobs[w->n++] = *j;
    return 0;
}

static int spec_keep(struct sim_workload *w, jobspec_t *js)
{
    if (st_grow(&w->specs, &w->speccap, w->nspecs + 1, sizeof *w->specs, 256) < 0)
        return -1;
    w->specs[w->nspecs++] = js;
    return 0;
}

int64_t sim_trace_procs(const struct sim_workload *w)
{
    if (!w)
        return 0;
    return w->max_procs > 0 ? w->max_procs : w->max_nodes > 0 ? w->max_nodes : 0;
}

/* "; MaxProcs: 128" style header lines. */
static void swf_header(struct sim_workload *w, const char *line)
{
    const char *keys[] = {"MaxProcs:", "MaxNodes:"};
    int64_t *vals[] = {&w->max_procs, &w->max_nodes};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(line, keys[i]);
        if (p)
            *vals[i] = strtoll(p + strlen(keys[i]), NULL, 10);
    }
}

/* Split a data line into SWF_FIELDS numbers.  Returns 0, or -1 with err. */
static int swf_fields(const char *path, int64_t lineno, char *line, double *f,
                      struct st_error *err)
{
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == SWF_FIELDS)
            return st_errorf(err, EINVAL, "%s:%lld:%d: more than %d fields", path,
                             (long long) lineno, (int) (tok - line) + 1, SWF_FIELDS);
        char *end;
        f[n] = strtod(tok, &end);
        if (end == tok || *end)
            return st_errorf(err, EINVAL, "%s:%lld:%d: field %d ('%s') is not a number", path,
                             (long long) lineno, (int) (tok - line) + 1, n + 1, tok);
        n++;
    }
    if (n != SWF_FIELDS)
        return st_errorf(err, EINVAL, "%s:%lld: expected %d fields, found %d", path,
                         (long long) lineno, SWF_FIELDS, n);
    return 0;
}

/* Apply the cleaning rules; returns true if the job is kept. */
static bool swf_clean(struct sim_workload *w, int64_t limit, struct sim_job *j)
{
    if (j->procs <= 0) {
        w->dropped.no_procs++;
        return false;
    }
    if (limit > 0 && j->procs > limit) {
        w->dropped.too_big++;
        return false;
    }
    if (j->run <= 0) {
        w->dropped.no_time++;
        return false;
    }
    return true; /* requested times are settled by swf_estimates() */
}

/* Requested times, once the whole trace is read.  A trace that records no
 * estimate at all (model traces: every field 9 is -1) runs with perfect
 * estimates, the run times; otherwise a job without one is dropped, like
 * any job whose times are unknown.  Then run = min(run, requested). */
static void swf_estimates(struct sim_workload *w)
{
    bool any = false;
    for (size_t i = 0; i < w->n && !any; i++)
        any = w->jobs[i].req > 0;
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++) {
        struct sim_job j = w->jobs[i];
        if (j.req <= 0 && any) {
            w->dropped.no_time++;
            free(j.queue);
            continue;
        }
        if (j.req <= 0)
            j.req = j.run;
        if (j.run > j.req) {
            j.run = j.req;
            w->dropped.truncated++;
        }
        w->jobs[k++] = j;
    }
    w->n = k;
}

static int swf_line(struct sim_workload *w, const struct sim_load_opts *o, const char *path,
                    int64_t lineno, char *line, struct st_error *err)
{
    double f[SWF_FIELDS];
    if (swf_fields(path, lineno, line, f, err) < 0) {
        if (!o->lenient)
            return -1;
        w->dropped.malformed++;
        return 0;
    }
    struct sim_job j = {.id = (int64_t) f[0],
                        .submit = (int64_t) f[1],
                        .run = (int64_t) f[3],
                        .req = (int64_t) f[8],
                        .procs = f[4] > 0 ? (int64_t) f[4] : (int64_t) f[7],
                        .line = lineno,
                        .start = -1,
                        .end = -1};
    if (j.submit < 0 || j.id < 0) {
        if (!o->lenient)
            return st_errorf(err, EINVAL, "%s:%lld: negative job number or submit time", path,
                             (long long) lineno);
        w->dropped.malformed++;
        return 0;
    }
    int64_t limit = o->machine_procs > 0 ? o->machine_procs : sim_trace_procs(w);
    if (!swf_clean(w, limit, &j))
        return 0;
    if (job_append(w, &j) < 0)
        return st_errorf(err, ENOMEM, "%s:%lld: out of memory", path, (long long) lineno);
    return 0;
}

/* ---- JSON lines ------------------------------------------------------------------ */

static jobspec_t *json_shape(json_t *shape, double duration, const char *where,
                             struct st_error *err)
{
    static const char *const argv[] = {"true", NULL}; /* jobs need a command */
    struct jobspec_shape s = {
        .ntasks = 1, .cores_per_task = 1, .duration = duration, .argv = argv};
    int excl = 0;
    json_error_t jerr;
    if (json_unpack_ex(shape, &jerr, JSON_STRICT, "{s?i, s?i, s?i, s?i, s?b}", "nodes",
                       &s.nodes, "ntasks", &s.ntasks, "cores_per_task", &s.cores_per_task,
                       "gpus_per_task", &s.gpus_per_task, "exclusive", &excl) < 0)
        return st_errorf_null(err, EINVAL, "%s: shape: %s", where, jerr.text);
    s.exclusive = excl;
    struct st_error e2;
    jobspec_t *js = jobspec_from_shape(&s, &e2);
    if (!js)
        return st_errorf_null(err, EINVAL, "%s: shape: %s", where, e2.text);
    return js;
}

static jobspec_t *json_jobspec(json_t *spec, const char *where, struct st_error *err)
{
    char *text = json_dumps(spec, JSON_COMPACT);
    if (!text)
        return st_errorf_null(err, ENOMEM, "%s: out of memory", where);
    struct st_error e2;
    jobspec_t *js = jobspec_parse_string(text, strlen(text), where, &e2);
    free(text);
    if (!js)
        return st_errorf_null(err, EINVAL, "%s", e2.text);
    return js;
}

/* Size charged by a counting backend: cores asked by the jobspec's shape. */
static int64_t shape_size(json_t *shape)
{
    json_int_t n = 0, t = 1, c = 1;
    json_unpack(shape, "{s?I, s?I, s?I}", "nodes", &n, "ntasks", &t, "cores_per_task", &c);
    return (int64_t) (t * c);
}

/* Name the field whose value has the wrong type (jansson's unpack error
 * says only what it expected). */
static int check_fields(json_t *o, const char *where, struct st_error *err)
{
    static const char *const ints[] = {"id", "submit", "run", "requested", "procs", "priority"};
    if (!json_is_object(o))
        return st_errorf(err, EINVAL, "%s: a job must be a JSON object", where);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *v = json_object_get(o, ints[i]);
        if (v && !json_is_integer(v))
            return st_errorf(err, EINVAL, "%s: \"%s\" must be an integer", where, ints[i]);
    }
    json_t *q = json_object_get(o, "queue");
    if (q && !json_is_string(q))
        return st_errorf(err, EINVAL, "%s: \"queue\" must be a string", where);
    if (!json_object_get(o, "submit") || !json_object_get(o, "run"))
        return st_errorf(err, EINVAL, "%s: \"%s\" is required", where,
                         json_object_get(o, "submit") ? "run" : "submit");
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        char word[32]; /* " key ": a whole word of the list below */
        int n = snprintf(word, sizeof word, " %s ", key);
        if (n < 0 || (size_t) n >= sizeof word ||
            !strstr(" id submit run requested procs priority jobspec shape queue ", word))
            return st_errorf(err, EINVAL,
                             "%s: unknown field \"%s\" (id, submit, run, "
                             "requested, procs, priority, jobspec, shape, queue)",
                             where, key);
    }
    return 0;
}

static int json_job(struct sim_workload *w, json_t *o, const char *where, int64_t lineno,
                    struct sim_job *j, struct st_error *err)
{
    json_int_t id = lineno, submit = -1, run = -1, req = 0, procs = 0, prio = 0;
    json_t *spec = NULL, *shape = NULL;
    const char *queue = NULL;
    json_error_t jerr;
    if (check_fields(o, where, err) < 0)
        return -1;
    if (json_unpack_ex(o, &jerr, JSON_STRICT, "{s?I, s:I, s:I, s?I, s?I, s?I, s?o, s?o, s?s}",
                       "id", &id, "submit", &submit, "run", &run, "requested", &req, "procs",
                       &procs, "priority", &prio, "jobspec", &spec, "shape", &shape, "queue",
                       &queue) < 0)
        return st_errorf(err, EINVAL, "%s: %s", where, jerr.text);
    if (!!spec + !!shape + (procs > 0) != 1)
        return st_errorf(err, EINVAL, "%s: give exactly one of jobspec, shape or procs", where);
    if (submit < 0 || run < 0 || id < 0)
        return st_errorf(err, EINVAL, "%s: id, submit and run must be >= 0", where);
    *j = (struct sim_job){.id = id,
                          .submit = submit,
                          .run = run,
                          .req = req > 0 ? req : run,
                          .procs = procs,
                          .priority = prio,
                          .line = lineno,
                          .start = -1,
                          .end = -1};
    if (spec || shape) {
        jobspec_t *js = spec ? json_jobspec(spec, where, err)
                             : json_shape(shape, (double) j->req, where, err);
        if (!js)
            return -1;
        /* The matcher allocates for the jobspec's duration: make it the
         * requested time, whatever the jobspec said. */
        js->duration = (double) j->req;
        if (spec_keep(w, js) < 0) {
            jobspec_destroy(js);
            return st_errorf(err, ENOMEM, "%s: out of memory", where);
        }
        j->js = js;
        j->size = shape ? shape_size(shape) : 1;
    }
    if (queue && !(j->queue = strdup(queue)))
        return st_errorf(err, ENOMEM, "%s: out of memory", where);
    return 0;
}

static int json_line(struct sim_workload *w, const struct sim_load_opts *o, const char *path,
                     int64_t lineno, const char *line, struct st_error *err)
{
    char where[512];
    snprintf(where, sizeof where, "%s:%lld", path, (long long) lineno);
    json_error_t jerr;
    json_t *obj = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    struct sim_job j;
    int rc = -1;
    if (!obj)
        st_errorf(err, EINVAL, "%s:%d: %s", where, jerr.column, jerr.text);
    else if (json_job(w, obj, where, lineno, &j, err) == 0)
        rc = 0;
    json_decref(obj);
    if (rc < 0) {
        if (!o->lenient)
            return -1;
        w->dropped.malformed++;
        return 0;
    }
    int64_t limit = o->machine_procs > 0 ? o->machine_procs : sim_trace_procs(w);
    if (j.procs > 0 && !swf_clean(w, limit, &j)) {
        free(j.queue);
        return 0;
    }
    if (!j.procs && (j.run <= 0 || j.req <= 0)) {
        w->dropped.no_time++;
        free(j.queue);
        return 0;
    }
    if (j.run > j.req) {
        j.run = j.req;
        w->dropped.truncated++;
    }
    if (job_append(w, &j) < 0) {
        free(j.queue);
        return st_errorf(err, ENOMEM, "%s: out of memory", where);
    }
    return 0;
}

/* ---- driver -------------------------------------------------------------------- */

static bool is_json_path(const char *path)
{
    const char *exts[] = {".jsonl", ".json", ".jsonl.gz", ".json.gz"};
    size_t n = strlen(path);
    for (int i = 0; i < 4; i++) {
        size_t k = strlen(exts[i]);
        if (n >= k && strcmp(path + n - k, exts[i]) == 0)
            return true;
    }
    return false;
}

static int cmp_submit(const void *a, const void *b)
{
    const struct sim_job *x = a, *y = b;
    if (x->submit != y->submit)
        return x->submit < y->submit ? -1 : 1;
    /* SWF job numbers count jobs in the order of the original log, so they
     * are the log's order even in a file re-sorted since (a simulator's
     * output is written in completion order). */
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int read_lines(gzFile gz, const char *path, bool json, const struct sim_load_opts *o,
                      struct sim_workload *w, struct st_error *err)
{
    char *buf = malloc(LINE_MAX_LEN);
    if (!buf)
        return st_errorf(err, ENOMEM, "%s: out of memory", path);
    int64_t lineno = 0;
    int rc = 0;
    while (rc == 0 && gzgets(gz, buf, LINE_MAX_LEN)) {
        lineno++;
        if (!strchr(buf, '\n') && !gzeof(gz)) {
            rc = st_errorf(err, EINVAL, "%s:%lld: line too long", path, (long long) lineno);
            break;
        }
        const char *p = buf + strspn(buf, " \t\r\n");
        if (*p == '\0')
            continue;
        if (*p == ';' || (json && *p == '#')) {
            swf_header(w, p);
            continue;
        }
        if (o->max_jobs > 0 && (int64_t) w->n >= o->max_jobs)
            break;
        rc = json ? json_line(w, o, path, lineno, buf, err)
                  : swf_line(w, o, path, lineno, buf, err);
    }
    int zerr = 0;
    const char *zmsg = gzerror(gz, &zerr);
    if (rc == 0 && zerr != Z_OK && zerr != Z_STREAM_END)
        rc = st_errorf(err, EIO, "%s:%lld: %s", path, (long long) lineno, zmsg);
    free(buf);
    return rc;
}

int sim_workload_load(const char *path, const struct sim_load_opts *o, struct sim_workload *w,
                      struct st_error *err)
{
    if (!path || !o || !w)
        return st_errorf(err, EINVAL, "workload: invalid argument");
    memset(w, 0, sizeof *w);
    struct stat st; /* gzopen opens a directory; its first read fails */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return st_errorf(err, EISDIR, "%s: %s", path, strerror(EISDIR));
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return st_errorf(err, errno ? errno : EIO, "%s: %s", path,
                         strerror(errno ? errno : EIO));
    bool json = is_json_path(path);
    int rc = read_lines(gz, path, json, o, w, err);
    gzclose(gz);
    if (rc == 0 && !json)
        swf_estimates(w);
    if (rc < 0) {
        int saved = errno;
        sim_workload_fini(w);
        errno = saved;
        return -1;
    }
    if (w->n)
        qsort(w->jobs, w->n, sizeof *w->jobs, cmp_submit);
    return 0;
}

void sim_workload_reset(struct sim_workload *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct sim_job *j = &w->jobs[i];
        free(j->alloc);
        j->alloc = NULL;
        j->start = j->end = -1;
        j->cores = 0;
        j->how = QUEUE_START_NONE;
        j->reject_errno = 0;
    }
}

void sim_workload_fini(struct sim_workload *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->jobs[i].queue);
        free(w->jobs[i].alloc);
    }
    free(w->jobs);
    for (size_t i = 0; i < w->nspecs; i++)
        jobspec_destroy(w->specs[i]);
    free(w->specs);
    memset(w, 0, sizeof *w);
}

int sim_workload_add_spec(struct sim_workload *w, jobspec_t *js)
{
    return spec_keep(w, js);
}
