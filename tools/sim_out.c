/* sim_out: what strata-sim writes.
 *
 *   jobs.csv      one row per job kept after cleaning:
 *                 id,submit,start,end,wait,run,requested,procs,queue,how,alloc
 *                 (start/end/wait are -1 and how is "rejected" for a job that
 *                 never ran);
 *   summary.json  utilization, waits, bounded slowdown (tau = 10 s),
 *                 makespan, throughput, scheduler time per pass, settings;
 *   plots         gnuplot data and script, rendered to PNG or SVG;
 *   --compare     a side-by-side table on stdout.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "tools/sim.h"

extern char **environ;

enum { BSLD_TAU = 10 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t) ceil(p * (double) n);
    return v[k ? k - 1 : 0];
}

static double *sorted_waits(const struct sim_workload *w, size_t *n)
{
    double *v = malloc((w->n ? w->n : 1) * sizeof *v);
    *n = 0;
    for (size_t i = 0; v && i < w->n; i++) {
        if (w->jobs[i].start >= 0)
            v[(*n)++] = (double) (w->jobs[i].start - w->jobs[i].submit);
    }
    if (v)
        qsort(v, *n, sizeof *v, cmp_double);
    return v;
}

static void job_figures(const struct sim_workload *w, struct sim_summary *s, double *area,
                        int64_t *first, int64_t *last)
{
    double wsum = 0, bsum = 0;
    *first = w->n ? w->jobs[0].submit : 0;
    *last = *first;
    *area = 0;
    for (size_t i = 0; i < w->n; i++) {
        const struct sim_job *j = &w->jobs[i];
        if (j->start < 0)
            continue;
        double wait = (double) (j->start - j->submit);
        double run = (double) j->run;
        wsum += wait;
        bsum += fmax(1.0, (wait + run) / fmax(run, BSLD_TAU));
        *area += run * (double) j->cores;
        if (j->end > *last)
            *last = j->end;
        if (wait > s->wait_max)
            s->wait_max = wait;
    }
    s->wait_mean = s->started ? wsum / (double) s->started : 0;
    s->bsld_mean = s->started ? bsum / (double) s->started : 0;
}

void sim_summarize(const struct sim_workload *w, const struct sim_result *r,
                   int64_t machine_cores, struct sim_summary *s)
{
    memset(s, 0, sizeof *s);
    s->jobs = (int64_t) w->n;
    s->started = r->started;
    s->rejected = r->rejected;
    double area;
    int64_t first, last;
    job_figures(w, s, &area, &first, &last);
    size_t n;
    double *v = sorted_waits(w, &n);
    if (v) {
        s->wait_median = percentile(v, n, 0.5);
        s->wait_p95 = percentile(v, n, 0.95);
    }
    free(v);
    s->makespan = last - first;
    if (s->makespan > 0 && machine_cores > 0)
        s->utilization = area / ((double) machine_cores * (double) s->makespan);
    if (s->makespan > 0)
        s->throughput = (double) s->started / ((double) s->makespan / 3600.0);
    s->passes = r->passes.passes;
    s->backend_calls = r->passes.backend_calls;
    s->skipped_calls = r->passes.skipped_calls;
    if (r->passes.passes)
        s->pass_mean_us = (double) r->passes.total_ns / (double) r->passes.passes / 1000.0;
    s->pass_max_us = (double) r->passes.max_ns / 1000.0;
    s->wall_seconds = r->wall_seconds;
}

/* ---- jobs.csv ---------------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s)
{
    if (!s) {
        return;
    }
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_row(FILE *f, const struct sim_job *j)
{
    bool ran = j->start >= 0;
    fprintf(f, "%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,", (long long) j->id,
            (long long) j->submit, (long long) j->start, (long long) j->end,
            (long long) (ran ? j->start - j->submit : -1), (long long) j->run,
            (long long) j->req, (long long) j->procs);
    csv_field(f, j->queue);
    fputc(',', f);
    fputs(ran ? queue_start_name((enum queue_start) j->how) : "rejected", f);
    fputc(',', f);
    csv_field(f, j->alloc);
    fputc('\n', f);
}

int sim_write_jobs(const char *path, const struct sim_workload *w, struct st_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    fputs("id,submit,start,end,wait,run,requested,procs,queue,how,alloc\n", f);
    for (size_t i = 0; i < w->n; i++)
        csv_row(f, &w->jobs[i]);
    if (fclose(f) != 0)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    return 0;
}

/* ---- summary.json ------------------------------------------------------------------ */

static json_t *summary_json(const struct sim_summary *s, const struct sim_workload *w)
{
    const struct sim_dropped *d = &w->dropped;
    return json_pack(
        "{s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:f, s:{s:f, s:f, s:f, s:f}, s:f, s:i,"
        " s:I, s:f, s:{s:I, s:f, s:f, s:I, s:I}, s:f}",
        "jobs", (json_int_t) s->jobs, "started", (json_int_t) s->started, "rejected",
        (json_int_t) s->rejected, "cleaning", "malformed", (json_int_t) d->malformed,
        "no_procs", (json_int_t) d->no_procs, "too_big", (json_int_t) d->too_big, "no_time",
        (json_int_t) d->no_time, "run_truncated", (json_int_t) d->truncated, "utilization",
        s->utilization, "wait", "mean", s->wait_mean, "median", s->wait_median, "p95",
        s->wait_p95, "max", s->wait_max, "bsld_mean", s->bsld_mean, "bsld_tau", BSLD_TAU,
        "makespan", (json_int_t) s->makespan, "throughput_per_hour", s->throughput, "scheduler",
        "passes", (json_int_t) s->passes, "mean_pass_us", s->pass_mean_us, "max_pass_us",
        s->pass_max_us, "backend_calls", (json_int_t) s->backend_calls, "skipped_calls",
        (json_int_t) s->skipped_calls, "wall_seconds", s->wall_seconds);
}

int sim_write_summary(const char *path, const struct sim_summary *s, const char *const *labels,
                      const struct sim_workload *w, struct st_error *err)
{
    json_t *o = summary_json(s, w);
    if (!o)
        return st_errorf(err, ENOMEM, "%s: out of memory", path);
    json_t *settings = json_object();
    for (size_t i = 0; labels && labels[i] && labels[i + 1]; i += 2)
        json_object_set_new(settings, labels[i], json_string(labels[i + 1]));
    json_object_set_new(o, "settings", settings);
    errno = 0;
    int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (rc < 0)
        return st_errorf(err, errno ? errno : EIO, "%s: %s", path,
                         errno ? strerror(errno) : "cannot write");
    return 0;
}

/* ---- plots --------------------------------------------------------------------------- */

static int write_series(const char *path, const struct sim_result *r, int64_t t0, int64_t cores)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("# days utilization pending\n", f);
    for (size_t i = 0; i < r->nsamples; i++) {
        const struct sim_sample *s = &r->samples[i];
        fprintf(f, "%.5f %.4f %lld\n", (double) (s->t - t0) / 86400.0,
                cores ? (double) s->busy / (double) cores : 0, (long long) s->pending);
    }
    return fclose(f);
}

/* Time-weighted mean of busy/cores over about 500 bins: the raw steps of a
 * long trace are a solid band. */
static int write_binned(const char *path, const struct sim_result *r, int64_t t0, int64_t cores)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("# days mean_utilization mean_pending\n", f);
    size_t n = r->nsamples;
    int64_t span = n ? r->samples[n - 1].t - t0 : 0;
    int64_t width = span / 500 > 1 ? span / 500 : 1;
    double busy = 0, pend = 0;
    int64_t bin = 0;
    for (size_t i = 0; i + 1 < n && cores > 0; i++) {
        int64_t a = r->samples[i].t - t0, b = r->samples[i + 1].t - t0;
        while (a < b) {
            int64_t end = (bin + 1) * width < b ? (bin + 1) * width : b;
            busy += (double) r->samples[i].busy * (double) (end - a);
            pend += (double) r->samples[i].pending * (double) (end - a);
            a = end;
            if (a == (bin + 1) * width) {
                fprintf(f, "%.4f %.4f %.2f\n", ((double) bin + 0.5) * (double) width / 86400.0,
                        busy / ((double) cores * (double) width), pend / (double) width);
                busy = pend = 0;
                bin++;
            }
        }
    }
    int64_t rest = span - bin * width; /* the last, partial bin */
    if (rest > 0 && cores > 0)
        fprintf(f, "%.4f %.4f %.2f\n", ((double) (bin * width) + (double) rest / 2) / 86400.0,
                busy / ((double) cores * (double) rest), pend / (double) rest);
    return fclose(f);
}

static int write_waits(const char *path, const struct sim_workload *w)
{
    size_t n;
    double *v = sorted_waits(w, &n);
    FILE *f = v ? fopen(path, "w") : NULL;
    if (!f) {
        free(v);
        return -1;
    }
    fputs("# wait_s fraction_of_jobs_waiting_at_most\n", f);
    for (size_t i = 0; i < n; i++) {
        if (i + 1 == n || v[i + 1] != v[i])
            fprintf(f, "%.0f %.6f\n", v[i] + 1, (double) (i + 1) / (double) n);
    }
    free(v);
    return fclose(f);
}

static int write_script(const char *path, const char *dir, const char *fmt)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    bool svg = strcmp(fmt, "svg") == 0;
    fprintf(f, "set terminal %s size 900,400\nset grid\nset key off\n",
            svg ? "svg" : "pngcairo");
    fprintf(
        f,
        "set output '%s/utilization.%s'\nset title 'Utilization (time-weighted mean per bin)'\n"
        "set xlabel 'days'\nset ylabel 'busy fraction'\nset yrange [0:1.05]\n"
        "plot '%s/binned.dat' using 1:2 with lines lw 1.5\n",
        dir, fmt, dir);
    fprintf(
        f,
        "set output '%s/queue.%s'\nset title 'Queue length'\nset yrange [0:*]\n"
        "set ylabel 'pending jobs'\nset key top left\n"
        "plot '%s/series.dat' using 1:3 with steps lw 0.5 lc rgb '#b0b0ff' title 'pending',"
        " '%s/binned.dat' using 1:3 with lines lw 1.5 lc rgb '#0000a0' title 'mean per bin'\n"
        "set key off\n",
        dir, fmt, dir, dir);
    fprintf(f,
            "set output '%s/waits.%s'\nset title 'Wait distribution (CDF)'\n"
            "set logscale x\nset xlabel 'wait + 1 (s)'\nset ylabel 'fraction of jobs'\n"
            "set yrange [0:1]\nplot '%s/waits.dat' using 1:2 with steps lw 2\n",
            dir, fmt, dir);
    return fclose(f);
}

static int run_gnuplot(const char *script)
{
    pid_t pid;
    char *argv[] = {"gnuplot", (char *) script, NULL};
    if (posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ) != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int sim_write_plots(const char *dir, const char *fmt, const struct sim_workload *w,
                    const struct sim_result *r, int64_t machine_cores, struct st_error *err)
{
    if (strcmp(fmt, "png") != 0 && strcmp(fmt, "svg") != 0)
        return st_errorf(err, EINVAL, "plot format must be png or svg, not '%s'", fmt);
    if (mkdir(dir, 0777) < 0 && errno != EEXIST)
        return st_errorf(err, errno, "%s: %s", dir, strerror(errno));
    char path[4096];
    int64_t t0 = w->n ? w->jobs[0].submit : 0;
    snprintf(path, sizeof path, "%s/series.dat", dir);
    if (write_series(path, r, t0, machine_cores) < 0)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/binned.dat", dir);
    if (write_binned(path, r, t0, machine_cores) < 0)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/waits.dat", dir);
    if (write_waits(path, w) < 0)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/plots.gp", dir);
    if (write_script(path, dir, fmt) < 0)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    if (run_gnuplot(path) < 0)
        fprintf(stderr, "strata-sim: gnuplot failed or is missing; data and script are in %s\n",
                dir);
    return 0;
}

/* ---- --compare ----------------------------------------------------------------------- */

void sim_print_compare(FILE *f, const char *const *names, const struct sim_summary *s, int n)
{
    fprintf(f, "%-22s", "");
    for (int i = 0; i < n; i++)
        fprintf(f, " %16s", names[i]);
    fputc('\n', f);
    const struct {
        const char *label;
        size_t off;
        const char *fmt;
    } rows[] = {
        {"utilization", offsetof(struct sim_summary, utilization), " %16.3f"},
        {"wait mean (s)", offsetof(struct sim_summary, wait_mean), " %16.2f"},
        {"wait median (s)", offsetof(struct sim_summary, wait_median), " %16.0f"},
        {"wait p95 (s)", offsetof(struct sim_summary, wait_p95), " %16.0f"},
        {"bsld mean (tau 10 s)", offsetof(struct sim_summary, bsld_mean), " %16.2f"},
        {"throughput (jobs/h)", offsetof(struct sim_summary, throughput), " %16.2f"},
        {"pass mean (us)", offsetof(struct sim_summary, pass_mean_us), " %16.1f"},
        {"wall (s)", offsetof(struct sim_summary, wall_seconds), " %16.2f"},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        fprintf(f, "%-22s", rows[r].label);
        for (int i = 0; i < n; i++)
            fprintf(f, rows[r].fmt, *(const double *) ((const char *) &s[i] + rows[r].off));
        fputc('\n', f);
    }
    fprintf(f, "%-22s", "makespan (s)");
    for (int i = 0; i < n; i++)
        fprintf(f, " %16lld", (long long) s[i].makespan);
    fprintf(f, "\n%-22s", "started / rejected");
    for (int i = 0; i < n; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%lld / %lld", (long long) s[i].started,
                 (long long) s[i].rejected);
        fprintf(f, " %16s", buf);
    }
    fputc('\n', f);
}
