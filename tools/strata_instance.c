/* strata instance-run, batch, alloc, proxy: nested instances (docs/nested.md).
 *
 * instance-run is what the parent stratad runs for an instance job (see
 * daemon/instance.h): it is the job's task.  It builds the child's graph
 * from the job's R, starts the child stratad, registers it with the parent,
 * runs the initial program against the child and, when that ends (or the
 * job is signalled, or the parent goes away), drains and stops the child.
 * The child's run directory (journal, R, log) is kept for inspection.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/strata.h"

/* How the wrapper's wait ended. */
enum end_why { END_PROGRAM, END_SIGNAL, END_PARENT_GONE, END_CHILD_DIED };

struct run {
    char dir[PATH_MAX];
    char uri[PATH_MAX + 16]; /* ipc://: the wrapper's own link to the child */
    const char *public_uri;  /* what the parent and the program use */
    pid_t parent;  /* our parent (the parent stratad) at start */
    pid_t daemon;  /* child stratad */
    pid_t program; /* initial program, 0 once reaped or never started */
    int status;    /* the program's wait status */
    int sig;       /* signal that ended the wait */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Write the JGF of the job's R (and the R itself) into the run directory. */
static int write_graph(const struct run *r, json_t *R, char *jgf, size_t n)
{
    json_t *sched = json_object_get(R, "scheduling");
    if (!json_is_object(sched)) {
        fprintf(stderr, "strata instance-run: the job's R has no JGF \"scheduling\" key\n");
        return -1;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/R.json", r->dir);
    json_dump_file(R, path, JSON_COMPACT);
    snprintf(jgf, n, "%s/R.jgf", r->dir);
    if (json_dump_file(sched, jgf, JSON_COMPACT) < 0) {
        fprintf(stderr, "strata instance-run: cannot write %s\n", jgf);
        return -1;
    }
    return 0;
}

/* The job's R from the parent, as JSON. */
static json_t *fetch_R(strata_client_t *c, int64_t id)
{
    struct st_error err = {{0}};
    json_t *info = NULL;
    if (strata_job_info(c, id, &info, &err) < 0) {
        fprintf(stderr, "strata instance-run: job %lld: %s\n", (long long)id, err.text);
        return NULL;
    }
    const char *text = json_string_value(json_object_get(info, "R"));
    json_t *R = text ? json_loads(text, 0, NULL) : json_incref(json_object_get(info, "R"));
    json_decref(info);
    if (!json_is_object(R)) {
        json_decref(R);
        fprintf(stderr, "strata instance-run: job %lld has no R\n", (long long)id);
        return NULL;
    }
    return R;
}

/* Only async-signal-safe calls between fork and exec: the nng client has
 * threads. */
static pid_t spawn_daemon(const struct run *r, const char *stratad, char **argv)
{
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/stratad.log", r->dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    sigset_t none;
    sigemptyset(&none);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* the wrapper gone: drain and exit */
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(stratad, argv);
        execvp(stratad, argv);
        _exit(127);
    }
    if (fd >= 0)
        close(fd);
    return pid;
}

static pid_t spawn_program(char **argv)
{
    sigset_t none;
    sigemptyset(&none);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[0], argv);
        fprintf(stderr, "strata instance-run: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Bounded wait until the child answers (or dies). */
static strata_client_t *wait_child(struct run *r)
{
    for (int i = 0; i < 400; i++) {
        if (waitpid(r->daemon, NULL, WNOHANG) == r->daemon) {
            r->daemon = 0;
            return NULL;
        }
        struct st_error err = {{0}};
        strata_client_t *c = strata_client_open(r->uri, 2000, &err);
        json_t *res = NULL;
        if (c && strata_client_call(c, "ping", NULL, &res, &err) == 0) {
            json_decref(res);
            return c;
        }
        strata_client_close(c);
        sleep_ms(25);
    }
    return NULL;
}

static int register_child(strata_client_t *parent, int64_t id, const struct run *r)
{
    struct st_error err = {{0}};
    json_t *res = NULL;
    json_t *p = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "uri", r->uri,
                          "statedir", r->dir, "pid", (json_int_t)r->daemon);
    json_object_set_new(p, "uri", json_string(r->public_uri));
    if (strata_client_call(parent, "instance.register", p, &res, &err) < 0) {
        fprintf(stderr, "strata instance-run: register with the parent: %s\n", err.text);
        return -1;
    }
    json_decref(res);
    return 0;
}

/* Sleep in sigtimedwait until something ends the instance's life. */
static enum end_why wait_end(struct run *r)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    struct timespec tick = {0, 100 * 1000000L};
    for (;;) {
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
            r->sig = sig;
            return END_SIGNAL;
        }
        if (r->program > 0 && waitpid(r->program, &r->status, WNOHANG) == r->program) {
            r->program = 0;
            return END_PROGRAM;
        }
        if (waitpid(r->daemon, NULL, WNOHANG) == r->daemon) {
            r->daemon = 0;
            return END_CHILD_DIED;
        }
        if (getppid() != r->parent)
            return END_PARENT_GONE;
    }
}

/* Cancel every active job of the child, then shut it down; its journal
 * stays in the run directory. */
static void drain_child(struct run *r)
{
    if (r->daemon <= 0)
        return;
    if (waitpid(r->daemon, NULL, WNOHANG) == r->daemon) {
        r->daemon = 0; /* it went first (a signal to the whole job) */
        return;
    }
    struct st_error err = {{0}};
    json_t *res = NULL;
    /* Short calls: a child that is already exiting must not hold us. */
    strata_client_t *c = strata_client_open(r->uri, 1000, &err);
    if (c && strata_client_call(c, "jobs", json_pack("{s:[s]}", "states", "active"), &res,
                                &err) == 0) {
        json_t *ids = json_array();
        size_t i;
        json_t *j;
        json_array_foreach(json_object_get(res, "jobs"), i, j)
            json_array_append(ids, json_object_get(j, "id"));
        json_decref(res);
        res = NULL;
        if (json_array_size(ids) > 0)
            strata_client_call(c, "cancel", json_pack("{s:o}", "ids", ids), &res, &err);
        else
            json_decref(ids);
        json_decref(res);
        res = NULL;
    }
    if (!c || strata_client_call(c, "shutdown", NULL, &res, &err) < 0)
        kill(r->daemon, SIGTERM);
    json_decref(res);
    strata_client_close(c);
    /* Bounded: the child's own kill grace (5 s) plus margin. */
    for (int i = 0; r->daemon > 0 && i < 150; i++) {
        if (waitpid(r->daemon, NULL, WNOHANG) == r->daemon)
            r->daemon = 0;
        else
            sleep_ms(50);
    }
    if (r->daemon > 0) {
        kill(r->daemon, SIGKILL);
        waitpid(r->daemon, NULL, 0);
        r->daemon = 0;
    }
}

static void stop_program(struct run *r)
{
    if (r->program <= 0)
        return;
    kill(r->program, SIGTERM);
    for (int i = 0; i < 40; i++) {
        if (waitpid(r->program, &r->status, WNOHANG) == r->program) {
            r->program = 0;
            return;
        }
        sleep_ms(50);
    }
    kill(r->program, SIGKILL);
    waitpid(r->program, &r->status, 0);
    r->program = 0;
}

static int status_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The child's tls+tcp:// URI when its options ask for one (it can then be
 * reached from other hosts: docs/nested.md), else NULL. */
static const char *tls_uri_of(char **opts, int nopts)
{
    for (int i = 0; i < nopts; i++) {
        if (strncmp(opts[i], "--listen-tls=", 13) == 0)
            return opts[i] + 13;
        if (strcmp(opts[i], "--listen-tls") == 0 && i + 1 < nopts)
            return opts[i + 1];
    }
    return NULL;
}

/* Set up the run directory and the child's argv: stratad --rundir DIR
 * --load DIR/R.jgf --load-format jgf OPTIONS... */
static char **child_argv(struct run *r, const char *stratad, char *jgf, char **opts, int nopts)
{
    char **v = calloc((size_t)nopts + 8, sizeof *v);
    if (!v)
        return NULL;
    int k = 0;
    /* "--prefix WORD" options: the command the child is run through. */
    for (int i = 0; i + 1 < nopts; i++)
        if (strcmp(opts[i], "--prefix") == 0)
            v[k++] = opts[++i];
    v[k++] = (char *)stratad;
    v[k++] = "--rundir";
    v[k++] = r->dir;
    v[k++] = "--load";
    v[k++] = jgf;
    v[k++] = "--load-format";
    v[k++] = "jgf";
    for (int i = 0; i < nopts; i++) {
        if (strcmp(opts[i], "--prefix") == 0)
            i++;
        else
            v[k++] = opts[i];
    }
    return v;
}

static int start_child(struct run *r, strata_client_t *parent, int64_t id, char **opts,
                       int nopts)
{
    json_t *R = fetch_R(parent, id);
    if (!R)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/strata-job%lld.XXXXXX", tmp && *tmp ? tmp : "/tmp",
             (long long)id);
    char jgf[PATH_MAX + 16], buf[PATH_MAX + 32];
    if (!mkdtemp(r->dir) || write_graph(r, R, jgf, sizeof jgf) < 0) {
        json_decref(R);
        return -1;
    }
    json_decref(R);
    snprintf(r->uri, sizeof r->uri, "ipc://%s/rpc", r->dir);
    r->public_uri = tls_uri_of(opts, nopts);
    if (!r->public_uri)
        r->public_uri = r->uri;
    char **argv = child_argv(r, strata_find_stratad(buf, sizeof buf), jgf, opts, nopts);
    r->daemon = argv ? spawn_daemon(r, argv[0], argv) : -1;
    free(argv);
    return r->daemon > 0 ? 0 : -1;
}

int strata_cmd_instance_run(const struct strata_global *g, int argc, char **argv)
{
    int sep = 1;
    while (sep < argc && strcmp(argv[sep], "--") != 0)
        sep++;
    const char *idstr = getenv("STRATA_JOB_ID");
    if (sep >= argc - 1 || !idstr) {
        fprintf(stderr, "Usage: strata instance-run [STRATAD-OPTIONS] -- COMMAND...\n"
                        "(run by stratad for an instance job: needs STRATA_JOB_ID)\n");
        return 2;
    }
    /* One instance per job: the other tasks of a multi-task instance job
     * have nothing to do (the child schedules the whole allocation). */
    const char *rank = getenv("STRATA_TASK_RANK");
    if (rank && strcmp(rank, "0") != 0)
        return 0;
    struct run r = {.parent = getppid()};
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* the parent stratad killed: we hear it */
    if (getppid() != r.parent)
        return 1;
    int64_t id = strtoll(idstr, NULL, 10);
    strata_client_t *parent = strata_cli_open(g);
    strata_client_t *child = NULL;
    if (!parent || start_child(&r, parent, id, argv + 1, sep - 1) < 0 ||
        !(child = wait_child(&r)) || register_child(parent, id, &r) < 0) {
        fprintf(stderr, "strata instance-run: the child instance did not start (log: %s)\n",
                r.dir);
        strata_client_close(parent);
        strata_client_close(child);
        drain_child(&r);
        return 1;
    }
    strata_client_close(parent); /* the parent may go away; we watch getppid() */
    const char *puri = strata_uri_resolve(g->uri, NULL);
    if (puri)
        setenv("STRATA_PARENT_URI", puri, 1);
    setenv("STRATA_URI", r.public_uri, 1);
    r.program = spawn_program(argv + sep + 1);
    enum end_why why = r.program > 0 ? wait_end(&r) : END_PROGRAM;
    alarm(30); /* every step below is bounded; this bounds their sum too */
    if (why == END_CHILD_DIED)
        fprintf(stderr, "strata instance-run: the child instance died\n");
    stop_program(&r);
    strata_client_close(child);
    if (why != END_CHILD_DIED)
        drain_child(&r);
    if (why == END_PARENT_GONE)
        kill(-getpgrp(), SIGKILL); /* nobody waits for us: leave nothing behind */
    switch (why) {
    case END_PROGRAM: return status_code(r.status);
    case END_SIGNAL: return 128 + r.sig;
    default: return 1;
    }
}

/* batch and alloc are submit and run with the instance attribute. */
static int submit_instance(const struct strata_global *g, int argc, char **argv, int run)
{
    char **v = calloc((size_t)argc + 2, sizeof *v);
    if (!v)
        return 1;
    v[0] = argv[0];
    v[1] = "--setattr=system.instance=true";
    for (int i = 1; i < argc; i++)
        v[i + 1] = argv[i];
    int rc = strata_cmd_submit(g, argc + 1, v, run);
    free(v);
    return rc;
}

int strata_cmd_batch(const struct strata_global *g, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "Usage: strata batch [SUBMIT-OPTIONS] SCRIPT [ARGS...]\n"
                        "Submit SCRIPT to run inside a new instance over the job's allocation.\n");
        return 2;
    }
    return submit_instance(g, argc, argv, 0);
}

int strata_cmd_alloc(const struct strata_global *g, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "Usage: strata alloc [SUBMIT-OPTIONS] COMMAND [ARGS...]\n"
                        "Run COMMAND inside a new instance over the job's allocation, wait,\n"
                        "print its output and exit with its code.\n");
        return 2;
    }
    return submit_instance(g, argc, argv, 1);
}
