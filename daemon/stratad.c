/* stratad: the strata scheduler service (docs/stratad.md).
 *
 * main() parses options, builds the instance (graph, matcher, queue
 * manager, journal replay, nng endpoints) and runs the main loop: it sleeps
 * in sigtimedwait() until a child exits, a request kicks it (SIGUSR1), a
 * deadline comes or a stop signal arrives, then reaps, checks deadlines and
 * runs scheduling passes (inst_tick()).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/instance.h"
#include "daemon/instance_live.h"
#include "daemon/stratad.h"
#include "policy/policy.h"
#include "resource/reader.h"
#include "resource/st_opt.h"

static const char usage_text[] =
    "Usage: stratad [OPTIONS]\n"
    "Start a strata instance: serve the scheduler on an nng ipc:// endpoint.\n"
    "\n"
    "Resources (default: this host's live hwloc topology):\n"
    "  -L, --load=FILE            read resources from FILE\n"
    "  -f, --load-format=FMT      grug, jgf, hwloc, rv1exec (default: .graphml grug,\n"
    "                             .xml hwloc, anything else jgf)\n"
    "  -W, --allowlist=TYPES      hwloc levels kept (default node,socket,core,gpu)\n"
    "Scheduling:\n"
    "  -P, --match-policy=NAME    first (default), high, low, lonode, ...\n"
    "  -Q, --queue-policy=NAME    fcfs (default), easy, hybrid, conservative\n"
    "      --queue-depth=N        jobs considered per pass (default 32)\n"
    "      --reservation-depth=N  reservations per pass (default: the policy's)\n"
    "      --queue=NAME[:policy=P,queue-depth=N,reservation-depth=N]\n"
    "                             a named queue (repeat for several; the first takes jobs\n"
    "                             that name none); unset parameters come from the options\n"
    "                             above.  Without --queue: one queue named default\n"
    "      --default-duration=S   allocation length of jobs without -t (default 31536000)\n"
    "Execution:\n"
    "      --noexec               run nothing: hold each allocation for the job's duration\n"
    "      --kill-grace=S         seconds between SIGTERM and SIGKILL (default 5)\n"
    "Journal:\n"
    "      --journal-max-records=N  compact the journal beyond N records (default 100000;\n"
    "                             0: never)\n"
    "      --inactive-limit=N     inactive jobs kept at a compaction, newest first\n"
    "                             (default 10000)\n"
    "Instance:\n"
    "  -r, --rundir=DIR           runtime dir for sockets and the uri file (created 0700;\n"
    "                             default $XDG_RUNTIME_DIR/strata/PID or /tmp/strata-UID/PID)\n"
    "  -s, --statedir=DIR         journal and job output (default: the rundir); pass the\n"
    "                             same DIR again to recover jobs after a restart\n"
    "      --contexts=N           concurrent requests (default 16)\n"
    "      --max-request=BYTES    larger requests get an E2BIG reply (default 64 MiB)\n"
    "      --listen-tls=URI       also serve tls+tcp://HOST:PORT (TLS, needs both of:)\n"
    "      --tls-cert=FILE        PEM file with the endpoint's certificate and key\n"
    "      --secret-file=FILE     shared secret every TLS request must carry\n"
    "  -C, --config=FILE          YAML file of option: value pairs (long option names);\n"
    "                             the command line overrides it\n"
    "  -h, --help                 this help\n"
    "\n"
    "At start stratad prints \"uri ipc://...\" on stdout and writes it to DIR/uri;\n"
    "set STRATA_URI to it for the strata client.\n";

enum {
    OPT_QDEPTH = 256,
    OPT_RDEPTH,
    OPT_DEFDUR,
    OPT_NOEXEC,
    OPT_GRACE,
    OPT_CONTEXTS,
    OPT_MAXREQ,
    OPT_TLS,
    OPT_TLSCERT,
    OPT_SECRET,
    OPT_JMAX,
    OPT_QUEUE,
    OPT_INACTIVE,
};

static const struct option long_opts[] = {
    {"load", required_argument, NULL, 'L'},
    {"load-format", required_argument, NULL, 'f'},
    {"allowlist", required_argument, NULL, 'W'},
    {"match-policy", required_argument, NULL, 'P'},
    {"queue-policy", required_argument, NULL, 'Q'},
    {"queue-depth", required_argument, NULL, OPT_QDEPTH},
    {"reservation-depth", required_argument, NULL, OPT_RDEPTH},
    {"default-duration", required_argument, NULL, OPT_DEFDUR},
    {"noexec", no_argument, NULL, OPT_NOEXEC},
    {"kill-grace", required_argument, NULL, OPT_GRACE},
    {"rundir", required_argument, NULL, 'r'},
    {"statedir", required_argument, NULL, 's'},
    {"contexts", required_argument, NULL, OPT_CONTEXTS},
    {"max-request", required_argument, NULL, OPT_MAXREQ},
    {"config", required_argument, NULL, 'C'},
    {"listen-tls", required_argument, NULL, OPT_TLS},
    {"tls-cert", required_argument, NULL, OPT_TLSCERT},
    {"secret-file", required_argument, NULL, OPT_SECRET},
    {"journal-max-records", required_argument, NULL, OPT_JMAX},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"inactive-limit", required_argument, NULL, OPT_INACTIVE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A numeric option's value (config_number_option()), or its usage error
 * (2). */
static int number_opt(const char *key, const char *arg, long long *v)
{
    const char *what;
    if (config_number_option(key, arg, v, &what) == 0)
        return 0;
    fprintf(stderr, "stratad: --%s: '%s' is %s\nTry 'stratad --help'.\n", key, arg, what);
    return 2;
}

static int die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "stratad: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'stratad --help'.\n");
    return 2;
}

/* The policy of a parsed spec, cut at its ',' (policy names are short). */
static const char *spec_policy(const struct queue_params *qp, char *buf, size_t n)
{
    if (!qp->policy)
        return NULL;
    snprintf(buf, n, "%.*s", (int)strcspn(qp->policy, ","), qp->policy);
    return buf;
}

static int add_queue_spec(struct instance_opts *o, const char *spec)
{
    char name[256], pol[64];
    struct queue_params qp;
    struct st_error err = {{0}};
    if (config_queue_spec(spec, name, sizeof name, &qp, &err) < 0) {
        fprintf(stderr, "stratad: %s\nTry 'stratad --help'.\n", err.text);
        return 2;
    }
    const char *p = spec_policy(&qp, pol, sizeof pol);
    if (p && !queue_policy_exists(p))
        return die_usage("unknown queue policy in --queue '%s' (fcfs, easy, hybrid, "
                         "conservative)", spec);
    const char **v = realloc(o->queues, (size_t)(o->nqueues + 1) * sizeof *v);
    if (!v)
        return 1;
    o->queues = v;
    o->queues[o->nqueues++] = spec;
    return 0;
}

static int parse_opts(int argc, char **argv, struct instance_opts *o)
{
    int c, rc;
    long long v;
    opterr = 0; /* our own words below: getopt's name argv[0]'s path */
    while ((c = getopt_long(argc, argv, ":L:f:W:P:Q:r:s:C:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'L': o->load = optarg; break;
        case 'f': o->load_format = optarg; break;
        case 'W': o->allowlist = optarg; break;
        case 'P': o->match_policy = optarg; break;
        case 'Q': o->queue_policy = optarg; break;
        case 'r': o->rundir = optarg; break;
        case 's': o->statedir = optarg; break;
        case OPT_NOEXEC: o->noexec = true; break;
        case 'C': break; /* read before option parsing (find_config) */
        case OPT_TLS: o->tls_uri = optarg; break;
        case OPT_TLSCERT: o->tls_cert = optarg; break;
        case OPT_SECRET: o->secret_file = optarg; break;
        case 'h': fputs(usage_text, stdout); exit(0);
        case OPT_QDEPTH:
            if ((rc = number_opt("queue-depth", optarg, &v)) != 0)
                return rc;
            o->queue_depth = (int)v;
            break;
        case OPT_RDEPTH:
            if ((rc = number_opt("reservation-depth", optarg, &v)) != 0)
                return rc;
            o->reservation_depth = (int)v;
            break;
        case OPT_DEFDUR:
            if ((rc = number_opt("default-duration", optarg, &v)) != 0)
                return rc;
            o->default_duration = v;
            break;
        case OPT_GRACE:
            if ((rc = number_opt("kill-grace", optarg, &v)) != 0)
                return rc;
            o->kill_grace = (double)v;
            break;
        case OPT_CONTEXTS:
            if ((rc = number_opt("contexts", optarg, &v)) != 0)
                return rc;
            o->contexts = (int)v;
            break;
        case OPT_MAXREQ:
            if ((rc = number_opt("max-request", optarg, &v)) != 0)
                return rc;
            o->max_request = (size_t)v;
            break;
        case OPT_QUEUE:
            if ((rc = add_queue_spec(o, optarg)) != 0)
                return rc;
            break;
        case OPT_JMAX:
            if ((rc = number_opt("journal-max-records", optarg, &v)) != 0)
                return rc;
            o->journal_max_records = v;
            break;
        case OPT_INACTIVE:
            if ((rc = number_opt("inactive-limit", optarg, &v)) != 0)
                return rc;
            o->inactive_limit = v;
            break;
        default: {
            char msg[256];
            return die_usage("%s", st_opt_error(c, argv, long_opts, msg, sizeof msg)
                                       ? msg
                                       : "bad option");
        }
        }
    }
    if (optind < argc)
        return die_usage("unexpected argument '%s'", argv[optind]);
    if (o->tls_uri && (!o->tls_cert || !o->secret_file))
        return die_usage("%s: a TLS endpoint needs --tls-cert and --secret-file", o->tls_uri);
    if (o->tls_uri && strncmp(o->tls_uri, "tls+tcp://", 10) != 0)
        return die_usage("--listen-tls: '%s' is not tls+tcp://HOST:PORT", o->tls_uri);
    if (!queue_policy_exists(o->queue_policy))
        return die_usage("unknown queue policy '%s' (fcfs, easy, hybrid, conservative)",
                         o->queue_policy);
    if (o->load_format && !reader_format_valid(o->load_format))
        return die_usage("unknown --load-format '%s' (grug, jgf, hwloc, rv1exec)",
                         o->load_format);
    /* A usage error like -Q's, found before the resources are loaded. */
    policy_t *mp = policy_create(o->match_policy, NULL);
    policy_destroy(mp);
    if (!mp)
        return die_usage("unknown match policy '%s' (first, high, low, lonode, hinode, "
                         "lonodex, hinodex, firstnodex, locality, variation, or key=value "
                         "words as resource-query -P takes)",
                         o->match_policy);
    return 0;
}

static const char *guess_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".graphml") == 0)
        return "grug";
    if (dot && strcmp(dot, ".xml") == 0)
        return "hwloc";
    return "jgf";
}

/* mkdir -p with mode 0700 for every directory created. */
static int mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return -1;
    return chmod(buf, 0700);
}

static char *default_rundir(void)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char *d;
    int rc = xdg && *xdg ? asprintf(&d, "%s/strata/%d", xdg, (int)getpid())
                         : asprintf(&d, "/tmp/strata-%u/%d", (unsigned)getuid(), (int)getpid());
    return rc < 0 ? NULL : d;
}

/* The --queue specs (or one "default" queue): unset parameters take the
 * global --queue-policy, --queue-depth and --reservation-depth. */
static int add_queues(struct instance *inst, struct st_error *err)
{
    const struct instance_opts *o = &inst->opts;
    struct queue_params qp = {.name = "default",
                              .policy = o->queue_policy,
                              .queue_depth = o->queue_depth,
                              .reservation_depth = o->reservation_depth};
    if (o->nqueues == 0)
        return queue_mgr_add_queue(inst->qm, &qp, err);
    for (int i = 0; i < o->nqueues; i++) {
        char name[256], pol[64];
        if (config_queue_spec(o->queues[i], name, sizeof name, &qp, err) < 0)
            return -1;
        qp.policy = spec_policy(&qp, pol, sizeof pol);
        if (!qp.policy)
            qp.policy = o->queue_policy;
        if (!qp.queue_depth)
            qp.queue_depth = o->queue_depth;
        if (!qp.reservation_depth)
            qp.reservation_depth = o->reservation_depth;
        if (queue_mgr_add_queue(inst->qm, &qp, err) < 0)
            return -1;
    }
    return 0;
}

static int load_resources(struct instance *inst, struct st_error *err)
{
    const struct instance_opts *o = &inst->opts;
    const char *fmt = o->load ? (o->load_format ? o->load_format : guess_format(o->load)) : "hwloc";
    /* Keep the levels a jobspec names (Flux's usual allowlist): caches and
     * NUMA levels would keep the cores of one slot apart. */
    const char *allow = strcmp(fmt, "hwloc") == 0 ? o->allowlist : NULL;
    inst->g = reader_load(fmt, o->load, allow, err);
    if (!inst->g)
        return -1;
    /* An allowlist without core (a typo in -W) leaves a graph no job fits. */
    int ncores = 0;
    atom_t core = graph_atom_find(inst->g, "core");
    if (allow && (core == ATOM_NONE || !graph_by_type(inst->g, core, &ncores) || ncores == 0))
        return st_errorf(err, EINVAL, "--allowlist '%s' keeps no core of this host", allow);
    inst->graph_is_host = o->load == NULL;
    struct match_params p = {.policy = o->match_policy,
                             .subsystems = "CA",
                             .prune_filters = "ALL:core,ALL:node",
                             .traverser = MATCH_TRAVERSER_SIMPLE,
                             .graph_start = 0,
                             .graph_duration = 3153600000LL * 2};
    /* The matcher's window is absolute time: make it start now. */
    p.graph_start = (int64_t)inst_now();
    inst->m = match_create(inst->g, &p, err);
    if (!inst->m || backend_create(inst->g, inst->m, &inst->be) < 0)
        return -1;
    inst->clock = queue_clock_create(QUEUE_CLOCK_WALL, 0);
    inst->qm = inst->clock ? queue_mgr_create(&inst->be, inst->clock) : NULL;
    if (!inst->qm)
        return st_errorf(err, errno, "queue manager: %s", strerror(errno));
    if (add_queues(inst, err) < 0)
        return -1;
    return queue_mgr_set_callback(inst->qm, inst_queue_event, inst);
}

/* The shared secret: the file's first line, which must not be empty and
 * the file must not be readable by others. */
static int read_secret(struct instance *inst, struct st_error *err)
{
    const char *path = inst->opts.secret_file;
    struct stat st;
    FILE *f = fopen(path, "r");
    if (!f)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    char buf[1024] = "";
    bool ok = fstat(fileno(f), &st) == 0 && !(st.st_mode & 077) && fgets(buf, sizeof buf, f);
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!ok || strlen(buf) < 16)
        return st_errorf(err, EINVAL, "%s: the secret file must be mode 0600 or stricter "
                                      "and hold a secret of at least 16 characters", path);
    inst->secret = strdup(buf);
    return inst->secret ? 0 : st_errorf(err, ENOMEM, "out of memory");
}

/* One stratad per state directory: a second one would append to the same
 * journal (and, on the same rundir, replay it before failing to bind).
 * STATEDIR/lock is flock()ed for the life of the process (the descriptor is
 * never closed; O_CLOEXEC keeps it from the jobs) and holds our pid for
 * the message of the next one.  The kernel drops the lock when we die. */
static int lock_statedir(const char *dir, struct st_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/lock", dir) >= (int)sizeof path)
        return st_errorf(err, ENAMETOOLONG, "--statedir %s: %s", dir, strerror(ENAMETOOLONG));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = read(fd, pid, sizeof pid - 1);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (e != EWOULDBLOCK)
            return st_errorf(err, e, "%s: %s", path, strerror(e));
        return st_errorf(err, EBUSY, "--statedir %s is in use by another stratad%s%s%s", dir,
                         *pid ? " (pid " : "", pid, *pid ? ")" : "");
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || write(fd, pid, (size_t)n) != n)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    return 0;
}

static int setup_dirs(struct instance *inst, struct st_error *err)
{
    if (inst->opts.secret_file && read_secret(inst, err) < 0)
        return -1;
    if (!inst->opts.rundir && !(inst->opts.rundir = default_rundir()))
        return st_errorf(err, ENOMEM, "out of memory");
    if (!inst->opts.statedir)
        inst->opts.statedir = inst->opts.rundir;
    const char *dirs[] = {inst->opts.rundir, inst->opts.statedir};
    for (int i = 0; i < 2; i++) {
        /* mkdirs() accepts what exists: a file there must be named too. */
        struct stat st;
        if (mkdirs(dirs[i]) < 0 || stat(dirs[i], &st) < 0 ||
            (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)))
            return st_errorf(err, errno, "%s %s: %s", i ? "--statedir" : "--rundir", dirs[i],
                             strerror(errno));
    }
    if (lock_statedir(inst->opts.statedir, err) < 0)
        return -1;
    if (asprintf(&inst->uri, "ipc://%s/rpc", inst->opts.rundir) < 0 ||
        asprintf(&inst->event_uri, "ipc://%s/events", inst->opts.rundir) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
}

/* Jobs recovered from the journal: pending ones queue again; running noexec
 * holds get their allocation back for the rest of their time; running jobs
 * lost their processes with the old daemon, so they fail with the reason.
 * Holds first, so that queued jobs do not take their resources. */
static bool restore(struct instance *inst, struct job *j)
{
    struct st_error e = {{0}};
    if (inst_job_restore(inst, j, &e) == 0)
        return true;
    fprintf(stderr, "stratad: job %lld: cannot restore its allocation: %s\n", (long long)j->id,
            e.text);
    return false;
}

static int recover(struct instance *inst, struct st_error *err)
{
    inst->journal = journal_open(inst->opts.statedir, err);
    if (!inst->journal || journal_replay(inst->journal, inst, err) < 0)
        return -1;
    int64_t requeued = 0, lost = 0, restored = 0;
    for (int64_t id = 1; id <= inst->njobs; id++) {
        struct job *j = inst_job(inst, id);
        if (!j)
            continue;
        if (j->state == JOB_NEW && inst_job_enqueue(inst, j, err) == 0)
            requeued++;
        else if (j->state == JOB_NEW)
            inst_job_finish(inst, j, JOB_RESULT_FAILED, "could not be queued again on restart");
        if (j->state == JOB_RUN && instance_job_is_instance(j)) {
            /* Its child may have outlived us: hold and wait for it. */
            if (instance_job_adopt(inst, j) == 0) {
                restored++;
            } else {
                inst_job_finish(inst, j, JOB_RESULT_FAILED,
                                "lost: stratad restarted while the job was running");
                lost++;
            }
        } else if (j->state == JOB_RUN && j->noexec &&
                   j->t[JOB_RUN] + (double)j->duration <= inst_now()) {
            inst_job_finish(inst, j, JOB_RESULT_COMPLETED, "the hold ended while stratad was down");
        } else if (j->state == JOB_RUN && j->noexec && restore(inst, j)) {
            restored++;
        } else if (j->state == JOB_RUN || j->state == JOB_CLEANUP) {
            inst_job_finish(inst, j, JOB_RESULT_FAILED,
                            "lost: stratad restarted while the job was running");
            lost++;
        }
    }
    if (inst->njobs > 0)
        fprintf(stderr,
                "stratad: journal: %lld job(s), %lld queued again, %lld holds restored, "
                "%lld lost\n",
                (long long)inst->njobs, (long long)requeued, (long long)restored,
                (long long)lost);
    return 0;
}

static int write_uri_file(struct instance *inst)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/uri", inst->opts.rundir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", inst->uri);
    return fclose(f);
}

static void stop_jobs(struct instance *inst)
{
    for (size_t i = 0; i < inst->nrunning; i++) {
        struct job *j = inst_job(inst, inst->running[i]);
        j->cancel_requested = true;
        exec_signal(inst, j, SIGTERM);
    }
    double until = inst_now() + inst->opts.kill_grace;
    while (inst->nrunning > 0) {
        exec_reap(inst);
        for (size_t i = 0; i < inst->nrunning; i++) {
            struct job *j = inst_job(inst, inst->running[i]);
            if (j->noexec || inst_now() >= until)
                exec_signal(inst, j, SIGKILL);
            if (j->noexec) {
                inst_job_finish(inst, j, JOB_RESULT_CANCELED, "instance shutdown");
                i--;
            }
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void main_loop(struct instance *inst, const sigset_t *set)
{
    for (;;) {
        pthread_mutex_lock(&inst->lock);
        double wait = inst_tick(inst);
        bool stop = inst->stopping;
        pthread_mutex_unlock(&inst->lock);
        if (stop)
            return;
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            pthread_mutex_lock(&inst->lock);
            inst->stopping = true;
            pthread_mutex_unlock(&inst->lock);
        }
    }
}

static void instance_free(struct instance *inst)
{
    /* Only at the process end: the journal's records are written (no
     * buffering here), the rest goes with the process (inst_exit_frees). */
    if (!inst_exit_frees()) {
        journal_close(inst->journal);
        return;
    }
    inst_jobs_free(inst);
    props_free(inst);
    journal_close(inst->journal);
    queue_mgr_destroy(inst->qm);
    queue_clock_destroy(inst->clock);
    backend_destroy(&inst->be);
    match_destroy(inst->m);
    graph_destroy(inst->g);
    free(inst->uri);
    free(inst->event_uri);
    free(inst->secret);
    free(inst->opts.queues);
    events_fini(inst);
}

/* --config FILE / --config=FILE / -C FILE, looked for before getopt so that
 * the file's settings can be placed ahead of the command line's. */
static const char *find_config(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
        if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-C") == 0) && i + 1 < argc)
            return argv[i + 1];
        if (strcmp(argv[i], "--") == 0)
            break;
    }
    return NULL;
}

/* --queue is repeatable, so "the command line overrides the file" means:
 * queues given on the command line replace all of the file's. */
static void drop_file_queues(int argc, char **argv, char **cfg, int *ncfg)
{
    bool cli = false;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        cli |= strcmp(argv[i], "--queue") == 0 || strncmp(argv[i], "--queue=", 8) == 0;
    if (!cli)
        return;
    int k = 0;
    for (int i = 0; i < *ncfg; i++) {
        if (strncmp(cfg[i], "--queue=", 8) == 0)
            free(cfg[i]);
        else
            cfg[k++] = cfg[i];
    }
    *ncfg = k;
}

/* argv with the config file's arguments after argv[0]. */
static char **merge_config(int *argc, char **argv, char **cfg, int ncfg)
{
    char **v = calloc((size_t)(*argc + ncfg + 1), sizeof *v);
    if (!v)
        return NULL;
    v[0] = argv[0];
    for (int i = 0; i < ncfg; i++)
        v[1 + i] = cfg[i];
    for (int i = 1; i < *argc; i++)
        v[ncfg + i] = argv[i];
    *argc += ncfg;
    return v;
}

/* The config file's arguments and the merged argument vector (the options
 * point into them until the end). */
static void free_args(char **cfg, int ncfg, char **all, char **argv)
{
    config_free(cfg, ncfg);
    if (all != argv)
        free(all);
}

int main(int argc, char **argv)
{
    struct instance inst = {
        .opts = {.allowlist = "node,socket,core,gpu", .match_policy = "first", .queue_policy = "fcfs", .default_duration = 31536000,
                 .kill_grace = 5, .contexts = 16,
                 .journal_max_records = 100000, .inactive_limit = 10000},
    };
    const char *cfg_path = find_config(argc, argv);
    char **cfg = NULL, **all = argv;
    int ncfg = 0;
    if (cfg_path) {
        struct st_error cerr = {{0}};
        if (config_load(cfg_path, &cfg, &ncfg, &cerr) < 0) {
            fprintf(stderr, "stratad: %s\n", cerr.text);
            return 2;
        }
        drop_file_queues(argc, argv, cfg, &ncfg);
        if (!(all = merge_config(&argc, argv, cfg, ncfg))) {
            config_free(cfg, ncfg);
            return 1;
        }
    }
    int rc = parse_opts(argc, all, &inst.opts);
    if (rc != 0) {
        free_args(cfg, ncfg, all, argv);
        return rc;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before nng starts its threads */
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&inst.lock, NULL);
    inst.main_thread = pthread_self();
    inst.owner = getuid();
    inst.t_start = inst_now();
    struct st_error err = {{0}};
    char *rundir_alloc = inst.opts.rundir ? NULL : default_rundir();
    if (rundir_alloc)
        inst.opts.rundir = rundir_alloc;
    if (events_init(&inst) < 0 || load_resources(&inst, &err) < 0 || setup_dirs(&inst, &err) < 0 ||
        instance_resources_replay(&inst, &err) < 0 || recover(&inst, &err) < 0 ||
        server_start(&inst, &err) < 0) {
        fprintf(stderr, "stratad: %s\n", err.text[0] ? err.text : strerror(errno));
        server_stop(&inst);
        instance_free(&inst);
        free(rundir_alloc);
        free_args(cfg, ncfg, all, argv);
        return 1;
    }
    write_uri_file(&inst);
    printf("uri %s\nevents %s\n", inst.uri, inst.event_uri);
    fflush(stdout);
    main_loop(&inst, &set);
    pthread_mutex_lock(&inst.lock);
    stop_jobs(&inst);
    pthread_mutex_unlock(&inst.lock);
    server_stop(&inst);
    char path[4096];
    snprintf(path, sizeof path, "%s/uri", inst.opts.rundir);
    unlink(path);
    instance_free(&inst);
    free(rundir_alloc);
    free_args(cfg, ncfg, all, argv);
    return 0;
}
