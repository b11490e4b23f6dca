/* strata start: run a new instance, optionally only for one command.
 *
 *   strata start [STRATAD-OPTIONS] [-- COMMAND [ARGS...]]
 *
 * stratad runs on a fresh runtime directory; with a command, the command
 * runs with STRATA_URI pointing at the instance and the instance stops when
 * it exits (its exit code is strata's), like `flux start`.  Without one,
 * the instance runs in the foreground until `strata shutdown` or a signal.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/strata.h"

/* $STRATAD, else stratad beside this strata (tools/ -> daemon/ in a build
 * tree, bin/ -> sbin/ installed), else "stratad" (looked up in PATH). */
const char *strata_find_stratad(char *buf, size_t n)
{
    const char *env = getenv("STRATAD");
    if (env && *env)
        return env;
    if (!buf || n == 0)
        return "stratad";
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, n, "%s/../daemon/stratad", self);
            if (access(buf, X_OK) == 0)
                return buf;
            snprintf(buf, n, "%s/../sbin/stratad", self);
            if (access(buf, X_OK) == 0)
                return buf;
        }
    }
    return "stratad";
}

static pid_t spawn(const char *path, char **argv, bool search, bool quiet)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (quiet && !freopen("/dev/null", "w", stdout))
            _exit(127);
        if (search)
            execvp(path, argv);
        else
            execv(path, argv);
        fprintf(stderr, "strata start: %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    return pid;
}

static int wait_ready(strata_client_t **out, const char *uri, pid_t daemon)
{
    for (int i = 0; i < 300; i++) {
        struct st_error err = {{0}};
        int status;
        if (waitpid(daemon, &status, WNOHANG) == daemon)
            return -1; /* it already failed, and said why on stderr */
        strata_client_t *c = strata_client_open(uri, 2000, &err);
        json_t *res = NULL;
        if (c && strata_client_call(c, "ping", NULL, &res, &err) == 0) {
            json_decref(res);
            *out = c;
            return 0;
        }
        strata_client_close(c);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static int exit_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int strata_cmd_start(const struct strata_global *g, int argc, char **argv)
{
    (void)g;
    int sep = argc;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    for (int i = 1; i < sep; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("Usage: strata start [STRATAD-OPTIONS] [-- COMMAND [ARGS...]]\n"
                 "Start a new instance (see stratad --help for its options).  With a command,\n"
                 "run it with STRATA_URI set to the instance, then stop the instance and exit\n"
                 "with the command's code.  Without, run the instance in the foreground.");
            return 0;
        }
    char dir[] = "/tmp/strata-start.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("strata start: mkdtemp");
        return 1;
    }
    char buf[PATH_MAX + 32], uri[sizeof dir + 16];
    const char *stratad = strata_find_stratad(buf, sizeof buf);
    snprintf(uri, sizeof uri, "ipc://%s/rpc", dir);
    char **dargv = calloc((size_t)sep + 3, sizeof *dargv);
    if (!dargv)
        return 1;
    dargv[0] = (char *)stratad;
    dargv[1] = "--rundir";
    dargv[2] = dir;
    for (int i = 1; i < sep; i++)
        dargv[i + 2] = argv[i];
    bool foreground = sep >= argc - 1;
    pid_t daemon = spawn(stratad, dargv, strchr(stratad, '/') == NULL, !foreground);
    free(dargv);
    if (daemon < 0 || foreground) {
        int status = 0;
        if (daemon > 0)
            waitpid(daemon, &status, 0);
        rmdir(dir);
        return daemon < 0 ? 1 : exit_code(status);
    }
    strata_client_t *c = NULL;
    if (wait_ready(&c, uri, daemon) < 0) {
        fprintf(stderr, "strata start: the instance did not start\n");
        kill(daemon, SIGKILL);
        waitpid(daemon, NULL, 0);
        return 1;
    }
    setenv("STRATA_URI", uri, 1);
    pid_t cmd = spawn(argv[sep + 1], argv + sep + 1, true, false);
    int status = 0;
    if (cmd > 0)
        waitpid(cmd, &status, 0);
    json_t *res = NULL;
    struct st_error err = {{0}};
    if (strata_client_call(c, "shutdown", NULL, &res, &err) < 0)
        kill(daemon, SIGTERM);
    json_decref(res);
    strata_client_close(c);
    waitpid(daemon, NULL, 0);
    char path[sizeof dir + 16];
    const char *files[] = {"rpc", "events", "journal"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/out", dir);
    if (rmdir(path) == 0 || errno == ENOENT)
        rmdir(dir); /* job output is left in place when there is some */
    return cmd > 0 ? exit_code(status) : 1;
}
