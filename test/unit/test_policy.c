/* Unit tests for policy/: the registry, custom policy strings, plugin
 * loading and the shared score functions. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "test/unit/testlib.h"

struct flags {
    const char *name;
    bool high, node_centric, node_exclusive, stop_on_first, locality;
};

static const struct flags builtin[] = {
    {"first", true, true, false, true, false},
    {"firstnodex", true, true, true, true, false},
    {"high", true, false, false, false, false},
    {"low", false, false, false, false, false},
    {"hinode", true, true, false, false, false},
    {"lonode", false, true, false, false, false},
    {"hinodex", true, true, true, false, false},
    {"lonodex", false, true, true, false, false},
    {"locality", true, false, false, false, true},
    {"variation", false, false, false, false, false},
};

static void check_flags(const struct match_policy *p, const struct flags *f)
{
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->abi, POLICY_ABI_VERSION);
    ck_assert(p->score != NULL);
    ck_assert_int_eq(p->high, f->high);
    ck_assert_int_eq(p->node_centric, f->node_centric);
    ck_assert_int_eq(p->node_exclusive, f->node_exclusive);
    ck_assert_int_eq(p->stop_on_first, f->stop_on_first);
    ck_assert_int_eq(p->locality, f->locality);
}

START_TEST(test_builtin_lookup)
{
    const struct flags *f = &builtin[_i];
    const struct match_policy *p = policy_lookup(f->name);
    check_flags(p, f);
    ck_assert_str_eq(p->name, f->name);
    policy_t *pc = policy_create(f->name, NULL);
    ck_assert_ptr_nonnull(pc);
    check_flags(policy_ops(pc), f);
    ck_assert_str_eq(policy_ops(pc)->name, f->name);
    policy_destroy(pc);
}
END_TEST

START_TEST(test_names_listed)
{
    const char *const *names = policy_names();
    int n = 0;
    for (; names[n]; n++)
        ck_assert_ptr_nonnull(policy_lookup(names[n]));
    ck_assert_int_eq(n, (int) (sizeof(builtin) / sizeof(builtin[0])));
}
END_TEST

static const struct {
    const char *spec;
    struct flags f;
} customs[] = {
    {"policy=high node_centric=true stop_on_1_matches=true",
     {"custom", true, true, false, true, false}},
    {"policy=low node_centric=true node_exclusive=true",
     {"custom", false, true, true, false, false}},
    {"policy=high", {"custom", true, false, false, false, false}},
    {"node_exclusive=true", {"custom", true, false, true, false, false}},
    {"policy=low stop_on_1_matches=false", {"custom", false, false, false, false, false}},
    /* newer Fluxion's spelling of the direction (t3037) */
    {"high=true node_centric=true node_exclusive=true",
     {"custom", true, true, true, false, false}},
    {"low=true node_centric=true node_exclusive=true",
     {"custom", false, true, true, false, false}},
    {"high=false", {"custom", false, false, false, false, false}},
    {"low=false", {"custom", true, false, false, false, false}},
};

START_TEST(test_custom)
{
    struct st_error err = {{0}};
    policy_t *p = policy_create(customs[_i].spec, &err);
    ck_assert_msg(p != NULL, "%s: %s", customs[_i].spec, err.text);
    check_flags(policy_ops(p), &customs[_i].f);
    policy_destroy(p);
}
END_TEST

static const char *const bad_specs[] = {
    "",
    "nosuchpolicy",
    "policy=medium",
    "node_centric=yes",
    "stop_on_1_matches",
    "set_stop_on_1_matches=true",
    "policy=high bogus=true",
    "=true",
    "high=yes",
    "low=1",
};

START_TEST(test_custom_bad)
{
    struct st_error err = {{0}};
    errno = 0;
    policy_t *p = policy_create(bad_specs[_i], &err);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err.text, "policy") != NULL, "%s", err.text);
}
END_TEST

START_TEST(test_badparam)
{
    TL_ASSERT_NULL_ERRNO(policy_lookup(NULL), EINVAL);
    TL_ASSERT_NULL_ERRNO(policy_lookup("nope"), ENOENT);
    TL_ASSERT_NULL_ERRNO(policy_create(NULL, NULL), EINVAL);
    TL_ASSERT_NULL_ERRNO(policy_ops(NULL), EINVAL);
    errno = 42;
    policy_destroy(NULL);
    ck_assert_int_eq(errno, 42);
}
END_TEST

static const char *props(const void *ctx, const char *key)
{
    (void) key;
    return ctx;
}

START_TEST(test_scores)
{
    struct policy_vertex v = {.id = 3, .uniq_id = 10, .rank = 1};
    ck_assert_int_eq(policy_score_id(&v, 0), 5);
    ck_assert_int_eq(policy_score_id(&v, 20000), 20005);
    /* perf_class: missing, valid, out of range, garbage */
    ck_assert_int_eq(policy_score_perf_class(&v, 0), 10000);
    v.property = props;
    v.ctx = "7";
    ck_assert_int_eq(policy_score_perf_class(&v, 0), 8);
    v.ctx = "10000";
    ck_assert_int_eq(policy_score_perf_class(&v, 0), 10000);
    v.ctx = "7x";
    ck_assert_int_eq(policy_score_perf_class(&v, 0), 10000);
    v.ctx = "-1";
    ck_assert_int_eq(policy_score_perf_class(&v, 0), 10000);
}
END_TEST

START_TEST(test_plugin)
{
    const char *bd = getenv("STRATA_BUILDDIR");
    ck_assert_ptr_nonnull(bd);
    char spec[4096];
    snprintf(spec, sizeof(spec), "plugin:%s/policy/libstrata_policy_example.so", bd);
    struct st_error err = {{0}};
    policy_t *p = policy_create(spec, &err);
    ck_assert_msg(p != NULL, "%s", err.text);
    const struct match_policy *ops = policy_ops(p);
    ck_assert_str_eq(ops->name, "lorank");
    ck_assert(!ops->high);
    struct policy_vertex r0 = {.id = 5, .rank = 0}, r1 = {.id = 0, .rank = 1};
    ck_assert_int_lt(ops->score(&r0, 0), ops->score(&r1, 0));
    policy_destroy(p);

    TL_ASSERT_NULL_ERRNO(policy_create("plugin:/nonexistent/lib.so", &err), ENOENT);
    /* A shared object without the entry point is refused. */
    TL_ASSERT_NULL_ERRNO(policy_create("plugin:libm.so.6", &err), EINVAL);
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_builtin_lookup, 0,
                        (int) (sizeof(builtin) / sizeof(builtin[0])));
    tcase_add_test(tc, test_names_listed);
    tcase_add_loop_test(tc, test_custom, 0, (int) (sizeof(customs) / sizeof(customs[0])));
    tcase_add_loop_test(tc, test_custom_bad, 0,
                        (int) (sizeof(bad_specs) / sizeof(bad_specs[0])));
    tcase_add_test(tc, test_badparam);
    tcase_add_test(tc, test_scores);
    tcase_add_test(tc, test_plugin);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(policy_suite());
}
