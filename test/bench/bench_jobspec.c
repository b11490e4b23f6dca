/* bench_jobspec: jobspec parse throughput (jobspecs/s).
 *
 * Not a timed test: prints parse rates for a typical jobspec (a labelled
 * slot of node -> socket -> cores with a duration, as users submit), the
 * same jobspec as JSON, a larger one with constraints, and the emitters.
 * The daemon's bulk submit needs >= 50,000 jobspecs/s for the typical one.
 * Usage: bench_jobspec [seconds-per-measure (default 1)] [FILE...]: files
 * given are measured as well.
 *
 * Rates are computed from the process's CPU time, so that they measure the
 * cost of a parse on one core even when the machine is shared (wall-clock
 * rates on a loaded machine mostly measure the other processes); the
 * wall-clock rate of the typical parse is printed too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobspec/jobspec.h"

static const char typical_yaml[] = "version: 9999\n"
                                   "resources:\n"
                                   "  - type: slot\n"
                                   "    count: 4\n"
                                   "    label: default\n"
                                   "    with:\n"
                                   "      - type: node\n"
                                   "        count: 1\n"
                                   "        with:\n"
                                   "          - type: socket\n"
                                   "            count: 2\n"
                                   "            with:\n"
                                   "              - type: core\n"
                                   "                count: 4\n"
                                   "tasks:\n"
                                   "  - command: [ \"flux\", \"start\" ]\n"
                                   "    slot: default\n"
                                   "    count:\n"
                                   "      per_slot: 1\n"
                                   "attributes:\n"
                                   "  system:\n"
                                   "    duration: 3600.0\n";

static const char larger_yaml[] =
    "version: 1\n"
    "resources:\n"
    "  - type: cluster\n"
    "    count: 1\n"
    "    with:\n"
    "      - type: rack\n"
    "        count: {min: 1, max: 4, operator: \"+\", operand: 1}\n"
    "        with:\n"
    "          - type: slot\n"
    "            count: 2\n"
    "            label: ib\n"
    "            with:\n"
    "              - type: node\n"
    "                count: 1\n"
    "                exclusive: true\n"
    "                with:\n"
    "                  - {type: core, count: 16}\n"
    "                  - {type: gpu, count: 2}\n"
    "                  - {type: memory, count: 64, unit: GB}\n"
    "tasks:\n"
    "  - command: [\"app\", \"--input\", \"/data/in\", \"--verbose\"]\n"
    "    slot: ib\n"
    "    count: {total: 8}\n"
    "attributes:\n"
    "  system:\n"
    "    duration: 7200\n"
    "    queue: batch\n"
    "    cwd: /home/user/run\n"
    "    environment: {PATH: /usr/bin, HOME: /home/user, OMP_NUM_THREADS: \"4\"}\n"
    "    constraints:\n"
    "      and:\n"
    "        - properties: [\"ib\", \"^maint\"]\n"
    "        - or: [{hostlist: [\"node[0-63]\"]}, {ranks: [\"0-15\"]}]\n"
    "  user: {project: p1, tags: [a, b]}\n";

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
    return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static double last_wall_rate;

/* Parse text repeatedly for about `secs` seconds; return jobspecs/s. */
static double measure_parse(const char *text, size_t len, double secs)
{
    struct st_error err;
    long n = 0;
    double w0 = clock_s(CLOCK_MONOTONIC);
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            jobspec_t *js = jobspec_parse_string(text, len, "bench", &err);
            if (!js) {
                fprintf(stderr, "bench_jobspec: %s\n", err.text);
                exit(1);
            }
            jobspec_destroy(js);
        }
        n += 1000;
        t = now_s() - t0;
    } while (t < secs);
    last_wall_rate = (double) n / (clock_s(CLOCK_MONOTONIC) - w0);
    return (double) n / t;
}

static double measure_emit(const jobspec_t *js, int json, double secs)
{
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++)
            free(json ? jobspec_to_json(js) : jobspec_to_yaml(js));
        n += 1000;
        t = now_s() - t0;
    } while (t < secs);
    return (double) n / t;
}

static void report(const char *what, size_t bytes, double rate)
{
    printf("%-34s %6zu bytes %12.0f jobspecs/s %8.2f us/jobspec %7.1f MB/s\n", what, bytes,
           rate, 1e6 / rate, rate * (double) bytes / 1e6);
}

static void bench_text(const char *what, const char *text, size_t len, double secs)
{
    report(what, len, measure_parse(text, len, secs));
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *buf = size >= 0 ? malloc((size_t) size + 1) : NULL;
    if (buf) {
        *len = fread(buf, 1, (size_t) size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    if (!(secs > 0))
        secs = 1.0;
    struct st_error err;
    jobspec_t *js = jobspec_parse_string(typical_yaml, strlen(typical_yaml), "typical", &err);
    if (!js) {
        fprintf(stderr, "bench_jobspec: %s\n", err.text);
        return 1;
    }
    char *json = jobspec_to_json(js);
    double typical = measure_parse(typical_yaml, strlen(typical_yaml), secs);
    report("parse typical (YAML)", strlen(typical_yaml), typical);
    printf("%-34s %18.0f jobspecs/s (wall clock, machine load included)\n",
           "parse typical (YAML)", last_wall_rate);
    bench_text("parse typical (JSON)", json, strlen(json), secs);
    bench_text("parse larger (YAML, constraints)", larger_yaml, strlen(larger_yaml), secs);
    report("emit typical (YAML)", strlen(typical_yaml), measure_emit(js, 0, secs));
    report("emit typical (JSON)", strlen(json), measure_emit(js, 1, secs));
    for (int i = 2; i < argc; i++) {
        size_t len;
        char *text = read_file(argv[i], &len);
        if (!text) {
            perror(argv[i]);
            continue;
        }
        bench_text(argv[i], text, len, secs);
        free(text);
    }
    printf("target: >= 50000 jobspecs/s (CPU time) for the typical jobspec: %s\n",
           typical >= 50000 ? "met" : "NOT met");
    free(json);
    jobspec_destroy(js);
    return 0;
}
