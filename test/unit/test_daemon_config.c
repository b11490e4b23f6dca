/* Unit tests for daemon/config.c: stratad's YAML configuration file (scalar
 * options and the "queues" mapping) and the --queue spec parser.  config.c
 * is compiled in alone. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/stratad.h"
#include "test/unit/testlib.h"

/* Write text to a temporary file; the path lives until the next call. */
static const char *write_cfg(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_daemon_config.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static int load(const char *text, char ***args, int *n, struct st_error *err)
{
    const char *p = write_cfg(text);
    int rc = config_load(p, args, n, err);
    unlink(p);
    return rc;
}

START_TEST(test_scalars_and_queues)
{
    char **args = NULL;
    int n = 0;
    struct st_error err = {{0}};
    ck_assert_int_eq(load("queue-policy: easy\n"
                          "noexec: true\n"
                          "queues:\n"
                          "  batch: {policy: easy, queue-depth: 64}\n"
                          "  debug: fcfs\n"
                          "  plain:\n"
                          "  deep:\n"
                          "    reservation-depth: 8\n"
                          "journal-max-records: 500\n",
                          &args, &n, &err),
                     0);
    const char *want[] = {"--queue-policy=easy",
                          "--noexec",
                          "--queue=batch:policy=easy,queue-depth=64",
                          "--queue=debug:policy=fcfs",
                          "--queue=plain",
                          "--queue=deep:reservation-depth=8",
                          "--journal-max-records=500"};
    ck_assert_int_eq(n, 7);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(args[i], want[i]);
    config_free(args, n);
}
END_TEST

START_TEST(test_bad_files)
{
    char **args = NULL;
    int n = 0;
    struct st_error err = {{0}};
    ck_assert_int_eq(load("queues:\n  a: {policy: easy, color: red}\n", &args, &n, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err.text, ":2:"));
    ck_assert_ptr_nonnull(strstr(err.text, "unknown queue parameter color"));
    ck_assert_int_eq(load("queues: easy\n", &args, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "expected a mapping of queue names"));
    ck_assert_int_eq(load("queues:\n  a: [easy]\n", &args, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "queues: expected NAME"));
    ck_assert_int_eq(load("queues:\n  'a:b': fcfs\n", &args, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, "bad queue name a:b"));
    ck_assert_int_eq(load("queue-dept: 8\n", &args, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.text, ":1:1: unknown key queue-dept"));
    ck_assert_int_eq(config_load(NULL, &args, &n, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(config_load("/nonexistent/strata.yaml", &args, &n, &err), -1);
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A value stratad would refuse is refused by config_load with its place:
 * "FILE:LINE:COL: KEY: what is wrong", and no arguments come back. */
START_TEST(test_bad_values)
{
    const struct {
        const char *text, *want;
    } cases[] = {
        {"queue-depth: abc\n", ":1:14: queue-depth: 'abc' is not 1..1000000"},
        {"noexec: true\nreservation-depth: 0\n", ":2:20: reservation-depth: '0' is not"},
        {"kill-grace: 3601\n", ":1:13: kill-grace: '3601' is not 0..3600 seconds"},
        {"max-request: 63\n", ":1:14: max-request: '63' is not 64.."},
        {"journal-max-records: 5\n", ":1:22: journal-max-records: '5' is not 0 or 16"},
        {"default-duration: 1h\n", ":1:19: default-duration: '1h' is not a number"},
        {"contexts: -1\n", ":1:11: contexts: '-1' is not 1..1024"},
        {"inactive-limit: x\n", ":1:17: inactive-limit: 'x' is not a count"},
        {"queue-policy: fifo\n", ":1:15: queue-policy: 'fifo' is not a queue policy"},
        {"load-format: xml\n", ":1:14: load-format: 'xml' is not a format"},
        {"match-policy: nope\n", ":1:15: match-policy: "},
        {"queues:\n  b: {policy: easy, queue-depth: 0}\n",
         ":2:34: queue-depth: '0' is not 1..1000000"},
        {"queues:\n  b:\n    reservation-depth: many\n", ":3:24: reservation-depth: 'many'"},
        {"queues:\n  b: {policy: fifo}\n", ":2:15: policy: 'fifo' is not a queue policy"},
        {"queues:\n  debug: fifo\n", ":2:10: policy: 'fifo' is not a queue policy"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char **args = (char **) &args; /* must stay as it is */
        int n = -5;
        struct st_error err = {{0}};
        ck_assert_int_eq(load(cases[i].text, &args, &n, &err), -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(strstr(err.text, cases[i].want), "'%s': got '%s'", cases[i].text,
                      err.text);
        ck_assert_ptr_eq(strstr(err.text, "/tmp/test_daemon_config."), err.text);
        ck_assert_ptr_eq(args, (char **) &args);
        ck_assert_int_eq(n, -5);
    }
    /* the edges of the ranges are good values */
    char **args = NULL;
    int n = 0;
    struct st_error err = {{0}};
    ck_assert_int_eq(load("queue-depth: 1000000\nkill-grace: 0\njournal-max-records: 16\n"
                          "queue-policy: conservative\nmatch-policy: lonodex\n"
                          "queues:\n  b: {queue-depth: 1, policy: hybrid}\n",
                          &args, &n, &err),
                     0);
    ck_assert_int_eq(n, 6);
    ck_assert_str_eq(args[5], "--queue=b:queue-depth=1,policy=hybrid");
    config_free(args, n);
}
END_TEST

START_TEST(test_queue_spec)
{
    char name[64];
    struct queue_params qp;
    struct st_error err = {{0}};
    ck_assert_int_eq(config_queue_spec("batch", name, sizeof name, &qp, &err), 0);
    ck_assert_str_eq(qp.name, "batch");
    ck_assert_ptr_null(qp.policy);
    ck_assert_int_eq(qp.queue_depth, 0);
    ck_assert_int_eq(
        config_queue_spec("b:policy=easy,queue-depth=64,reservation-depth=4", name, sizeof name,
                          &qp, &err),
        0);
    ck_assert_str_eq(qp.name, "b");
    ck_assert_int_eq(strncmp(qp.policy, "easy", 4), 0);
    ck_assert_int_eq(qp.policy[4], ',');
    ck_assert_int_eq(qp.queue_depth, 64);
    ck_assert_int_eq(qp.reservation_depth, 4);
    ck_assert_int_eq(config_queue_spec("b:", name, sizeof name, &qp, &err), 0);
    const char *bad[] = {"", ":policy=easy", "b:depth=3", "b:queue-depth=0",
                         "b:queue-depth=x", "b:,policy=easy", "a,b:policy=easy",
                         "b:reservation-depth=100001", "b:policy"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        errno = 0;
        ck_assert_msg(config_queue_spec(bad[i], name, sizeof name, &qp, &err) == -1, "%s",
                      bad[i]);
        ck_assert_int_eq(errno, EINVAL);
    }
    char tiny[3];
    ck_assert_int_eq(config_queue_spec("long", tiny, sizeof tiny, &qp, &err), -1);
    ck_assert_int_eq(config_queue_spec(NULL, name, sizeof name, &qp, &err), -1);
    ck_assert_int_eq(config_queue_spec("a", NULL, 0, &qp, &err), -1);
    ck_assert_int_eq(config_queue_spec("a", name, sizeof name, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* The option-value parser stratad's options and the queue specs share. */
START_TEST(test_number)
{
    long long v = -7;
    ck_assert_int_eq(config_number("64", 1, 100, &v), 0);
    ck_assert_int_eq(v, 64);
    ck_assert_int_eq(config_number("0", 0, 0, &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(config_number("-3", -5, 5, &v), 0);
    ck_assert_int_eq(v, -3);
    const char *bad[] = {"", "x", "3x", "101", "0", "1e3", "3.0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        v = 42;
        TL_ASSERT_ERRNO(config_number(bad[i], 1, 100, &v), EINVAL);
        ck_assert_int_eq(v, 42); /* untouched */
    }
    TL_ASSERT_ERRNO(config_number("99999999999999999999", 1, 100, &v), ERANGE);
    TL_ASSERT_ERRNO(config_number(NULL, 1, 100, &v), EINVAL);
    TL_ASSERT_ERRNO(config_number("5", 1, 100, NULL), EINVAL);
    TL_ASSERT_ERRNO(config_number("5", 9, 1, &v), EINVAL);
}
END_TEST

/* The one range table the command line and the config file share. */
START_TEST(test_number_option)
{
    long long v = -7;
    const char *what = NULL;
    ck_assert_int_eq(config_number_option("queue-depth", "12", &v, &what), 0);
    ck_assert_int_eq(v, 12);
    ck_assert_int_eq(config_number_option("journal-max-records", "0", &v, &what), 0);
    ck_assert_int_eq(v, 0);
    v = 42;
    ck_assert_int_eq(config_number_option("queue-depth", "0", &v, &what), -1);
    ck_assert_str_eq(what, "not 1..1000000");
    ck_assert_int_eq(v, 42); /* untouched */
    ck_assert_int_eq(config_number_option("journal-max-records", "15", &v, &what), -1);
    ck_assert_str_eq(what, "not 0 or 16 and more");
    ck_assert_int_eq(config_number_option("kill-grace", "3601", &v, &what), -1);
    ck_assert_str_eq(what, "not 0..3600 seconds");
    ck_assert_int_eq(config_number_option("load", "x", &v, &what), 1); /* not numeric */
    TL_ASSERT_ERRNO(config_number_option(NULL, "1", &v, &what), EINVAL);
    TL_ASSERT_ERRNO(config_number_option("contexts", NULL, &v, &what), EINVAL);
    TL_ASSERT_ERRNO(config_number_option("contexts", "1", NULL, &what), EINVAL);
    TL_ASSERT_ERRNO(config_number_option("contexts", "1", &v, NULL), EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_scalars_and_queues);
    tcase_add_test(tc, test_bad_files);
    tcase_add_test(tc, test_bad_values);
    tcase_add_test(tc, test_queue_spec);
    tcase_add_test(tc, test_number);
    tcase_add_test(tc, test_number_option);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
