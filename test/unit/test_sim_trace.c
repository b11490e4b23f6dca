/* Unit tests for tools/sim_trace.c: the machine size a trace's header gives
 * (sim_trace_procs) and how it bounds the jobs kept. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/unit/testlib.h"
#include "tools/sim.h"

/* Write text to a new temporary .swf file; its path in buf. */
static void write_trace(char *buf, size_t n, const char *text)
{
    snprintf(buf, n, "/tmp/test_sim_trace.XXXXXX");
    int fd = mkstemp(buf);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
}

/* Two 10 s jobs of 4 and 5 processors after the given header. */
static const struct {
    const char *header;
    int64_t procs; /* sim_trace_procs */
    size_t jobs;   /* jobs kept: the 5-processor one only fits 5 or more */
} cases[] = {
    {"; MaxProcs: 8\n", 8, 2},
    {"; MaxNodes: 4\n", 4, 1},                  /* Lublin-style: nodes only */
    {"; MaxNodes: 2\n; MaxProcs: 16\n", 16, 2}, /* MaxProcs wins */
    {"; MaxProcs: 16\n; MaxNodes: 2\n", 16, 2}, /* in either order */
    {"; nothing\n", 0, 2},                      /* unknown: nothing dropped */
};

START_TEST(test_trace_procs)
{
    char path[64], text[512];
    snprintf(text, sizeof text,
             "%s1 0 0 10 4 -1 -1 -1 -1 -1 1 1 1 1 1 -1 -1 -1\n"
             "2 0 0 10 5 -1 -1 -1 -1 -1 1 1 1 1 1 -1 -1 -1\n",
             cases[_i].header);
    write_trace(path, sizeof path, text);
    struct sim_load_opts o = {0};
    struct sim_workload w = {0};
    struct st_error err = {""};
    int rc = sim_workload_load(path, &o, &w, &err);
    unlink(path);
    ck_assert_msg(rc == 0, "%s", err.text);
    ck_assert_int_eq(sim_trace_procs(&w), cases[_i].procs);
    ck_assert_uint_eq(w.n, cases[_i].jobs);
    sim_workload_fini(&w);
}
END_TEST

START_TEST(test_badparam)
{
    errno = 0;
    ck_assert_int_eq(sim_trace_procs(NULL), 0);
    struct sim_workload w = {0};
    ck_assert_int_eq(sim_trace_procs(&w), 0);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("sim_trace");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_trace_procs, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
