/* Unit tests for building jobspecs from a command shape and parsing durations. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/cli.h"
#include "jobspec/jobspec.h"
#include "test/unit/testlib.h"

static const char *const cmd[] = {"sleep", "120", NULL};

/* ---- durations ---- */

static const struct {
    const char *text;
    double seconds; /* < 0: invalid */
} durations[] = {
    {"30s", 30},  {"2m", 120}, {"1.5h", 5400}, {"1d", 86400}, {"45", 45},
    {"0.5", 0.5}, {"0", 0},    {"100ms", 0.1}, {".5m", 30},   {"", -1},
    {"abc", -1},  {"-1", -1},  {"1x", -1},     {"inf", -1},   {"nan", -1},
    {"0x10", -1}, {"1 m", -1}, {"m", -1},      {"1e400", -1}, {"2mm", -1},
};

START_TEST(test_duration)
{
    double d = -42;
    errno = 0;
    int rc = jobspec_parse_duration(durations[_i].text, &d);
    if (durations[_i].seconds < 0) {
        ck_assert_msg(rc == -1, "\"%s\" accepted as %g", durations[_i].text, d);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert(d == -42); /* untouched on failure */
    } else {
        ck_assert_msg(rc == 0, "\"%s\" rejected", durations[_i].text);
        ck_assert_msg(fabs(d - durations[_i].seconds) < 1e-9, "\"%s\" -> %g",
                      durations[_i].text, d);
    }
}
END_TEST

/* ---- shapes ---- */

/* Expected layout: without nodes, slot[ntasks] -> core[c] (+ gpu[g]); with
 * nodes, node[N] -> slot[ceil(n/N)] -> core[c] (+ gpu[g]). */
static const struct {
    int nodes, ntasks, cores, gpus;
    unsigned long top_count, slot_count;
    int task_total; /* 0: per_slot 1, else total */
} shapes[] = {
    {0, 1, 1, 0, 1, 1, 0},   {0, 4, 2, 0, 4, 4, 0}, {0, 3, 1, 2, 3, 3, 0},
    {2, 4, 2, 0, 2, 2, 0},   {2, 3, 1, 0, 2, 2, 3}, {4, 4, 1, 1, 4, 1, 0},
    {3, 10, 1, 0, 3, 4, 10}, {2, 0, 0, 0, 2, 1, 0}, /* -N2 alone: a task per node */
    {0, 0, 0, 0, 1, 1, 0},                          /* all defaults */
};

START_TEST(test_shape_layout)
{
    struct jobspec_shape s = {.nodes = shapes[_i].nodes,
                              .ntasks = shapes[_i].ntasks,
                              .cores_per_task = shapes[_i].cores,
                              .gpus_per_task = shapes[_i].gpus,
                              .argv = cmd};
    struct st_error err = {""};
    jobspec_t *js = jobspec_from_shape(&s, &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_uint_eq(js->version, 1);
    ck_assert_uint_eq(js->nresources, 1);
    const struct js_resource *top = &js->resources[0];
    const struct js_resource *slot = top;
    ck_assert_uint_eq(top->count.min, shapes[_i].top_count);
    if (shapes[_i].nodes) {
        ck_assert_str_eq(top->type, "node");
        ck_assert_uint_eq(top->nwith, 1);
        slot = &top->with[0];
    }
    ck_assert_str_eq(slot->type, "slot");
    ck_assert_str_eq(slot->label, "task");
    ck_assert_uint_eq(slot->count.min, shapes[_i].slot_count);
    ck_assert_uint_eq(slot->count.max, shapes[_i].slot_count);
    ck_assert_uint_eq(slot->nwith, shapes[_i].gpus ? 2 : 1);
    ck_assert_str_eq(slot->with[0].type, "core");
    ck_assert_uint_eq(slot->with[0].count.min, shapes[_i].cores ? shapes[_i].cores : 1);
    if (shapes[_i].gpus) {
        ck_assert_str_eq(slot->with[1].type, "gpu");
        ck_assert_uint_eq(slot->with[1].count.min, shapes[_i].gpus);
    }
    ck_assert_uint_eq(js->ntasks, 1);
    const struct js_task *t = &js->tasks[0];
    ck_assert_str_eq(t->slot, "task");
    ck_assert_uint_eq(t->ncommand, 2);
    ck_assert_str_eq(t->command[0], "sleep");
    ck_assert_str_eq(t->command[1], "120");
    if (shapes[_i].task_total) {
        ck_assert_int_eq(t->count_kind, JS_TASK_TOTAL);
        ck_assert_uint_eq(t->count, shapes[_i].task_total);
    } else {
        ck_assert_int_eq(t->count_kind, JS_TASK_PER_SLOT);
        ck_assert_uint_eq(t->count, 1);
    }
    /* What is built parses back to the same tree through both emitters. */
    char *y = jobspec_to_yaml(js);
    jobspec_t *js2 = jobspec_parse_string(y, strlen(y), "built", &err);
    ck_assert_msg(js2 != NULL, "%s\n%s", err.text, y);
    ck_assert(jobspec_equal(js, js2));
    jobspec_destroy(js2);
    free(y);
    jobspec_destroy(js);
}
END_TEST

/* Shapes that cannot be satisfied by construction, and bad option values. */
static const char *const bad_requires[] = {"fo|o", NULL};
static const char *const bad_env[] = {"NOEQUALS", NULL};
static const char *const bad_setattr[] = {"system.duration.x=1", NULL};
static const char *const bad_setattr2[] = {"system.duration=\"1h\"", NULL};
static const char *const empty_argv[] = {NULL};

static const struct {
    struct jobspec_shape shape;
    const char *want;
} bad_shapes[] = {
    {{.nodes = 4, .ntasks = 2, .argv = cmd}, "cannot run 2 tasks on 4 nodes"},
    {{.nodes = -1, .argv = cmd}, "must not be negative"},
    {{.ntasks = -3, .argv = cmd}, "must not be negative"},
    {{.cores_per_task = -1, .argv = cmd}, "must not be negative"},
    {{.gpus_per_task = -2, .argv = cmd}, "must not be negative"},
    {{.duration = -5, .argv = cmd}, "duration must be >= 0"},
    {{.duration = NAN, .argv = cmd}, "duration must be >= 0"},
    {{.argv = NULL}, "a command is required"},
    {{.argv = empty_argv}, "a command is required"},
    {{.requires = bad_requires, .argv = cmd}, "--requires fo|o: invalid property name"},
    {{.env = bad_env, .argv = cmd}, "--env NOEQUALS: expected NAME=VALUE"},
    {{.setattr = bad_setattr, .argv = cmd},
     "--setattr system.duration.x: duration is not a mapping"},
    {{.setattr = bad_setattr2, .argv = cmd}, "attributes.system.duration must be a number"},
};

START_TEST(test_shape_errors)
{
    struct st_error err = {""};
    errno = 0;
    jobspec_t *js = jobspec_from_shape(&bad_shapes[_i].shape, &err);
    ck_assert_msg(js == NULL, "case %d accepted", _i);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err.text, bad_shapes[_i].want) != NULL,
                  "case %d: got \"%s\" want \"%s\"", _i, err.text, bad_shapes[_i].want);
}
END_TEST

/* A rule the built jobspec breaks is reported by its field alone: the
 * line and column of the internal JSON text mean nothing to a user. */
START_TEST(test_shape_error_no_location)
{
    static const char *const bad_host[] = {"host:foo[", NULL};
    static const char *const bad_rank[] = {"rank:a-b", NULL};
    static const struct {
        struct jobspec_shape shape;
        const char *want;
    } cases[] = {
        {{.queue = "", .argv = cmd}, "attributes.system.queue must not be empty"},
        {{.requires = bad_host, .argv = cmd},
         "attributes.system.constraints.hostlist[0] is not a valid hostlist: \"foo[\""},
        {{.requires = bad_rank, .argv = cmd},
         "attributes.system.constraints.ranks[0] is not a valid rank idset: \"a-b\""},
        {{.setattr = bad_setattr2, .argv = cmd}, "attributes.system.duration must be a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct st_error err = {""};
        errno = 0;
        ck_assert_ptr_null(jobspec_from_shape(&cases[i].shape, &err));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(strncmp(err.text, cases[i].want, strlen(cases[i].want)) == 0,
                      "case %zu: got \"%s\" want \"%s...\"", i, err.text, cases[i].want);
    }
    /* no err buffer: still refused */
    TL_ASSERT_NULL_ERRNO(jobspec_from_shape(&cases[0].shape, NULL), EINVAL);
}
END_TEST

START_TEST(test_shape_attributes)
{
    const char *const requires[] = {"foo,^bar", "host:node[0-3]", "rank:0-1", NULL};
    const char *const setattr[] = {"user.project=\"abc\"", "mykey=3", "user.flag",
                                   "attributes.system.x.y=[1,2]", NULL};
    const char *const env[] = {"HOME=/home/u", "EMPTY=", NULL};
    struct jobspec_shape s = {.nodes = 2,
                              .ntasks = 4,
                              .duration = 90.5,
                              .exclusive = true,
                              .queue = "debug",
                              .requires = requires,
                              .setattr = setattr,
                              .env = env,
                              .argv = cmd};
    struct st_error err = {""};
    jobspec_t *js = jobspec_from_shape(&s, &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_int_eq(js->resources[0].exclusive, JS_EXCL_TRUE);
    ck_assert_int_eq(js->resources[0].with[0].exclusive, JS_EXCL_UNSET);
    ck_assert(js->duration == 90.5);
    ck_assert_int_eq(jobspec_duration_seconds(js), 91);
    ck_assert_str_eq(js->queue, "debug");
    ck_assert_str_eq(json_string_value(json_object_get(js->environment, "HOME")), "/home/u");
    ck_assert_str_eq(json_string_value(json_object_get(js->environment, "EMPTY")), "");
    const struct js_constraint *c = js->constraint;
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->op, JS_C_AND);
    ck_assert_uint_eq(c->nargs, 3);
    ck_assert_int_eq(c->args[0].op, JS_C_PROPERTIES);
    ck_assert_uint_eq(c->args[0].nvalues, 2);
    ck_assert_str_eq(c->args[0].values[1], "^bar");
    ck_assert_int_eq(c->args[1].op, JS_C_HOSTLIST);
    ck_assert_str_eq(c->args[1].values[0], "node[0-3]");
    ck_assert_int_eq(c->args[2].op, JS_C_RANKS);
    json_t *user = json_object_get(js->attributes, "user");
    ck_assert_str_eq(json_string_value(json_object_get(user, "project")), "abc");
    ck_assert_int_eq(json_integer_value(json_object_get(user, "flag")), 1);
    json_t *sys = json_object_get(js->attributes, "system");
    ck_assert_int_eq(json_integer_value(json_object_get(sys, "mykey")), 3);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(sys, "x"), "y")), 2);
    jobspec_destroy(js);

    /* Without nodes, --exclusive marks the slot; one property needs no "and". */
    const char *const one[] = {"gpu", NULL};
    struct jobspec_shape s2 = {.ntasks = 2, .exclusive = true, .requires = one, .argv = cmd};
    js = jobspec_from_shape(&s2, &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_int_eq(js->resources[0].exclusive, JS_EXCL_TRUE);
    ck_assert_int_eq(js->constraint->op, JS_C_PROPERTIES);
    ck_assert(js->duration == 0);
    ck_assert_ptr_null(js->queue);
    ck_assert_ptr_null(js->environment);
    jobspec_destroy(js);
}
END_TEST

START_TEST(test_badparam)
{
    struct st_error err = {""};
    TL_ASSERT_NULL_ERRNO(jobspec_from_shape(NULL, &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(jobspec_from_shape(NULL, NULL), EINVAL);
    double d = 7;
    TL_ASSERT_ERRNO(jobspec_parse_duration(NULL, &d), EINVAL);
    TL_ASSERT_ERRNO(jobspec_parse_duration("1m", NULL), EINVAL);
    ck_assert(d == 7);
    /* A NULL error buffer is allowed on failing shapes too. */
    struct jobspec_shape s = {.nodes = 3, .ntasks = 1, .argv = cmd};
    ck_assert_ptr_null(jobspec_from_shape(&s, NULL));
    const char *const bad[] = {"x=1", "x.y=2", NULL};
    struct jobspec_shape s2 = {.setattr = bad, .argv = cmd};
    ck_assert_ptr_null(jobspec_from_shape(&s2, NULL));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* The shared command-line options: every option lands in the shape, the
 * jobspec built from them is the one jobspec_from_shape gives. */
START_TEST(test_cli_options)
{
    struct jobspec_cli c = {0};
    struct st_error err = {""};
    const struct {
        int opt;
        const char *arg;
    } in[] = {
        {'N', "2"}, {'n', "4"}, {'c', "3"}, {'g', "0"}, {'t', "1.5m"},
        {JOBSPEC_CLI_EXCLUSIVE, NULL}, {JOBSPEC_CLI_QUEUE, "debug"},
        {JOBSPEC_CLI_REQUIRES, "foo"}, {JOBSPEC_CLI_REQUIRES, "rank:0-1"},
        {JOBSPEC_CLI_SETATTR, "user.k=1"}, {JOBSPEC_CLI_ENV, "A=b"},
    };
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        ck_assert_int_eq(jobspec_cli_option(&c, in[i].opt, in[i].arg, &err), 1);
    ck_assert_int_eq(c.shape.nodes, 2);
    ck_assert_int_eq(c.shape.ntasks, 4);
    ck_assert_int_eq(c.shape.cores_per_task, 3);
    ck_assert(c.shape.duration == 90);
    ck_assert(c.shape.exclusive);
    ck_assert_uint_eq(c.requires.n, 2);
    ck_assert_ptr_null(c.requires.v[2]);
    /* not a shape option: left to the tool */
    ck_assert_int_eq(jobspec_cli_option(&c, 'q', NULL, &err), 0);

    jobspec_t *js = jobspec_cli_build(&c, cmd, NULL, &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_int_eq(js->constraint->op, JS_C_AND);
    ck_assert_str_eq(json_string_value(json_object_get(js->environment, "A")), "b");
    jobspec_destroy(js);
    /* an explicit environment replaces the --env entries */
    const char *const env[] = {"B=c", NULL};
    js = jobspec_cli_build(&c, cmd, env, &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_ptr_null(json_object_get(js->environment, "A"));
    ck_assert_str_eq(json_string_value(json_object_get(js->environment, "B")), "c");
    jobspec_destroy(js);
    jobspec_cli_clear(&c);
    ck_assert_ptr_null(c.requires.v);
    ck_assert_int_eq(c.shape.nodes, 0);
}
END_TEST

/* Bad values: an error naming the option, nothing changed. */
START_TEST(test_cli_errors)
{
    const struct {
        int opt;
        const char *arg, *want;
    } bad[] = {
        {'N', "0", "-N: count must be >= 1"},
        {'n', "x", "-n: invalid count \"x\""},
        {'c', "2x", "-c: invalid count"},
        {'c', "", "-c: invalid count"},
        {'g', "-1", "-g: invalid count"},
        {'N', "1000000001", "-N: invalid count"},
        {'N', "99999999999999999999", "-N: invalid count"},
        {'N', NULL, "-N: invalid count"},
        {'t', "5y", "-t: invalid duration \"5y\""},
        {'t', "-1", "-t: invalid duration"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct jobspec_cli c = {.shape = {.nodes = 7, .ntasks = 7, .cores_per_task = 7,
                                          .gpus_per_task = 7, .duration = 7}};
        struct st_error err = {""};
        TL_ASSERT_ERRNO(jobspec_cli_option(&c, bad[i].opt, bad[i].arg, &err), EINVAL);
        ck_assert_msg(strstr(err.text, bad[i].want), "%s: %s", bad[i].want, err.text);
        ck_assert(c.shape.nodes == 7 && c.shape.ntasks == 7 && c.shape.cores_per_task == 7 &&
                  c.shape.gpus_per_task == 7 && c.shape.duration == 7);
    }
    /* the largest count is accepted */
    struct jobspec_cli c = {0};
    ck_assert_int_eq(jobspec_cli_option(&c, 'n', "1000000000", NULL), 1);
    ck_assert_int_eq(c.shape.ntasks, JOBSPEC_CLI_MAX_COUNT);
    /* a shape that cannot be built is reported by build */
    struct st_error err = {""};
    ck_assert_int_eq(jobspec_cli_option(&c, 'N', "2000", &err), 1);
    ck_assert_int_eq(jobspec_cli_option(&c, 'n', "3", &err), 1);
    ck_assert_ptr_null(jobspec_cli_build(&c, cmd, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.text, "more nodes than tasks"));
    ck_assert_ptr_null(jobspec_cli_build(NULL, cmd, NULL, &err));
    ck_assert_int_eq(errno, EINVAL);
    struct jobspec_strv sv = {0};
    TL_ASSERT_ERRNO(jobspec_strv_push(&sv, NULL), EINVAL);
    ck_assert_int_eq(jobspec_strv_push(NULL, "x"), -1);
    jobspec_strv_clear(NULL);
    jobspec_cli_clear(NULL);
}
END_TEST

static Suite *shape_suite(void)
{
    Suite *s = suite_create("jobspec_shape");
    TCase *tc = tcase_create("shape");
    tcase_add_loop_test(tc, test_duration, 0, sizeof(durations) / sizeof(durations[0]));
    tcase_add_loop_test(tc, test_shape_layout, 0, sizeof(shapes) / sizeof(shapes[0]));
    tcase_add_loop_test(tc, test_shape_errors, 0, sizeof(bad_shapes) / sizeof(bad_shapes[0]));
    tcase_add_test(tc, test_shape_error_no_location);
    tcase_add_test(tc, test_shape_attributes);
    tcase_add_test(tc, test_badparam);
    tcase_add_test(tc, test_cli_options);
    tcase_add_test(tc, test_cli_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(shape_suite());
}
