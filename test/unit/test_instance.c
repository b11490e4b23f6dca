/* Unit tests for daemon/instance (the parent's side of nested instances):
 * recognising instance jobs, wrapping their command, the instance.register
 * method and the job annotation.  instance.c is compiled in alone; this
 * file provides the one jobs.c function it calls, inst_job(). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/instance.h"

static struct job jobs[4];
static struct instance inst;

struct job *inst_job(struct instance *in, int64_t id)
{
    (void)in;
    return id >= 1 && id <= 4 && jobs[id - 1].id == id ? &jobs[id - 1] : NULL;
}

static json_t *spec_with(json_t *instance_attr)
{
    json_t *sys = json_object();
    if (instance_attr)
        json_object_set_new(sys, "instance", instance_attr);
    return json_pack("{s:{s:o}}", "attributes", "system", sys);
}

/* Job 1: not an instance; 2: instance (true), running; 3: instance with
 * options, pending; 4: instance:false. */
static void setup(void)
{
    memset(&inst, 0, sizeof inst);
    inst.owner = 1000;
    json_t *specs[4] = {spec_with(NULL), spec_with(json_true()),
                        spec_with(json_pack("{s:[s,s]}", "options", "--queue-policy=easy",
                                            "--match-policy=low")),
                        spec_with(json_false())};
    enum job_state st[4] = {JOB_RUN, JOB_RUN, JOB_PENDING, JOB_RUN};
    for (int i = 0; i < 4; i++)
        jobs[i] = (struct job){.id = i + 1, .uid = 1000, .spec = specs[i], .state = st[i]};
}

static void teardown(void)
{
    for (int i = 0; i < 4; i++)
        json_decref(jobs[i].spec);
}

START_TEST(test_is_instance)
{
    ck_assert(!instance_job_is_instance(NULL));
    ck_assert(!instance_job_is_instance(&jobs[0]));
    ck_assert(instance_job_is_instance(&jobs[1]));
    ck_assert(instance_job_is_instance(&jobs[2]));
    ck_assert(!instance_job_is_instance(&jobs[3]));
    struct job nospec = {.id = 9};
    ck_assert(!instance_job_is_instance(&nospec));
}
END_TEST

static char **argv_of(const char *a, const char *b)
{
    char **v = calloc(3, sizeof *v);
    v[0] = (char *)a;
    v[1] = (char *)b;
    return v;
}

START_TEST(test_wrap_bad_params)
{
    char **v = argv_of("true", NULL);
    errno = 0;
    ck_assert_int_eq(instance_wrap_argv(NULL, &jobs[1], &v), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(instance_wrap_argv(&inst, NULL, &v), -1);
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[1], NULL), -1);
    char **none = NULL;
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[1], &none), -1);
    ck_assert_str_eq(v[0], "true"); /* unchanged on failure */
    free(v);
}
END_TEST

START_TEST(test_wrap_plain_job_unchanged)
{
    char **v = argv_of("sleep", "1");
    char **before = v;
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[0], &v), 0);
    ck_assert_ptr_eq(v, before);
    free(v);
}
END_TEST

START_TEST(test_wrap_instance)
{
    char **v = argv_of("./script", "arg");
    jobs[2].noexec = true;
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[2], &v), 0);
    const char *want[] = {"instance-run", "--noexec", "--grace", "10", "--queue-policy=easy",
                          "--match-policy=low", "--", "./script", "arg"};
    ck_assert(strstr(v[0], "strata") != NULL);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_str_eq(v[i + 1], want[i]);
    ck_assert_ptr_null(v[10]);
    ck_assert(!jobs[2].noexec); /* the instance itself runs */
    free(v);
    /* Without noexec anywhere: no --noexec. */
    v = argv_of("x", NULL);
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[1], &v), 0);
    ck_assert_str_eq(v[1], "instance-run");
    ck_assert_str_eq(v[2], "--grace");
    ck_assert_str_eq(v[3], "10");
    ck_assert_str_eq(v[4], "--");
    ck_assert_str_eq(v[5], "x");
    ck_assert_ptr_null(v[6]);
    free(v);
    /* A prefix: "--prefix WORD" per word, before the options. */
    json_t *sys = json_object_get(json_object_get(jobs[1].spec, "attributes"), "system");
    json_object_set_new(sys, "instance",
                        json_pack("{s:[s,s], s:[s]}", "prefix", "ip", "ns", "options", "-Qeasy"));
    v = argv_of("x", NULL);
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[1], &v), 0);
    const char *want2[] = {"instance-run", "--grace", "10", "--prefix", "ip", "--prefix", "ns",
                           "-Qeasy", "--", "x"};
    for (size_t i = 0; i < sizeof want2 / sizeof *want2; i++)
        ck_assert_str_eq(v[i + 1], want2[i]);
    ck_assert_ptr_null(v[11]);
    free(v);
    /* Interactive with a grace: --hold, the grace as given. */
    json_object_set_new(sys, "instance", json_pack("{s:b, s:f}", "interactive", 1, "grace", 2.5));
    v = argv_of("sh", NULL);
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[1], &v), 0);
    const char *want3[] = {"instance-run", "--hold", "--grace", "2.5", "--", "sh"};
    for (size_t i = 0; i < sizeof want3 / sizeof *want3; i++)
        ck_assert_str_eq(v[i + 1], want3[i]);
    ck_assert_ptr_null(v[7]);
    free(v);
    /* A --noexec instance passes it on. */
    inst.opts.noexec = true;
    v = argv_of("x", NULL);
    ck_assert_int_eq(instance_wrap_argv(&inst, &jobs[1], &v), 0);
    ck_assert_str_eq(v[2], "--noexec");
    free(v);
}
END_TEST

/* The signature of the instance.* request handlers. */
typedef int method_fn(struct instance *, json_t *, uint32_t, void *, json_t **,
                      struct st_error *);

/* Call method on inst with params given as JSON text. */
static int call(method_fn *method, uint32_t uid, const char *params, json_t **res,
                struct st_error *err)
{
    json_t *p = json_loads(params, 0, NULL);
    ck_assert_ptr_nonnull(p);
    *res = NULL;
    int rc = method(&inst, p, uid, NULL, res, err);
    json_decref(p);
    return rc;
}

static int reg(uint32_t uid, const char *params, json_t **res, struct st_error *err)
{
    return call(instance_method_register, uid, params, res, err);
}

struct refusal {
    uint32_t uid;
    const char *params;
    int errnum;
};

/* A NULL instance or result pointer is EINVAL; then each case fails with
 * its errno and a message, gives no result and stores nothing. */
static void assert_refusals(method_fn *method, const struct refusal *cases, size_t n)
{
    struct st_error e = {{0}};
    json_t *r = NULL;
    errno = 0;
    ck_assert_int_eq(method(NULL, NULL, 0, NULL, &r, &e), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(method(&inst, NULL, 1000, NULL, NULL, &e), -1);
    ck_assert_int_eq(errno, EINVAL);
    for (size_t i = 0; i < n; i++) {
        struct st_error err = {{0}};
        json_t *res = NULL;
        errno = 0;
        ck_assert_msg(call(method, cases[i].uid, cases[i].params, &res, &err) == -1, "%s",
                      cases[i].params);
        ck_assert_int_eq(errno, cases[i].errnum);
        ck_assert(err.text[0] != '\0');
        ck_assert_ptr_null(res);
        ck_assert_ptr_null(instance_child_uri(2)); /* nothing stored */
    }
}

START_TEST(test_register_refusals)
{
    static const struct refusal cases[] = {
        {1000, "{}", EINVAL},
        {1000, "{\"id\": 2}", EINVAL},
        {1000, "{\"id\": \"2\", \"uri\": \"ipc:///x\"}", EINVAL},
        {1000, "{\"id\": 2, \"uri\": \"\"}", EINVAL},
        {1000, "{\"id\": 2, \"uri\": \"ipc:///x\", \"statedir\": 5}", EINVAL},
        {1000, "{\"id\": 2, \"uri\": \"ipc:///x\", \"pid\": \"1\"}", EINVAL},
        {1000, "{\"id\": 7, \"uri\": \"ipc:///x\"}", ENOENT},
        {2000, "{\"id\": 2, \"uri\": \"ipc:///x\"}", EPERM},
        {1000, "{\"id\": 1, \"uri\": \"ipc:///x\"}", EINVAL},
        {1000, "{\"id\": 3, \"uri\": \"ipc:///x\"}", EBUSY},
    };
    assert_refusals(instance_method_register, cases, sizeof cases / sizeof *cases);
}
END_TEST

/* instance.R refuses what instance.register refuses (the same job checks),
 * and a running instance with no R yet; it gives the R of one that has it. */
START_TEST(test_R_refusals)
{
    static const struct refusal cases[] = {
        {1000, "{}", EINVAL},
        {1000, "{\"id\": \"2\"}", EINVAL},
        {1000, "{\"id\": 7}", ENOENT},
        {2000, "{\"id\": 2}", EPERM},
        {1000, "{\"id\": 1}", EINVAL},
        {1000, "{\"id\": 3}", EBUSY},
        {1000, "{\"id\": 2}", EBUSY}, /* running, no R */
    };
    assert_refusals(instance_method_R, cases, sizeof cases / sizeof *cases);
    struct st_error err = {{0}};
    json_t *res = NULL;
    char R[] = "{\"version\": 1}";
    jobs[1].R = R;
    ck_assert_int_eq(call(instance_method_R, 1000, "{\"id\": 2}", &res, &err), 0);
    ck_assert_str_eq(json_string_value(json_object_get(res, "R")), R);
    json_decref(res);
    jobs[1].R = NULL;
}
END_TEST

/* instance_job_live: bad arguments, the method named in an id error, and
 * the running instance job with its R. */
START_TEST(test_job_live)
{
    struct st_error err = {{0}};
    json_t *p = json_pack("{s:i}", "id", 2);
    errno = 0;
    ck_assert_ptr_null(instance_job_live(NULL, p, 1000, "instance.grow", &err));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(instance_job_live(&inst, NULL, 1000, "instance.grow", &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_str_eq(err.text, "instance.grow: needs an integer \"id\"");
    ck_assert_ptr_null(instance_job_live(&inst, NULL, 1000, NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(instance_job_live(&inst, p, 1000, "x", &err)); /* no R yet */
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_str_eq(err.text, "job 2 is not running");
    char R[] = "{}";
    jobs[1].R = R;
    ck_assert_ptr_eq(instance_job_live(&inst, p, 1000, "x", &err), &jobs[1]);
    ck_assert_ptr_null(instance_job_live(&inst, p, 2000, "x", &err));
    ck_assert_int_eq(errno, EPERM);
    jobs[1].R = NULL;
    json_decref(p);
}
END_TEST

START_TEST(test_register_and_annotate)
{
    struct st_error err = {{0}};
    json_t *res = NULL;
    ck_assert_ptr_null(instance_child_uri(4));
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///a/rpc\", \"statedir\": \"/a\","
                               " \"pid\": 42}", &res, &err), 0);
    ck_assert(json_is_object(res));
    json_decref(res);
    ck_assert_str_eq(instance_child_uri(2), "ipc:///a/rpc");
    json_t *o = json_object();
    instance_job_annotate(&jobs[1], o);
    ck_assert(json_is_true(json_object_get(o, "instance")));
    ck_assert_str_eq(json_string_value(json_object_get(o, "uri")), "ipc:///a/rpc");
    ck_assert_str_eq(json_string_value(json_object_get(o, "statedir")), "/a");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "child_pid")), 42);
    json_decref(o);
    /* The instance owner may register too (uid 0 is not the owner here:
     * owner is 1000); a second registration replaces the first. */
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///b/rpc\"}", &res, &err), 0);
    json_decref(res);
    ck_assert_str_eq(instance_child_uri(2), "ipc:///b/rpc");
    o = json_object();
    instance_job_annotate(&jobs[1], o);
    ck_assert_ptr_null(json_object_get(o, "statedir"));
    json_decref(o);
}
END_TEST

START_TEST(test_annotate_bad_params)
{
    json_t *o = json_object();
    instance_job_annotate(NULL, o);
    instance_job_annotate(&jobs[1], NULL);
    instance_job_annotate(&jobs[0], o); /* not an instance: nothing added */
    ck_assert_int_eq(json_object_size(o), 0);
    instance_job_annotate(&jobs[2], o); /* an instance not registered yet */
    ck_assert_int_eq(json_object_size(o), 1);
    ck_assert_ptr_null(json_object_get(o, "uri"));
    json_decref(o);
    ck_assert_ptr_null(instance_child_uri(-1));
}
END_TEST

START_TEST(test_grace)
{
    ck_assert(instance_job_grace(NULL) == INSTANCE_GRACE_DEFAULT);
    ck_assert(instance_job_grace(&jobs[0]) == INSTANCE_GRACE_DEFAULT); /* not an instance */
    ck_assert(instance_job_grace(&jobs[1]) == INSTANCE_GRACE_DEFAULT); /* instance: true */
    json_t *sys = json_object_get(json_object_get(jobs[1].spec, "attributes"), "system");
    static const struct {
        const char *attr;
        double want;
    } cases[] = {
        {"{\"grace\": 3}", 3},     {"{\"grace\": 0.5}", 0.5}, {"{\"grace\": 0}", 0},
        {"{\"grace\": -4}", 0},    {"{\"grace\": 1e9}", 86400},
        {"{\"grace\": \"5\"}", INSTANCE_GRACE_DEFAULT}, /* not a number: the default */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object_set_new(sys, "instance", json_loads(cases[i].attr, 0, NULL));
        ck_assert_msg(instance_job_grace(&jobs[1]) == cases[i].want, "%s", cases[i].attr);
    }
}
END_TEST

/* After a restart: a job awaits its child; only a reconnecting child with
 * its wrapper pid adopts it; then the wrapper is the job's task. */
START_TEST(test_adoption)
{
    struct st_error err = {{0}};
    json_t *res = NULL;
    double until = 0;
    int64_t wrapper = 0;
    ck_assert_int_eq(instance_child_state(2, &until, &wrapper), INSTANCE_CHILD_NONE);
    ck_assert_int_eq(instance_child_state(-5, NULL, NULL), INSTANCE_CHILD_NONE);
    /* A reconnect nobody awaits is refused. */
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///a\", \"wrapper\": 77, "
                               "\"reconnect\": true}", &res, &err), -1);
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_int_eq(instance_children_watched(), 0);
    ck_assert_int_eq(instance_child_expect(2, 123.5), 0);
    ck_assert_int_eq(instance_children_watched(), 1);
    ck_assert_int_eq(instance_child_state(2, &until, NULL), INSTANCE_CHILD_AWAITING);
    ck_assert(until == 123.5);
    ck_assert_ptr_null(instance_child_uri(2));
    /* Awaiting: the wrapper pid is required, and must be a pid. */
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///a\", \"reconnect\": true}", &res,
                         &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///a\", \"wrapper\": 1}", &res, &err),
                     -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///a\", \"reconnect\": 1}", &res,
                         &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(instance_child_state(2, NULL, NULL), INSTANCE_CHILD_AWAITING);
    jobs[1].ntasks = 2;
    ck_assert_int_eq(reg(1000, "{\"id\": 2, \"uri\": \"ipc:///a\", \"wrapper\": 77, "
                               "\"reconnect\": true}", &res, &err), 0);
    json_decref(res);
    ck_assert_int_eq(instance_child_state(2, &until, &wrapper), INSTANCE_CHILD_ADOPTED);
    ck_assert_int_eq(wrapper, 77);
    ck_assert_str_eq(instance_child_uri(2), "ipc:///a");
    ck_assert_ptr_nonnull(jobs[1].pids);
    ck_assert_int_eq(jobs[1].pids[0], 77);
    ck_assert_int_eq(jobs[1].nlive, 1);
    /* Released (the job ended): an ordinary registration again. */
    instance_child_release(2);
    instance_child_release(99); /* unknown: no-op */
    ck_assert_int_eq(instance_child_state(2, NULL, NULL), INSTANCE_CHILD_NONE);
    ck_assert_int_eq(instance_children_watched(), 0);
    ck_assert_str_eq(instance_child_uri(2), "ipc:///a");
    free(jobs[1].pids);
    jobs[1].pids = NULL;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("instance");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_is_instance);
    tcase_add_test(tc, test_wrap_bad_params);
    tcase_add_test(tc, test_wrap_plain_job_unchanged);
    tcase_add_test(tc, test_wrap_instance);
    tcase_add_test(tc, test_register_refusals);
    tcase_add_test(tc, test_R_refusals);
    tcase_add_test(tc, test_job_live);
    tcase_add_test(tc, test_register_and_annotate);
    tcase_add_test(tc, test_annotate_bad_params);
    tcase_add_test(tc, test_grace);
    tcase_add_test(tc, test_adoption);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
