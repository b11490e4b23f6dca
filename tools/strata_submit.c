/* strata submit / strata run: build a jobspec and submit it.
 *
 * The shape options mirror flux submit (-N -n -c -g -t --exclusive --queue
 * --requires --setattr --env); a jobspec file can be given instead with
 * --jobspec.  The command's environment and working directory go with the
 * job, as with Flux.  --cc N or --cc A-B submits that many copies in one
 * request.  run waits for the job and streams its output as it is written
 * (a thread follows the job's output files), then exits with the job's
 * code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobspec/cli.h"
#include "jobspec/jobspec.h"
#include "tools/strata.h"

extern char **environ;

static const char submit_usage[] =
    "Usage: strata %s [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       strata %s [OPTIONS] --jobspec=FILE\n"
    "%s"
    "\n"
    JOBSPEC_CLI_HELP
    "      --no-env         do not send this environment with the job\n"
    "      --name=NAME      job name\n"
    "      --noexec         hold the allocation for -t, run nothing\n"
    "      --jobspec=FILE   submit FILE (YAML or JSON) instead of a shape\n"
    "      --cc=N|A-B       submit N (or B-A+1) copies in one request\n"
    "  -q, --quiet          print nothing\n"
    "  -h, --help           this help\n";

enum { SO_NOENV = 256, SO_NAME, SO_NOEXEC, SO_JOBSPEC, SO_CC };

static const struct option opts[] = {
    JOBSPEC_CLI_LONGOPTS,
    {"no-env", no_argument, NULL, SO_NOENV},
    {"name", required_argument, NULL, SO_NAME},
    {"noexec", no_argument, NULL, SO_NOEXEC},
    {"jobspec", required_argument, NULL, SO_JOBSPEC},
    {"cc", required_argument, NULL, SO_CC},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct submit_opts {
    struct jobspec_cli cli;
    char **owned; /* strings made here */
    size_t nowned;
    bool no_env, noexec, quiet;
    const char *jobspec_file;
    int count;
};

static int cc_arg(const char *cmd, const char *s, int *count)
{
    long a, b;
    char *end;
    a = strtol(s, &end, 10);
    if (*end == '-') {
        b = strtol(end + 1, &end, 10);
        if (*end || a < 0 || b < a || b - a + 1 > 1000000)
            goto bad;
        *count = (int)(b - a + 1);
        return 0;
    }
    if (*end || a < 1 || a > 1000000)
        goto bad;
    *count = (int)a;
    return 0;
bad:
    fprintf(stderr, "strata %s: --cc: '%s' is not N or A-B (at most 1000000 jobs)\n", cmd, s);
    return -1;
}

static char *own(struct submit_opts *o, char *s)
{
    char **v = s ? realloc(o->owned, (o->nowned + 1) * sizeof *v) : NULL;
    if (!v) {
        free(s);
        return NULL;
    }
    o->owned = v;
    o->owned[o->nowned++] = s;
    return s;
}

/* "key=<value as a JSON string>": a name or a directory with '"' or '\\'
 * in it must stay what it is, not become other JSON (or a backspace). */
static char *setattr_string(const char *key, const char *value)
{
    json_t *v = json_string(value);
    char *q = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    char *s = NULL;
    if (q && asprintf(&s, "%s=%s", key, q) < 0)
        s = NULL;
    free(q);
    return s;
}

static int parse_one_opt(struct submit_opts *o, const char *cmd, int c, const char *arg)
{
    struct st_error err;
    int rc = jobspec_cli_option(&o->cli, c, arg, &err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "strata %s: %s\n", cmd, err.text);
        return rc < 0 ? -1 : 0;
    }
    char *s;
    switch (c) {
    case SO_NOENV: o->no_env = true; return 0;
    case SO_NAME:
        if (!*arg) {
            fprintf(stderr, "strata %s: --name: the name must not be empty\n", cmd);
            return -1;
        }
        if (!(s = own(o, setattr_string("system.job.name", arg))))
            return -1;
        return jobspec_strv_push(&o->cli.setattr, s);
    case SO_NOEXEC: o->noexec = true; return 0;
    case SO_JOBSPEC: o->jobspec_file = arg; return 0;
    case SO_CC:
        return cc_arg(cmd, arg, &o->count);
    case 'q': o->quiet = true; return 0;
    default: return -1;
    }
}

/* Environment first, so that explicit --env entries win. */
static int add_environment(struct submit_opts *o, struct jobspec_strv *env)
{
    for (char **e = environ; !o->no_env && *e; e++)
        if (jobspec_strv_push(env, *e) < 0)
            return -1;
    for (size_t i = 0; i < o->cli.env.n; i++)
        if (jobspec_strv_push(env, o->cli.env.v[i]) < 0)
            return -1;
    char cwd[4096], *s;
    if (getcwd(cwd, sizeof cwd) && (s = own(o, setattr_string("system.cwd", cwd))))
        return jobspec_strv_push(&o->cli.setattr, s);
    return 0;
}

static jobspec_t *build(struct submit_opts *o, int argc, char **argv, struct st_error *err)
{
    if (o->jobspec_file)
        return jobspec_parse_file(o->jobspec_file, err);
    if (argc == 0)
        return st_errorf_null(err, EINVAL, "no command given (or use --jobspec=FILE)");
    struct jobspec_strv env = {0};
    jobspec_t *js = NULL;
    if (add_environment(o, &env) < 0)
        st_errorf(err, ENOMEM, "out of memory");
    else /* argv is main's, NULL-terminated; env holds the --env entries too */
        js = jobspec_cli_build(&o->cli, (const char *const *)argv, env.v, err);
    jobspec_strv_clear(&env);
    return js;
}

static void opts_free(struct submit_opts *o)
{
    jobspec_cli_clear(&o->cli);
    for (size_t i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    free(o->owned);
}

/* ---- run: stream the output while the job runs ---------------------------------- */

/* One output file being followed: opened once it exists, read from where
 * the last read stopped. */
struct follow {
    const char *path;
    int fd;
    int to;
};

static void follow_copy(struct follow *f)
{
    char buf[65536];
    ssize_t n;
    if (f->fd < 0 && f->path)
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
    while (f->fd >= 0 && (n = read(f->fd, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t k = write(f->to, buf + off, (size_t)(n - off));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return; /* our stdout is gone: keep waiting for the exit code */
            off += k;
        }
    }
}

/* The follower thread copies what the files gain every 20 ms until the
 * main thread, whose wait returned, writes to the pipe. */
struct follower {
    struct follow f[2];
    int stop[2]; /* pipe */
};

static void *follow_thread(void *arg)
{
    struct follower *fl = arg;
    struct pollfd pfd = {.fd = fl->stop[0], .events = POLLIN};
    while (poll(&pfd, 1, 20) == 0) {
        follow_copy(&fl->f[0]);
        follow_copy(&fl->f[1]);
    }
    return NULL;
}

/* ---- run: an interrupt cancels the job ------------------------------------------ */

/* SIGINT, SIGTERM and SIGHUP are blocked while run waits and taken by this
 * thread with sigwait(): the first cancels the job (the wait then returns
 * with its result), a second one leaves at once.  Without it, Ctrl-C ended
 * the client and left the job running with nobody watching it.  SIGUSR2
 * only wakes the thread when the wait is over. */
struct interrupter {
    const struct strata_global *g;
    int64_t id;
    sigset_t set;
    volatile sig_atomic_t done; /* set by the main thread before SIGUSR2 */
    volatile sig_atomic_t sig;  /* the first interrupt, 0 if none */
};

static void *interrupt_thread(void *arg)
{
    struct interrupter *in = arg;
    int sig;
    while (sigwait(&in->set, &sig) == 0 && !in->done) {
        if (sig == SIGUSR2)
            continue;
        if (in->sig) /* a second interrupt: do not wait for the cancel */
            _exit(128 + sig);
        in->sig = sig;
        fprintf(stderr, "strata: interrupt: canceling job %lld (again to leave now)\n",
                (long long)in->id);
        strata_client_t *c = strata_client_open(in->g->uri, in->g->timeout_ms, NULL);
        json_t *res = NULL;
        if (!c || strata_client_call(c, "cancel", json_pack("{s:[I]}", "ids", (json_int_t)in->id),
                                     &res, NULL) < 0)
            fprintf(stderr, "strata: could not cancel job %lld\n", (long long)in->id);
        json_decref(res);
        strata_client_close(c);
    }
    return NULL;
}

/* The interrupts, blocked in every thread: this must happen before the
 * client library starts its own threads (at open), or the kernel hands
 * the signal to one of those and its default action ends the process.
 * old receives the mask to restore.  0, or -1 (errno). */
static int interrupts_block(sigset_t *set, sigset_t *old)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGUSR2);
    int rc = pthread_sigmask(SIG_BLOCK, set, old);
    return rc == 0 ? 0 : (errno = rc, -1);
}

/* Start taking the interrupts of in->set (blocked already): 0, or -1 and
 * run goes on without (the signals stay blocked until run ends). */
static int interrupts_start(struct interrupter *in, pthread_t *t)
{
    return pthread_create(t, NULL, interrupt_thread, in) == 0 ? 0 : -1;
}

static void interrupts_stop(struct interrupter *in, pthread_t t)
{
    in->done = 1;
    pthread_kill(t, SIGUSR2);
    pthread_join(t, NULL);
}

/* run: wait while streaming the output, then exit like the job (Flux's
 * convention: its exit code, or 1 if it did not complete).  The submit
 * reply told where job outputs go (output_dir); the wait's reply carries
 * the result, so a job that ends at once costs a submit and a wait. */
static int run_wait(const struct strata_global *g, strata_client_t *c, int64_t id,
                    const char *dir, const sigset_t *blocked)
{
    struct st_error err = {{0}};
    struct interrupter in = {.g = g, .id = id};
    pthread_t it;
    bool interruptible = false;
    if (blocked) {
        in.set = *blocked;
        interruptible = interrupts_start(&in, &it) == 0;
    }
    char out[4096], errp[4096];
    snprintf(out, sizeof out, "%s/%lld.out", dir ? dir : "", (long long)id);
    snprintf(errp, sizeof errp, "%s/%lld.err", dir ? dir : "", (long long)id);
    struct follower fl = {.f = {{dir ? out : NULL, -1, STDOUT_FILENO},
                                {dir ? errp : NULL, -1, STDERR_FILENO}}};
    fflush(stdout);
    pthread_t t;
    bool threaded = dir && pipe(fl.stop) == 0;
    if (threaded && pthread_create(&t, NULL, follow_thread, &fl) != 0) {
        close(fl.stop[0]);
        close(fl.stop[1]);
        threaded = false;
    }
    json_t *info = NULL;
    int rc = strata_wait(c, id, &info, &err);
    if (interruptible)
        interrupts_stop(&in, it);
    if (threaded) {
        char b = 1;
        while (write(fl.stop[1], &b, 1) < 0 && errno == EINTR)
            ;
        pthread_join(t, NULL);
        close(fl.stop[0]);
        close(fl.stop[1]);
    }
    follow_copy(&fl.f[0]); /* the rest, now that the job is over */
    follow_copy(&fl.f[1]);
    for (int i = 0; i < 2; i++)
        if (fl.f[i].fd >= 0)
            close(fl.f[i].fd);
    if (rc < 0)
        return strata_cli_fail("run", &err);
    const char *result = json_string_value(json_object_get(info, "result"));
    int code = (int)json_integer_value(json_object_get(info, "exitcode"));
    const char *reason = json_string_value(json_object_get(info, "reason"));
    if (result && strcmp(result, "completed") != 0)
        fprintf(stderr, "strata: job %lld %s%s%s\n", (long long)id, result,
                reason ? ": " : "", reason ? reason : "");
    if (code == 0 && result && strcmp(result, "completed") != 0)
        code = 1;
    json_decref(info);
    return in.sig ? 128 + in.sig : code; /* as a shell reports an interrupted command */
}

static int submit_and_print(const struct strata_global *g, struct submit_opts *o,
                            jobspec_t *js, int run)
{
    struct st_error err = {{0}};
    char *text = jobspec_to_json(js);
    json_t *spec = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    sigset_t set, old;
    bool blocked = run && interrupts_block(&set, &old) == 0;
    strata_client_t *c = spec ? strata_cli_open(g) : NULL;
    json_t *res = NULL;
    int rc = 1;
    if (c && strata_client_call(c, "submit",
                                json_pack("{s:o, s:i, s:b}", "jobspec", spec, "count",
                                          o->count, "noexec", o->noexec),
                                &res, &err) == 0) {
        spec = NULL;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(res, "ids"), i, v)
            if (!o->quiet && !run)
                printf("%lld\n", (long long)json_integer_value(v));
        /* The output files are on the daemon's host: followed from here
         * only when the instance is local (ipc://). */
        const char *uri = strata_uri_resolve(g->uri, NULL);
        bool local = uri && strncmp(uri, "ipc://", 6) == 0;
        rc = run ? run_wait(g, c, json_integer_value(json_array_get(json_object_get(res, "ids"), 0)),
                           local ? json_string_value(json_object_get(res, "output_dir")) : NULL,
                           blocked ? &set : NULL)
                 : 0;
    } else if (c) {
        spec = NULL;
        rc = strata_cli_fail(run ? "run" : "submit", &err);
    }
    json_decref(spec);
    json_decref(res);
    strata_client_close(c);
    if (blocked) /* an interrupt still pending now ends us as it would have */
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int strata_cmd_submit(const struct strata_global *g, int argc, char **argv, int run)
{
    struct submit_opts o = {.count = 1};
    /* argv[0]: submit, run, or batch/alloc (which come through here). */
    const char *cmd = run == STRATA_SUBMIT_PRINT ? "jobspec build" : argv[0];
    const char *what = strcmp(cmd, "batch") == 0
                           ? "Submit SCRIPT to run inside a new instance over the job's "
                             "allocation; print its id.\n"
                       : run ? "Submit a job, wait for it, print its output and exit with "
                               "its code.\n"
                             : "Submit a job and print its id (one per line with --cc).\n";
    int c;
    optind = 1;
    opterr = 0; /* said by strata_cli_bad_option(): "strata CMD", not argv[0] */
    while ((c = getopt_long(argc, argv, "+:" JOBSPEC_CLI_SHORTOPTS "qh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf(submit_usage, cmd, cmd, what);
            opts_free(&o);
            return 0;
        }
        if (strata_cli_bad_long_option(cmd, c, argv, opts) || parse_one_opt(&o, cmd, c, optarg) < 0) {
            fprintf(stderr, "Try 'strata %s --help'.\n", cmd);
            opts_free(&o);
            return 2;
        }
    }
    if (run && o.count != 1) {
        fprintf(stderr, "strata run: --cc is for submit\n");
        opts_free(&o);
        return 2;
    }
    struct st_error err = {{0}};
    jobspec_t *js = build(&o, argc - optind, argv + optind, &err);
    if (js && run == STRATA_SUBMIT_PRINT) {
        /* strata jobspec build: the jobspec submit would send, as JSON. */
        char *text = jobspec_to_json(js);
        if (text)
            puts(text);
        free(text);
        jobspec_destroy(js);
        opts_free(&o);
        return text ? 0 : 1;
    }
    /* No command and no --jobspec is a usage error (2), like a bad option. */
    bool usage_error = !js && !o.jobspec_file && argc == optind;
    int rc = js ? submit_and_print(g, &o, js, run) : strata_cli_fail(cmd, &err);
    if (usage_error) {
        fprintf(stderr, "Try 'strata %s --help'.\n", cmd);
        rc = 2;
    }
    jobspec_destroy(js);
    opts_free(&o);
    return rc;
}
