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
#include <getopt.h>
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

#include "jobspec/cli.h"
#include "jobspec/jobspec.h"
#include "resource/st_time.h"
#include "tools/strata.h"

/* How the wrapper's wait ended. */
enum end_why { END_PROGRAM, END_SIGNAL, END_PARENT_GONE, END_CHILD_DIED };

struct run {
    char dir[PATH_MAX];
    char uri[PATH_MAX + 16]; /* ipc://: the wrapper's own link to the child */
    const char *public_uri;  /* what the parent and the program use */
    const char *parent_uri;  /* the parent stratad's */
    int64_t id;    /* our job id in the parent */
    pid_t parent;  /* our parent (the parent stratad) at start */
    pid_t daemon;  /* child stratad */
    pid_t program; /* initial program, 0 once reaped or never started */
    int status;    /* the program's wait status */
    int sig;       /* signal that ended the wait */
    bool hold;     /* interactive: no program; the child's clean exit ends it */
    double grace;  /* seconds to wait for a vanished parent to come back */
    bool adopted;  /* re-registered with a restarted parent (not our process parent) */
    bool away;     /* the parent is gone; since away_since */
    double away_since;
    double next_try; /* next re-registration attempt, or parent ping when adopted */
    int ping_fails;  /* adopted: pings in a row the parent did not answer */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The job's R from the parent as text (instance.R: the parent sends the
 * text it holds, not a parsed and re-serialised copy; the R of a 250-node
 * allocation is ~2.6 MB of JSON), written to DIR/R.json, which the child
 * loads as JGF (its "scheduling" key).  Neither side parses it here. */
static int fetch_R(strata_client_t *c, int64_t id, const struct run *r, char *path, size_t n)
{
    struct st_error err = {{0}};
    json_t *res = NULL;
    if (strata_client_call(c, "instance.R", json_pack("{s:I}", "id", (json_int_t)id), &res,
                           &err) < 0) {
        fprintf(stderr, "strata instance-run: job %lld: %s\n", (long long)id, err.text);
        return -1;
    }
    json_t *R = json_object_get(res, "R");
    snprintf(path, n, "%s/R.json", r->dir);
    FILE *f = json_is_string(R) ? fopen(path, "w") : NULL;
    size_t len = json_string_length(R);
    bool ok = f && fwrite(json_string_value(R), 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    json_decref(res);
    if (!ok)
        fprintf(stderr, "strata instance-run: cannot write the job's R to %s\n", path);
    return ok ? 0 : -1;
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

/* instance.register (again, after a parent restart, with reconnect). */
static int register_child(strata_client_t *parent, int64_t id, const struct run *r,
                          bool reconnect, bool quiet)
{
    struct st_error err = {{0}};
    json_t *res = NULL;
    json_t *p = json_pack("{s:I, s:s, s:s, s:I, s:I, s:b}", "id", (json_int_t)id, "uri",
                          r->public_uri, "statedir", r->dir, "pid", (json_int_t)r->daemon,
                          "wrapper", (json_int_t)getpid(), "reconnect", reconnect);
    if (strata_client_call(parent, "instance.register", p, &res, &err) < 0) {
        if (!quiet)
            fprintf(stderr, "strata instance-run: register with the parent: %s\n", err.text);
        return -1;
    }
    json_decref(res);
    return 0;
}

/* One short call to the parent by its URI (params stolen); 0 on success. */
static int parent_call(const struct run *r, const char *method, json_t *params)
{
    struct st_error err = {{0}};
    strata_client_t *c = strata_client_open(r->parent_uri, 1000, &err);
    json_t *res = NULL;
    int rc = c ? strata_client_call(c, method, params, &res, &err) : -1;
    if (!c)
        json_decref(params);
    json_decref(res);
    strata_client_close(c);
    return rc;
}

/* Is the parent still there?  Ours by process until it is restarted; after
 * that only its URI answers.  Away: try to register again until the grace
 * ends.  Returns false when the grace is over (or there is none). */
static bool parent_watch(struct run *r)
{
    double now = st_mono_seconds();
    if (!r->away) {
        bool gone;
        if (!r->adopted) {
            gone = getppid() != r->parent;
        } else {
            if (now < r->next_try)
                return true;
            r->next_try = now + 1.0;
            /* A busy parent may miss one ping: three in a row mean gone. */
            r->ping_fails = parent_call(r, "ping", NULL) < 0 ? r->ping_fails + 1 : 0;
            gone = r->ping_fails >= 3;
        }
        if (!gone)
            return true;
        if (r->grace <= 0)
            return false;
        r->away = true;
        r->away_since = now;
        r->next_try = now;
        fprintf(stderr, "strata instance-run: the parent went away; waiting %g s for it\n",
                r->grace);
    }
    if (now - r->away_since > r->grace)
        return false;
    if (now >= r->next_try) {
        r->next_try = now + 0.25;
        struct st_error err = {{0}};
        strata_client_t *c = strata_client_open(r->parent_uri, 1000, &err);
        if (c && register_child(c, r->id, r, true, true) == 0) {
            r->away = false;
            r->adopted = true;
            r->ping_fails = 0;
            r->next_try = now + 1.0;
            fprintf(stderr, "strata instance-run: reconnected to the restarted parent\n");
        }
        strata_client_close(c);
    }
    return true;
}

/* An adopted instance reports its end itself (the restarted parent cannot
 * reap us), trying for what is left of the grace if the parent is away. */
static void report_end(struct run *r, int code)
{
    if (!r->adopted)
        return;
    double until = st_mono_seconds() + (r->away ? r->grace - (st_mono_seconds() - r->away_since) : 2.0);
    while (st_mono_seconds() < until) {
        if (r->away) {
            struct st_error err = {{0}};
            strata_client_t *c = strata_client_open(r->parent_uri, 1000, &err);
            if (c && register_child(c, r->id, r, true, true) == 0)
                r->away = false;
            strata_client_close(c);
        }
        if (!r->away && parent_call(r, "instance.end",
                                    json_pack("{s:I, s:i}", "id", (json_int_t)r->id,
                                              "exitcode", code > 255 ? 255 : code)) == 0)
            return;
        sleep_ms(250);
    }
}

/* The signals the wrapper waits for: a child's end and the three that end
 * the instance.  strata_cmd_instance_run() blocks exactly these so that
 * wait_end() can take them with sigtimedwait: one list keeps the two in
 * step. */
static void end_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

/* Sleep in sigtimedwait until something ends the instance's life. */
static enum end_why wait_end(struct run *r)
{
    sigset_t set;
    end_signals(&set);
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
        int st = 0;
        if (waitpid(r->daemon, &st, WNOHANG) == r->daemon) {
            r->daemon = 0;
            /* Interactive: the owner shut the instance down (its shell ended). */
            if (r->hold && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
                r->status = 0;
                return END_PROGRAM;
            }
            return END_CHILD_DIED;
        }
        if (!parent_watch(r))
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
    /* Bounded: the child's own kill grace (5 s) plus margin.  Short naps:
     * the parent's job (and a tree-run level above) ends when we do. */
    for (int i = 0; r->daemon > 0 && i < 750; i++) {
        if (waitpid(r->daemon, NULL, WNOHANG) == r->daemon)
            r->daemon = 0;
        else
            sleep_ms(10);
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

/* The child's argv: stratad --rundir DIR --load DIR/R.json --load-format
 * jgf OPTIONS... */
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
        else if (strcmp(opts[i], "--grace") == 0)
            i++;
    v[k++] = (char *)stratad;
    v[k++] = "--rundir";
    v[k++] = r->dir;
    v[k++] = "--load";
    v[k++] = jgf;
    v[k++] = "--load-format";
    v[k++] = "jgf";
    for (int i = 0; i < nopts; i++) {
        if (strcmp(opts[i], "--prefix") == 0 || strcmp(opts[i], "--grace") == 0)
            i++; /* instance-run's own, with their word */
        else if (strcmp(opts[i], "--hold") != 0)
            v[k++] = opts[i];
    }
    return v;
}

static int start_child(struct run *r, strata_client_t *parent, int64_t id, char **opts,
                       int nopts)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/strata-job%lld.XXXXXX", tmp && *tmp ? tmp : "/tmp",
             (long long)id);
    char jgf[PATH_MAX + 16], buf[PATH_MAX + 32];
    if (!mkdtemp(r->dir) || fetch_R(parent, id, r, jgf, sizeof jgf) < 0)
        return -1;
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
    /* The parent always passes --grace (daemon/instance.h's default is 10 s). */
    struct run r = {.parent = getppid(), .grace = 10};
    for (int i = 1; i < sep; i++) {
        if (strcmp(argv[i], "--hold") == 0)
            r.hold = true;
        else if (strcmp(argv[i], "--grace") == 0 && i + 1 < sep)
            r.grace = atof(argv[++i]);
    }
    sigset_t set;
    end_signals(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);
    /* The parent stratad killed: without a grace we hear it at once; with
     * one we notice (getppid()) and wait for it to come back. */
    if (r.grace <= 0)
        prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != r.parent)
        return 1;
    int64_t id = strtoll(idstr, NULL, 10);
    r.id = id;
    r.parent_uri = strata_uri_resolve(g->uri, NULL);
    strata_client_t *parent = strata_cli_open(g);
    strata_client_t *child = NULL;
    if (!parent || !r.parent_uri || start_child(&r, parent, id, argv + 1, sep - 1) < 0 ||
        !(child = wait_child(&r)) || register_child(parent, id, &r, false, false) < 0) {
        fprintf(stderr, "strata instance-run: the child instance did not start (log: %s)\n",
                r.dir);
        strata_client_close(parent);
        strata_client_close(child);
        drain_child(&r);
        return 1;
    }
    strata_client_close(parent); /* the parent may go away; we watch getppid() */
    setenv("STRATA_PARENT_URI", r.parent_uri, 1);
    setenv("STRATA_URI", r.public_uri, 1);
    r.program = r.hold ? 0 : spawn_program(argv + sep + 1);
    enum end_why why = r.program > 0 || r.hold ? wait_end(&r) : END_PROGRAM;
    /* Every step below is bounded; this bounds their sum too (an adopted
     * instance may wait out its grace to report its end). */
    alarm(30 + (r.adopted ? (unsigned)r.grace : 0));
    if (why == END_CHILD_DIED)
        fprintf(stderr, "strata instance-run: the child instance died\n");
    stop_program(&r);
    strata_client_close(child);
    if (why != END_CHILD_DIED)
        drain_child(&r);
    /* Nobody waits for us: leave nothing behind.  Only a group we lead (a
     * job's tasks get their own); run by hand from a shell, the group is
     * the shell's job and everything in it would go. */
    if (why == END_PARENT_GONE && getpgrp() == getpid())
        kill(-getpgrp(), SIGKILL);
    int code = why == END_PROGRAM ? status_code(r.status) : why == END_SIGNAL ? 128 + r.sig : 1;
    report_end(&r, code);
    return code;
}

static int command_index(int argc, char **argv, bool *bad);
static int check_script(const char *script);

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
    bool bad;
    int i = command_index(argc, argv, &bad);
    if (!bad && i < argc && check_script(argv[i]) < 0)
        return 1;
    return submit_instance(g, argc, argv, 0);
}

/* Where the command starts after strata submit's options (argc if none).
 * Unknown options are left for submit to report; *bad tells there was one. */
static int command_index(int argc, char **argv, bool *bad)
{
    static const struct option opts[] = {
        JOBSPEC_CLI_LONGOPTS,
        {"no-env", no_argument, NULL, 1},  {"name", required_argument, NULL, 1},
        {"noexec", no_argument, NULL, 1},  {"jobspec", required_argument, NULL, 1},
        {"cc", required_argument, NULL, 1}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},  {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    *bad = false;
    int c;
    while ((c = getopt_long(argc, argv, "+" JOBSPEC_CLI_SHORTOPTS "qh", opts, NULL)) != -1)
        *bad |= c == '?';
    opterr = 1;
    return optind;
}

/* A batch script must be there now, not only fail in the new instance
 * (exit 127, no reason given): looked up as the job will look it up, in
 * PATH unless it names a directory.  0, or -1 with a message. */
static int check_script(const char *script)
{
    if (strchr(script, '/')) {
        if (access(script, X_OK) == 0)
            return 0;
        fprintf(stderr, "strata batch: %s: %s\n", script, strerror(errno));
        return -1;
    }
    const char *path = getenv("PATH");
    char buf[4096];
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? p : ".", script);
        if (access(buf, X_OK) == 0)
            return 0;
        p += n + (p[n] == ':');
    }
    fprintf(stderr, "strata batch: %s: command not found\n", script);
    return -1;
}

/* Submit (stdout captured: submit prints the id) and return the job id. */
static int64_t submit_capture(const struct strata_global *g, int argc, char **argv)
{
    fflush(stdout);
    FILE *tmp = tmpfile();
    int saved = dup(1);
    if (!tmp || saved < 0 || dup2(fileno(tmp), 1) < 0) {
        if (tmp)
            fclose(tmp);
        if (saved >= 0)
            close(saved);
        return -1;
    }
    int rc = strata_cmd_submit(g, argc, argv, 0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    long long id = -1;
    rewind(tmp);
    if (rc != 0 || fscanf(tmp, "%lld", &id) != 1)
        id = -1;
    fclose(tmp);
    return id;
}

/* Bounded wait until the instance job registers its child; its URI (new
 * string) or NULL when the job ended first or it took too long. */
static char *wait_registered(strata_client_t *c, int64_t id)
{
    for (int i = 0; i < 1200; i++) {
        json_t *info = NULL;
        struct st_error err = {{0}};
        if (strata_job_info(c, id, &info, &err) < 0) {
            fprintf(stderr, "strata alloc: %s\n", err.text);
            return NULL;
        }
        const char *uri = json_string_value(json_object_get(info, "uri"));
        const char *st = json_string_value(json_object_get(info, "state"));
        char *out = uri && st && strcmp(st, "run") == 0 ? strdup(uri) : NULL;
        bool over = st && strcmp(st, "inactive") == 0;
        if (over)
            fprintf(stderr, "strata alloc: job %lld ended before its instance started: %s\n",
                    (long long)id, json_string_value(json_object_get(info, "reason"))
                                       ? json_string_value(json_object_get(info, "reason"))
                                       : json_string_value(json_object_get(info, "result")));
        json_decref(info);
        if (out || over)
            return out;
        sleep_ms(50);
    }
    fprintf(stderr, "strata alloc: job %lld: no instance after 60 s\n", (long long)id);
    return NULL;
}

/* The shell, for the hangup/terminate handler: alloc passes the signal on
 * and still shuts the instance down when the shell is gone. */
static volatile sig_atomic_t shell_pid;

static void pass_signal(int sig)
{
    if (shell_pid > 0)
        kill((pid_t)shell_pid, sig);
}

/* Run the shell in the instance, with this terminal; its wait status. */
static int run_shell(const char *uri, int64_t id)
{
    const char *shell = getenv("SHELL");
    char *sh[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
    /* Like a shell running a foreground job: ^C is for the shell. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    struct sigaction sa = {.sa_handler = pass_signal};
    sigemptyset(&sa.sa_mask);
    pid_t pid = fork();
    if (pid > 0) {
        shell_pid = pid;
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        setenv("STRATA_URI", uri, 1);
        setenv("STRATA_ALLOC_JOBID", idbuf, 1);
        execvp(sh[0], sh);
        fprintf(stderr, "strata alloc: %s: %s\n", sh[0], strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    shell_pid = 0;
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    return pid > 0 ? status : 127 << 8;
}

/* strata alloc without a command: an interactive instance (flux alloc).
 * The job's instance runs no program ("interactive"): it lives until its
 * owner shuts it down, which this does when the shell exits; the child
 * cancels its running jobs and ends, and the job completes. */
static int alloc_interactive(const struct strata_global *g, int argc, char **argv)
{
    const char *shell = getenv("SHELL");
    char **v = calloc((size_t)argc + 4, sizeof *v);
    if (!v)
        return 1;
    int k = 0;
    v[k++] = argv[0];
    v[k++] = "--setattr=system.instance={\"interactive\": true}";
    for (int i = 1; i < argc; i++)
        v[k++] = argv[i];
    v[k++] = "--";
    v[k++] = (char *)(shell && *shell ? shell : "/bin/sh"); /* the job's name */
    int64_t id = submit_capture(g, k, v);
    free(v);
    strata_client_t *c = id > 0 ? strata_cli_open(g) : NULL;
    char *uri = c ? wait_registered(c, id) : NULL;
    if (!uri) {
        if (c && id > 0)
            strata_cancel(c, id, NULL);
        strata_client_close(c);
        return 1;
    }
    int status = run_shell(uri, id);
    struct st_error err = {{0}};
    strata_client_t *child = strata_client_open(uri, 5000, &err);
    json_t *res = NULL;
    if (!child || strata_client_call(child, "shutdown", NULL, &res, &err) < 0)
        fprintf(stderr, "strata alloc: shutting the instance down: %s\n", err.text);
    json_decref(res);
    strata_client_close(child);
    free(uri);
    json_t *info = NULL;
    if (strata_wait(c, id, &info, &err) == 0) {
        const char *result = json_string_value(json_object_get(info, "result"));
        if (result && strcmp(result, "completed") != 0)
            fprintf(stderr, "strata alloc: job %lld %s\n", (long long)id, result);
    }
    json_decref(info);
    strata_client_close(c);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int strata_cmd_alloc(const struct strata_global *g, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: strata alloc [SUBMIT-OPTIONS] [COMMAND [ARGS...]]\n"
               "Run COMMAND inside a new instance over the job's allocation, wait,\n"
               "print its output and exit with its code.  Without COMMAND: run $SHELL\n"
               "(or /bin/sh) here, on this terminal, with STRATA_URI set to the new\n"
               "instance; when it exits the instance drains and ends.\n");
        return 0;
    }
    bool bad;
    /* A bad option is submit's usage error (exit 2), not a failed shell. */
    if (command_index(argc, argv, &bad) >= argc && !bad)
        return alloc_interactive(g, argc, argv);
    return submit_instance(g, argc, argv, 1);
}

/* ---- strata instance grow|shrink --------------------------------------------- */

static int64_t job_id_arg(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return errno || end == s || *end || v < 1 ? -1 : (int64_t)v;
}

/* The jobspec of grow's shape options (or --jobspec FILE) as JSON. */
static json_t *grow_spec(int argc, char **argv, struct st_error *err)
{
    static const struct option opts[] = {JOBSPEC_CLI_LONGOPTS,
                                         {"jobspec", required_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    struct jobspec_cli cli = {0};
    const char *file = NULL;
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "+" JOBSPEC_CLI_SHORTOPTS, opts, NULL)) != -1) {
        if (c == 'j') {
            file = optarg;
        } else if (jobspec_cli_option(&cli, c, optarg, err) <= 0) {
            jobspec_cli_clear(&cli);
            if (!err->text[0])
                st_errorf(err, EINVAL, "unknown option (see strata instance --help)");
            return NULL;
        }
    }
    if (optind < argc) {
        jobspec_cli_clear(&cli);
        return st_errorf_null(err, EINVAL, "unexpected argument '%s'", argv[optind]);
    }
    /* The grant runs nothing of its own: its command is a placeholder. */
    const char *const cmd[] = {"true", NULL};
    jobspec_t *js = file ? jobspec_parse_file(file, err) : jobspec_cli_build(&cli, cmd, NULL, err);
    jobspec_cli_clear(&cli);
    char *text = js ? jobspec_to_json(js) : NULL;
    jobspec_destroy(js);
    json_t *spec = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return spec;
}

static int instance_grow(const struct strata_global *g, int64_t id, int argc, char **argv)
{
    struct st_error err = {{0}};
    json_t *spec = grow_spec(argc, argv, &err);
    if (!spec)
        return strata_cli_fail("instance grow", &err);
    strata_client_t *c = strata_cli_open(g);
    json_t *res = NULL;
    if (!c || strata_client_call(c, "instance.grow",
                                 json_pack("{s:I, s:o}", "id", (json_int_t)id, "jobspec", spec),
                                 &res, &err) < 0) {
        strata_client_close(c);
        return c ? strata_cli_fail("instance grow", &err) : 1;
    }
    json_t *lite = json_object_get(json_object_get(json_object_get(res, "R"), "execution"),
                                   "R_lite");
    printf("job %lld grew by", (long long)id);
    size_t i;
    json_t *e;
    json_array_foreach(lite, i, e)
    {
        json_t *core = json_object_get(json_object_get(e, "children"), "core");
        printf(" rank %s (cores %s)", json_string_value(json_object_get(e, "rank")),
               json_is_string(core) ? json_string_value(core) : "-");
    }
    printf(": ranks %s\n", json_string_value(json_object_get(res, "ranks")));
    json_decref(res);
    strata_client_close(c);
    return 0;
}

/* Repeat the call while the child drains (bounded: 120 s). */
static int instance_shrink(const struct strata_global *g, int64_t id, const char *ranks,
                           bool drain)
{
    struct st_error err = {{0}};
    strata_client_t *c = strata_cli_open(g);
    if (!c)
        return 1;
    int rc = 1;
    for (int round = 0; round < 1200; round++) {
        json_t *res = NULL;
        if (strata_client_call(c, "instance.shrink",
                               json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "ranks", ranks,
                                         "drain", drain),
                               &res, &err) < 0) {
            rc = strata_cli_fail("instance shrink", &err);
            break;
        }
        bool done = json_is_true(json_object_get(res, "done"));
        if (done)
            printf("job %lld: ranks %s\n", (long long)id,
                   json_string_value(json_object_get(res, "ranks")));
        json_decref(res);
        if (done) {
            rc = 0;
            break;
        }
        sleep_ms(100);
    }
    if (rc != 0 && !err.text[0])
        fprintf(stderr, "strata instance shrink: the instance of job %lld is still draining\n",
                (long long)id);
    strata_client_close(c);
    return rc;
}

static const char instance_usage[] =
    "Usage: strata instance grow JOBID [-N N] [-n N] [-c N] [-g N] [--exclusive] ...\n"
    "       strata instance grow JOBID --jobspec=FILE\n"
    "       strata instance shrink JOBID RANKS [--no-drain]\n"
    "Give the instance that job JOBID runs more resources (matched now from this\n"
    "instance's free ones) or take ranks back: its jobs on them are canceled first\n"
    "(--no-drain: refuse while jobs run there).  The child's graph follows.\n";

int strata_cmd_instance(const struct strata_global *g, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(instance_usage, stdout);
        return 0;
    }
    int64_t id = argc >= 3 ? job_id_arg(argv[2]) : -1;
    if (argc >= 3 && id > 0 && strcmp(argv[1], "grow") == 0)
        return instance_grow(g, id, argc - 2, argv + 2);
    bool shrink = argc >= 4 && id > 0 && strcmp(argv[1], "shrink") == 0;
    if (shrink && argc == 4)
        return instance_shrink(g, id, argv[3], true);
    if (shrink && argc == 5 && strcmp(argv[4], "--no-drain") == 0)
        return instance_shrink(g, id, argv[3], false);
    fputs(instance_usage, stderr);
    return 2;
}
