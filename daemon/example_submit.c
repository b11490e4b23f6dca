/* example_submit: the C API in use (daemon/client.h).
 *
 *   example_submit [N]
 *
 * Connects to $STRATA_URI, subscribes to events, submits N jobs (default
 * 10000) one request at a time from a loop, like the Flux seed's Python
 * example, then waits for the last one and prints a summary.  The jobs are
 * noexec zero-length holds of one core, so the example measures the
 * service, not the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "daemon/client.h"

static const char jobspec[] =
    "{\"version\": 1,"
    " \"resources\": [{\"type\": \"slot\", \"count\": 1, \"label\": \"task\","
    "                  \"with\": [{\"type\": \"core\", \"count\": 1}]}],"
    " \"tasks\": [{\"command\": [\"true\"], \"slot\": \"task\", \"count\": {\"per_slot\": 1}}],"
    " \"attributes\": {\"system\": {\"noexec\": true}}}";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    struct st_error err = {{0}};
    strata_client_t *c = strata_client_open(NULL, 10000, &err);
    if (!c || n < 1) {
        fprintf(stderr, "example_submit: %s\n", c ? "N must be >= 1" : err.text);
        return 1;
    }
    strata_events_t *ev = strata_events_open(NULL, &err);
    double t0 = now();
    int64_t id = 0;
    for (int i = 0; i < n; i++) {
        if (strata_submit(c, jobspec, 1, &id, &err) < 0) {
            fprintf(stderr, "example_submit: job %d: %s\n", i, err.text);
            return 1;
        }
    }
    double t1 = now();
    json_t *info = NULL;
    if (strata_wait(c, id, &info, &err) < 0) {
        fprintf(stderr, "example_submit: wait %lld: %s\n", (long long)id, err.text);
        return 1;
    }
    double t2 = now();
    /* At least the first event is there: the subscription saw the work. */
    json_t *e = ev ? strata_events_next(ev, 1000) : NULL;
    printf("submitted %d jobs in %.3f s (%.0f/s); last job %lld %s after %.3f s; "
           "first event seq %lld\n",
           n, t1 - t0, n / (t1 - t0), (long long)id,
           json_string_value(json_object_get(info, "result")), t2 - t0,
           (long long)json_integer_value(json_object_get(e, "seq")));
    json_decref(e);
    json_decref(info);
    strata_events_close(ev);
    strata_client_close(c);
    return 0;
}
