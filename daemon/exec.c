/* exec: run a job's tasks on this host.
 *
 * Everything a child needs (argv, environment, output files, CPU set) is
 * prepared in the parent, because the daemon is multi-threaded (nng) and
 * only async-signal-safe calls are allowed between fork() and exec.  Each
 * job's tasks share one process group so that a signal reaches everything
 * they started.  Output goes to <statedir>/out/<id>.out and .err (appended
 * by every task).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hwloc.h>

#include "daemon/instance.h"
#include "daemon/stratad.h"
#include "resource/idset.h"
#include "resource/st_array.h"

extern char **environ;

struct launch {
    char **argv;
    char **envp;
    size_t nenv;
    size_t envcap;
    const char *path; /* resolved argv[0] */
    char *pathbuf;
    const char *cwd;
    int out_fd;
    int err_fd;
    cpu_set_t cpus;
    bool bind;
};

static int env_add(struct launch *l, const char *name, const char *value)
{
    /* Room for this entry and the NULL after the last. */
    if (st_grow(&l->envp, &l->envcap, l->nenv + 2, sizeof *l->envp, 64) < 0)
        return -1;
    char *s;
    if (asprintf(&s, "%s=%s", name, value) < 0)
        return -1;
    l->envp[l->nenv++] = s;
    l->envp[l->nenv] = NULL;
    return 0;
}

/* The job's environment: the submitter's (attributes.system.environment)
 * if given, else the daemon's; then strata's variables, which win. */
static int env_base(struct launch *l, const struct job *j)
{
    json_t *env = j->js->environment;
    if (json_is_object(env)) {
        const char *k;
        json_t *v;
        json_object_foreach(env, k, v)
        {
            if (json_is_string(v) && strncmp(k, "STRATA_", 7) != 0 &&
                env_add(l, k, json_string_value(v)) < 0)
                return -1;
        }
        return 0;
    }
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || strncmp(*e, "STRATA_", 7) == 0)
            continue;
        char *name = strndup(*e, (size_t)(eq - *e));
        int rc = name ? env_add(l, name, eq + 1) : -1;
        free(name);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int env_strata(struct launch *l, struct instance *inst, const struct job *j)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%lld", (long long)j->id);
    if (env_add(l, "STRATA_JOB_ID", buf) < 0)
        return -1;
    snprintf(buf, sizeof buf, "%d", j->ntasks);
    if (env_add(l, "STRATA_JOB_NTASKS", buf) < 0 || env_add(l, "STRATA_TASK_RANK", "0") < 0)
        return -1;
    if (env_add(l, "STRATA_JOB_RANKS", j->ranks ? j->ranks : "") < 0 ||
        env_add(l, "STRATA_JOB_CORES", j->cores ? j->cores : "") < 0)
        return -1;
    return inst->uri ? env_add(l, "STRATA_URI", inst->uri) : 0;
}

/* access(path, X_OK) as the child will see it: it runs from the job's
 * cwd, so a relative path ("./run.sh", a "." in PATH) is taken from there,
 * not from the daemon's own directory. */
static int job_access(const char *cwd, const char *path)
{
    if (path[0] == '/' || !cwd || !*cwd)
        return access(path, X_OK);
    char *full;
    if (asprintf(&full, "%s/%s", cwd, path) < 0)
        return -1;
    int rc = access(full, X_OK);
    int e = errno;
    free(full);
    errno = e;
    return rc;
}

/* Search PATH in the parent: execvp may allocate, which a child of a
 * threaded process must not do.  The PATH is the job's (the environment it
 * was submitted with), as a shell in the submitter's session would search,
 * else the daemon's.  -1 with errno ENOENT (not found) or EACCES (found,
 * not executable). */
static int resolve(struct launch *l, const char *cmd, const char *path)
{
    if (strchr(cmd, '/')) {
        l->path = cmd;
        return job_access(l->cwd, cmd);
    }
    if (!path)
        path = "/usr/bin:/bin";
    int err = ENOENT;
    for (const char *p = path; *p;) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        free(l->pathbuf);
        if (asprintf(&l->pathbuf, "%.*s/%s", (int)n, n ? p : ".", cmd) < 0) {
            l->pathbuf = NULL;
            return -1;
        }
        if (job_access(l->cwd, l->pathbuf) == 0) {
            l->path = l->pathbuf;
            return 0;
        }
        if (errno == EACCES)
            err = EACCES;
        p += n + (c ? 1 : 0);
    }
    errno = err;
    return -1;
}

/* The PATH a job's command is searched in: its environment's, else ours. */
static const char *job_path(const struct job *j)
{
    json_t *env = j->js->environment;
    if (json_is_object(env))
        return json_string_value(json_object_get(env, "PATH"));
    return getenv("PATH");
}

static hwloc_topology_t host_topology(void)
{
    static hwloc_topology_t topo;
    static bool tried;
    if (!tried) {
        tried = true;
        if (hwloc_topology_init(&topo) < 0 || hwloc_topology_load(topo) < 0)
            topo = NULL;
    }
    return topo;
}

/* Cores are named by hwloc logical index in a live graph (reader_hwloc). */
static void cpus_of_cores(struct launch *l, const char *cores)
{
    hwloc_topology_t topo = host_topology();
    idset_t *s = cores ? idset_decode(cores, NULL) : NULL;
    CPU_ZERO(&l->cpus);
    for (int64_t c = s && topo ? idset_first(s) : -1; c >= 0; c = idset_next(s, c)) {
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)c);
        unsigned pu;
        if (!o)
            continue;
        hwloc_bitmap_foreach_begin(pu, o->cpuset) if (pu < CPU_SETSIZE) CPU_SET(pu, &l->cpus);
        hwloc_bitmap_foreach_end();
    }
    l->bind = CPU_COUNT(&l->cpus) > 0;
    idset_destroy(s);
}

static int open_outputs(struct instance *inst, struct job *j, struct launch *l)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/out", inst->opts.statedir);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    if (asprintf(&j->out_path, "%s/%lld.out", dir, (long long)j->id) < 0 ||
        asprintf(&j->err_path, "%s/%lld.err", dir, (long long)j->id) < 0)
        return -1;
    int fl = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC;
    l->out_fd = open(j->out_path, fl, 0600);
    l->err_fd = open(j->err_path, fl, 0600);
    return l->out_fd >= 0 && l->err_fd >= 0 ? 0 : -1;
}

static void launch_fini(struct launch *l)
{
    for (size_t i = 0; i < l->nenv; i++)
        free(l->envp[i]);
    free(l->envp);
    free(l->pathbuf);
    free(l->argv);
    if (l->out_fd >= 0)
        close(l->out_fd);
    if (l->err_fd >= 0)
        close(l->err_fd);
}

/* In the child: async-signal-safe calls only. */
static void child(const struct launch *l, pid_t pgid)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* The daemon ignores SIGPIPE; an ignored signal would stay ignored
     * across exec, so the job gets the default back. */
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, pgid);
    dup2(l->out_fd, 1);
    dup2(l->err_fd, 2);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0)
        dup2(in, 0);
    if (l->bind)
        sched_setaffinity(0, sizeof l->cpus, &l->cpus);
    if (l->cwd && chdir(l->cwd) < 0)
        _exit(126);
    execve(l->path, l->argv, l->envp);
    _exit(127);
}

static int spawn_tasks(struct job *j, struct launch *l)
{
    j->pids = calloc((size_t)j->ntasks, sizeof *j->pids);
    if (!j->pids)
        return -1;
    size_t rank_slot = 0;
    for (size_t i = 0; i < l->nenv; i++)
        if (strncmp(l->envp[i], "STRATA_TASK_RANK=", 17) == 0)
            rank_slot = i;
    pid_t pgid = 0;
    /* An instance job is one process, the instance, whatever its task count. */
    int nspawn = instance_job_is_instance(j) ? 1 : j->ntasks;
    for (int r = 0; r < nspawn; r++) {
        char *rv = NULL;
        if (asprintf(&rv, "STRATA_TASK_RANK=%d", r) < 0)
            return -1;
        free(l->envp[rank_slot]);
        l->envp[rank_slot] = rv;
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0)
            child(l, pgid);
        if (pgid == 0)
            pgid = pid;
        setpgid(pid, pgid); /* both sides set it: no race with an early signal */
        j->pids[r] = pid;
        j->nlive++;
    }
    return 0;
}

static int exec_tasks(struct instance *inst, struct job *j, char **reason)
{
    struct launch l = {.out_fd = -1, .err_fd = -1};
    int rc = -1;
    if (j->js->ntasks == 0 || j->js->tasks[0].ncommand == 0) {
        *reason = strdup("jobspec has no command");
        errno = EINVAL;
        return -1;
    }
    /* The jobspec's command array is counted, not NULL-terminated. */
    const struct js_task *t = &j->js->tasks[0];
    l.argv = calloc(t->ncommand + 1, sizeof *l.argv);
    if (!l.argv)
        return -1;
    memcpy(l.argv, t->command, t->ncommand * sizeof *l.argv);
    if (instance_wrap_argv(inst, j, &l.argv) < 0) { /* nested instance: docs/nested.md */
        *reason = strdup("cannot start the instance: out of memory");
        goto out;
    }
    l.cwd = j->js->cwd;
    if (resolve(&l, l.argv[0], job_path(j)) < 0) {
        /* The shell's exit codes: 126 found but not executable, 127 not found. */
        bool denied = errno == EACCES;
        j->exitcode = denied ? 126 : 127;
        if (asprintf(reason, "%s: %s", l.argv[0],
                     denied ? "permission denied" : "command not found") < 0)
            *reason = NULL;
        goto out;
    }
    if (env_base(&l, j) < 0 || env_strata(&l, inst, j) < 0 || open_outputs(inst, j, &l) < 0) {
        if (asprintf(reason, "cannot prepare the job: %s", strerror(errno)) < 0)
            *reason = NULL;
        goto out;
    }
    if (inst->graph_is_host)
        cpus_of_cores(&l, j->cores);
    rc = spawn_tasks(j, &l);
    if (rc < 0 && asprintf(reason, "fork: %s", strerror(errno)) < 0)
        *reason = NULL;
out:
    launch_fini(&l);
    if (rc < 0 && j->nlive > 0) {
        exec_signal(inst, j, SIGKILL);
        rc = 0; /* the started tasks are reaped as usual; the job fails */
        j->exitcode = 127;
    }
    return rc;
}

int exec_start(struct instance *inst, struct job *j, char **reason)
{
    double now = inst_now();
    /* An instance job always runs its instance; its jobs inherit noexec. */
    if ((j->noexec || inst->opts.noexec) && !instance_job_is_instance(j)) {
        j->noexec = true;
        j->deadline = now + (double)j->duration;
        inst->dirty = true; /* a zero-length hold ends on the next turn */
        return 0;
    }
    if (j->duration > 0)
        j->deadline = now + (double)j->duration;
    return exec_tasks(inst, j, reason);
}

void exec_signal(struct instance *inst, struct job *j, int sig)
{
    (void)inst;
    if (j->nlive > 0 && j->pids && j->pids[0] > 0)
        kill(-j->pids[0], sig);
}

static struct job *job_of_pid(struct instance *inst, pid_t pid, int *task)
{
    for (size_t i = 0; i < inst->nrunning; i++) {
        struct job *j = inst_job(inst, inst->running[i]);
        for (int t = 0; j->pids && t < j->ntasks; t++)
            if (j->pids[t] == pid) {
                *task = t;
                return j;
            }
    }
    return NULL;
}

static void task_exited(struct instance *inst, struct job *j, int task, int status)
{
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code > j->exitcode)
        j->exitcode = code;
    j->pids[task] = -j->pids[task]; /* keep the pgid known for later signals */
    if (--j->nlive > 0)
        return;
    if (j->cancel_requested)
        inst_job_finish(inst, j, JOB_RESULT_CANCELED, "canceled");
    else if (j->timed_out)
        inst_job_finish(inst, j, JOB_RESULT_TIMEOUT, "time limit reached");
    else if (j->exitcode != 0)
        inst_job_finish(inst, j, JOB_RESULT_FAILED, NULL);
    else
        inst_job_finish(inst, j, JOB_RESULT_COMPLETED, NULL);
}

static void check_deadlines(struct instance *inst, double now)
{
    for (size_t i = 0; i < inst->nrunning; i++) {
        struct job *j = inst_job(inst, inst->running[i]);
        if (j->state != JOB_RUN)
            continue;
        if (j->noexec && now >= j->deadline) {
            inst_job_finish(inst, j, j->cancel_requested ? JOB_RESULT_CANCELED
                                                         : JOB_RESULT_COMPLETED, NULL);
            i--; /* finishing removed it from the running list */
        } else if (!j->noexec && j->kill_at > 0 && now >= j->kill_at) {
            exec_signal(inst, j, SIGKILL);
            j->kill_at = 0;
        } else if (!j->noexec && j->deadline > 0 && now >= j->deadline && !j->timed_out) {
            j->timed_out = true;
            exec_signal(inst, j, SIGTERM);
            j->kill_at = now + inst->opts.kill_grace;
        }
    }
}

void exec_reap(struct instance *inst)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int task;
        struct job *j = job_of_pid(inst, pid, &task);
        if (j)
            task_exited(inst, j, task, status);
    }
    check_deadlines(inst, inst_now());
}
