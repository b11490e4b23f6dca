/* Unit tests for the jobspec parser, validator and emitters. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "test/unit/testlib.h"

static const char *jobspec_dir(void)
{
    static char dir[1024];
    const char *conf = getenv("STRATA_CONFORMANCE");
    snprintf(dir, sizeof(dir), "%s/data/resource/jobspecs",
             conf ? conf : "../shared/conformance");
    return dir;
}

static jobspec_t *parse_str(const char *text, struct st_error *err)
{
    return jobspec_parse_string(text, strlen(text), "t.yaml", err);
}

static jobspec_t *parse_case(const char *sub, const char *file, struct st_error *err)
{
    char path[PATH_MAX + 2048];
    snprintf(path, sizeof(path), "%s/%s/%s", jobspec_dir(), sub, file);
    return jobspec_parse_file(path, err);
}

/* Parse -> emit (YAML and JSON) -> parse must give the same tree. */
static void check_round_trip(const jobspec_t *js, const char *what)
{
    struct st_error err;
    char *y = jobspec_to_yaml(js);
    ck_assert_msg(y != NULL, "%s: to_yaml failed", what);
    jobspec_t *js2 = jobspec_parse_string(y, strlen(y), "yaml", &err);
    ck_assert_msg(js2 != NULL, "%s: re-parse of YAML failed: %s\n%s", what, err.text, y);
    ck_assert_msg(jobspec_equal(js, js2), "%s: YAML round trip differs:\n%s", what, y);
    char *j = jobspec_to_json(js);
    ck_assert_msg(j != NULL, "%s: to_json failed", what);
    jobspec_t *js3 = jobspec_parse_string(j, strlen(j), "json", &err);
    ck_assert_msg(js3 != NULL, "%s: re-parse of JSON failed: %s\n%s", what, err.text, j);
    ck_assert_msg(jobspec_equal(js, js3), "%s: JSON round trip differs:\n%s", what, j);
    jobspec_destroy(js2);
    jobspec_destroy(js3);
    free(y);
    free(j);
}

/* ---- the validation corpus ---- */

static const char *const valid_files[] = {
    "attributes_properties.yaml",
    "basic.yaml",
    "constraints.yaml",
    "example1.yaml",
    "example2.yaml",
    "resource_count_min_only.yaml",
    "use_case_1.1.yaml",
    "use_case_1.2.yaml",
    "use_case_1.3.yaml",
    "use_case_1.4.yaml",
    "use_case_1.5.yaml",
    "use_case_1.6.yaml",
    "use_case_1.7.yaml",
    "use_case_1.8.yaml",
    "use_case_2.1.yaml",
    "use_case_2.2.yaml",
    "use_case_2.3.yaml",
    "use_case_2.4.yaml",
    "use_case_2.5.yaml",
    "use_case_2.6.yaml",
};

START_TEST(test_valid_case)
{
    struct st_error err = {""};
    const char *f = valid_files[_i];
    jobspec_t *js = parse_case("validation/valid", f, &err);
    ck_assert_msg(js != NULL, "%s rejected: %s", f, err.text);
    ck_assert_uint_eq(js->version, 9999);
    ck_assert_uint_ge(js->nresources, 1);
    ck_assert_uint_ge(js->ntasks, 1);
    ck_assert_ptr_nonnull(js->attributes);
    ck_assert(json_is_object(js->attributes));
    check_round_trip(js, f);
    jobspec_destroy(js);
}
END_TEST

/* Each invalid case: its expected "line:col: message" suffix after the file name. */
static const struct {
    const char *file;
    const char *where_what;
} invalid_cases[] = {
    {"attributes_bad_entry.yaml", "17:3: attributes.foo is not a valid key"},
    {"attributes_bad_properties.yaml",
     "18:21: attributes.system.constraints.properties[0] has invalid character '`'"},
    {"attributes_bad_properties2.yaml",
     "18:19: attributes.system.constraints.properties must be a sequence of strings"},
    {"attributes_bad_properties3.yaml",
     "18:21: attributes.system.constraints.properties[0] has invalid character '^'"},
    {"attributes_bad_properties4.yaml",
     "18:21: attributes.system.constraints.properties[0] has invalid character '^'"},
    {"attributes_not_mapping.yaml", "14:13: attributes must be a mapping"},
    {"invalid_yaml1.yaml", "1:9: not valid YAML or JSON: mapping values are not allowed"},
    {"missing_attributes.yaml", "1:1: attributes is required"},
    {"missing_resources.yaml", "1:1: resources is required"},
    {"missing_tasks.yaml", "1:1: tasks is required"},
    {"missing_version.yaml", "1:1: version is required"},
    {"resource_count_add_zero.yaml", "8:16: resources[0].count.operand must be >= 1"},
    {"resource_count_bad_type.yaml", "5:7: resources[0].count must be an integer or a mapping"},
    {"resource_count_exponent_min_one.yaml", "5:12: resources[0].count.min must be >= 2"},
    {"resource_count_exponent_one.yaml", "8:16: resources[0].count.operand must be >= 2"},
    {"resource_count_invalid_operator.yaml",
     "7:17: resources[0].count.operator must be one of"},
    {"resource_count_max_bad_type.yaml", "7:9: resources[0].count.max must be an integer"},
    {"resource_count_max_less_than_min.yaml",
     "6:12: resources[0].count.max must be >= min (2)"},
    {"resource_count_min_bad_type.yaml", "6:9: resources[0].count.min must be an integer"},
    {"resource_count_min_zero.yaml", "5:12: resources[0].count.min must be >= 1"},
    {"resource_count_missing_max.yaml", "5:7: resources[0].count.max is required"},
    {"resource_count_missing_min.yaml", "5:7: resources[0].count.min is required"},
    {"resource_count_missing_operand.yaml", "5:7: resources[0].count.operand is required"},
    {"resource_count_missing_operator.yaml", "5:7: resources[0].count.operator is required"},
    {"resource_count_multiply_one.yaml", "8:16: resources[0].count.operand must be >= 2"},
    {"resource_count_negative_max.yaml", "6:12: resources[0].count.max must be >= 1"},
    {"resource_count_operand_bad_type.yaml",
     "9:9: resources[0].count.operand must be an integer"},
    {"resource_count_operator_bad_type.yaml",
     "8:9: resources[0].count.operator must be one of"},
    {"resource_count_scalar_bad_value.yaml", "4:12: resources[0].count must be an integer"},
    {"resource_exclusive_invalid.yaml",
     "9:20: resources[0].with[0].exclusive must be true or false"},
    {"resource_exclusive_not_scalar.yaml", "7:7: resources[0].exclusive must be true or false"},
    {"resource_id_not_scalar.yaml", "7:7: resources[0].id must be a scalar"},
    {"resource_label_not_scalar.yaml", "6:7: resources[0].label must be a string"},
    {"resource_missing_count.yaml", "7:9: resources[0].with[0].count is required"},
    {"resource_missing_type.yaml", "7:9: resources[0].with[0].type is required"},
    {"resource_not_mapping.yaml", "3:5: resources[0] must be a mapping"},
    {"resource_slot_not_labelled.yaml", "3:5: resources[0].label is required for a slot"},
    {"resource_unit_not_scalar.yaml", "7:7: resources[0].unit must be a scalar"},
    {"resources_not_sequence.yaml", "3:3: resources must be a sequence"},
    {"task_command_not_array.yaml", "10:14: tasks[0].command must be a sequence of strings"},
    {"task_count_multiple_keys.yaml",
     "13:7: tasks[0].count must be a mapping with exactly one"},
    {"task_count_not_mapping.yaml", "12:12: tasks[0].count must be a mapping"},
    {"task_missing_command.yaml", "10:5: tasks[0].command is required"},
    {"task_missing_count.yaml", "10:5: tasks[0].count is required"},
    {"task_missing_slot.yaml", "10:5: tasks[0].slot is required"},
    {"task_not_mapping.yaml", "10:5: tasks[0] must be a mapping"},
    {"tasks_not_sequence.yaml", "10:3: tasks must be a sequence"},
    {"version_bad_number.yaml", "1:10: version must be <= 9999"},
    {"version_not_scalar.yaml", "2:3: version must be an integer"},
};

START_TEST(test_invalid_case)
{
    struct st_error err = {""};
    char path[PATH_MAX], expect[PATH_MAX + 1024];
    snprintf(path, sizeof(path), "%s/validation/invalid/%s", jobspec_dir(),
             invalid_cases[_i].file);
    errno = 0;
    jobspec_t *js = jobspec_parse_file(path, &err);
    ck_assert_msg(js == NULL, "%s accepted", invalid_cases[_i].file);
    ck_assert_int_eq(errno, EINVAL);
    snprintf(expect, sizeof(expect), "%s:%s", path, invalid_cases[_i].where_what);
    ck_assert_msg(strncmp(err.text, expect, strlen(expect)) == 0, "got  \"%s\"\nwant \"%s...\"",
                  err.text, expect);
}
END_TEST

/* The corpus holds exactly the cases listed above, so a new file cannot
 * slip through untested. */
static size_t count_dir(const char *sub)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", jobspec_dir(), sub);
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "cannot open %s", path);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] != '.')
            n++;
    }
    closedir(d);
    return n;
}

START_TEST(test_corpus_complete)
{
    ck_assert_uint_eq(count_dir("validation/valid"),
                      sizeof(valid_files) / sizeof(valid_files[0]));
    ck_assert_uint_eq(count_dir("validation/invalid"),
                      sizeof(invalid_cases) / sizeof(invalid_cases[0]));
}
END_TEST

/* Every jobspec used by the matching conformance cases parses and round-trips. */
static void walk_parse(const char *dir, int *nfiles)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "validation") == 0)
            continue;
        char path[PATH_MAX];
        if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
            continue;
        size_t len = strlen(e->d_name);
        bool is_spec = (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) ||
                       (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0);
        if (!is_spec) {
            DIR *sub = opendir(path);
            if (sub) {
                closedir(sub);
                walk_parse(path, nfiles);
            }
            continue;
        }
        struct st_error err = {""};
        jobspec_t *js = jobspec_parse_file(path, &err);
        ck_assert_msg(js != NULL, "%s rejected: %s", path, err.text);
        check_round_trip(js, path);
        jobspec_destroy(js);
        (*nfiles)++;
    }
    closedir(d);
}

START_TEST(test_all_matching_jobspecs_parse)
{
    int n = 0;
    walk_parse(jobspec_dir(), &n);
    ck_assert_int_ge(n, 100);
}
END_TEST

/* ---- tree contents ---- */

START_TEST(test_tree_example1)
{
    struct st_error err;
    jobspec_t *js = parse_case("validation/valid", "example1.yaml", &err);
    ck_assert_ptr_nonnull(js);
    ck_assert_uint_eq(js->nresources, 1);
    const struct js_resource *node = &js->resources[0];
    ck_assert_str_eq(node->type, "node");
    ck_assert_uint_eq(node->count.min, 4);
    ck_assert_uint_eq(node->count.max, 4);
    ck_assert_int_eq(node->count.op, '+');
    ck_assert_uint_eq(node->count.operand, 1);
    ck_assert_int_eq(node->exclusive, JS_EXCL_UNSET);
    ck_assert_ptr_null(node->label);
    ck_assert_uint_eq(node->nwith, 1);
    const struct js_resource *slot = &node->with[0];
    ck_assert_str_eq(slot->type, "slot");
    ck_assert_str_eq(slot->label, "default");
    ck_assert_uint_eq(slot->nwith, 1);
    ck_assert_str_eq(slot->with[0].type, "core");
    ck_assert_uint_eq(slot->with[0].count.min, 2);
    ck_assert_uint_eq(slot->with[0].nwith, 0);
    ck_assert_uint_eq(js->ntasks, 1);
    ck_assert_uint_eq(js->tasks[0].ncommand, 1);
    ck_assert_str_eq(js->tasks[0].command[0], "app");
    ck_assert_str_eq(js->tasks[0].slot, "default");
    ck_assert_int_eq(js->tasks[0].count_kind, JS_TASK_PER_SLOT);
    ck_assert_uint_eq(js->tasks[0].count, 1);
    ck_assert(js->duration == 3600.0);
    ck_assert_int_eq(jobspec_duration_seconds(js), 3600);
    ck_assert_ptr_null(js->queue);
    ck_assert_ptr_null(js->constraint);
    jobspec_destroy(js);
}
END_TEST

START_TEST(test_tree_use_cases)
{
    struct st_error err;
    jobspec_t *js = parse_case("validation/valid", "use_case_1.2.yaml", &err);
    ck_assert_ptr_nonnull(js);
    const struct js_count *c = &js->resources[0].count;
    ck_assert_uint_eq(c->min, 3);
    ck_assert_uint_eq(c->max, 30);
    ck_assert_int_eq(c->op, '+');
    ck_assert_uint_eq(c->operand, 1);
    jobspec_destroy(js);

    js = parse_case("validation/valid", "resource_count_min_only.yaml", &err);
    ck_assert_ptr_nonnull(js);
    ck_assert_uint_eq(js->resources[0].count.min, 1);
    ck_assert_uint_eq(js->resources[0].count.max, UINT32_MAX);
    jobspec_destroy(js);

    js = parse_case("validation/valid", "use_case_1.5.yaml", &err);
    ck_assert_ptr_nonnull(js);
    ck_assert_uint_eq(js->nresources, 2);
    ck_assert_str_eq(js->resources[1].type, "switch");
    ck_assert_str_eq(js->resources[0].with[0].with[0].with[0].unit, "GB");
    ck_assert_uint_eq(js->ntasks, 2);
    ck_assert_str_eq(js->tasks[1].slot, "bicore");
    ck_assert(js->duration == 14400.0);
    jobspec_destroy(js);

    js = parse_case("validation/valid", "use_case_2.2.yaml", &err);
    ck_assert_ptr_nonnull(js);
    ck_assert_int_eq(js->tasks[0].count_kind, JS_TASK_TOTAL);
    ck_assert_uint_eq(js->tasks[0].count, 5);
    jobspec_destroy(js);

    js = parse_case("validation/valid", "basic.yaml", &err);
    ck_assert_ptr_nonnull(js);
    ck_assert(json_is_object(js->attributes));
    ck_assert_uint_eq(json_object_size(js->attributes), 0);
    ck_assert(js->duration == 0);
    ck_assert_int_eq(jobspec_duration_seconds(js), 0);
    jobspec_destroy(js);
}
END_TEST

static void check_values(const struct js_constraint *c, enum js_constraint_op op, size_t n,
                         const char *v0, const char *v1)
{
    ck_assert_int_eq(c->op, op);
    ck_assert_uint_eq(c->nvalues, n);
    if (n > 0)
        ck_assert_str_eq(c->values[0], v0);
    if (n > 1)
        ck_assert_str_eq(c->values[1], v1);
}

START_TEST(test_tree_constraints)
{
    struct st_error err;
    jobspec_t *js = parse_case("validation/valid", "constraints.yaml", &err);
    ck_assert_ptr_nonnull(js);
    const struct js_constraint *c = js->constraint;
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->op, JS_C_AND);
    ck_assert_uint_eq(c->nargs, 2);
    const struct js_constraint * or = &c->args[0];
    ck_assert_int_eq(or->op, JS_C_OR);
    ck_assert_uint_eq(or->nargs, 3);
    check_values(& or->args[0], JS_C_HOSTLIST, 1, "foo", NULL);
    check_values(& or->args[1], JS_C_RANKS, 1, "0", NULL);
    check_values(& or->args[2], JS_C_PROPERTIES, 2, "bar", "baz");
    const struct js_constraint *not = &c->args[1];
    ck_assert_int_eq(not ->op, JS_C_NOT);
    ck_assert_uint_eq(not ->nargs, 1);
    check_values(&not ->args[0], JS_C_PROPERTIES, 2, "foo", "bar");
    jobspec_destroy(js);

    js = parse_case("validation/valid", "attributes_properties.yaml", &err);
    ck_assert_ptr_nonnull(js);
    check_values(js->constraint, JS_C_PROPERTIES, 1, "^foo", NULL);
    jobspec_destroy(js);
}
END_TEST

/* ---- inline inputs ---- */

#define HEAD "version: 1\nresources:\n  - type: node\n    count: 1\n"
#define TASKS "tasks:\n  - command: [app]\n    slot: s\n    count: {per_slot: 1}\n"

static const struct {
    const char *text;
    const char *want; /* NULL: valid */
} inline_cases[] = {
    /* structure */
    {HEAD TASKS "attributes: {}\nextra: 1\n", "t.yaml:10:1: extra is not a valid key"},
    {HEAD TASKS "attributes: {}\nversion: 2\n", "t.yaml:10:1: duplicate key \"version\""},
    {"- 1\n", "t.yaml:1:1: jobspec must be a mapping"},
    {"", "t.yaml:1:1: empty document"},
    {"a: &x [1]\nb: *x\n", "t.yaml:2:4: YAML aliases are not supported"},
    {"a: 1\n---\nb: 2\n", "t.yaml:2:1: only one YAML document is allowed"},
    {"version: 0\nresources: []\ntasks: []\nattributes:\n",
     "t.yaml:1:10: version must be >= 1"},
    {"version: 1\nresources: []\n" TASKS "attributes:\n",
     "t.yaml:2:12: resources must not be empty"},
    {HEAD "tasks: []\nattributes:\n", "t.yaml:5:8: tasks must not be empty"},
    /* resources */
    {HEAD "    bogus: 1\n" TASKS "attributes:\n",
     "t.yaml:5:5: resources[0].bogus is not a valid key"},
    {HEAD "    exclusive: true\n" TASKS "attributes:\n", NULL},
    {HEAD "    with: []\n" TASKS "attributes:\n", NULL},
    {HEAD "    with: 3\n" TASKS "attributes:\n",
     "t.yaml:5:11: resources[0].with must be a sequence"},
    {"version: 1\nresources:\n  - type: \"\"\n    count: 1\n" TASKS "attributes:\n",
     "t.yaml:3:11: resources[0].type must not be empty"},
    {"version: 1\nresources:\n  - type: [a]\n    count: 1\n" TASKS "attributes:\n",
     "t.yaml:3:11: resources[0].type must be a string"},
    /* counts */
    {"version: 1\nresources:\n  - {type: node, count: 0}\n" TASKS "attributes:\n",
     "t.yaml:3:25: resources[0].count must be >= 1"},
    {"version: 1\nresources:\n  - {type: node, count: 4294967296}\n" TASKS "attributes:\n",
     "t.yaml:3:25: resources[0].count must be <= 4294967295"},
    {"version: 1\nresources:\n  - {type: node, count: {min: 2, max: 8, operator: '*', operand: "
     "2}}\n" TASKS "attributes:\n",
     NULL},
    {"version: 1\nresources:\n  - {type: node, count: {min: 2, max: 16, operator: '^', "
     "operand: 2}}\n" TASKS "attributes:\n",
     NULL},
    {"version: 1\nresources:\n  - {type: node, count: {min: 1, mx: 2}}\n" TASKS "attributes:\n",
     "t.yaml:3:34: resources[0].count.mx is not a valid key"},
    {"version: 1\nresources:\n  - {type: node, count: {min: 1.5}}\n" TASKS "attributes:\n",
     "t.yaml:3:31: resources[0].count.min must be an integer"},
    /* tasks */
    {HEAD "tasks:\n  - command: []\n    slot: s\n    count: {per_slot: 1}\nattributes:\n",
     "t.yaml:6:14: tasks[0].command must not be empty"},
    {HEAD "tasks:\n  - command: [a]\n    slot: s\n    count: {per_slot: 0}\nattributes:\n",
     "t.yaml:8:23: tasks[0].count.per_slot must be >= 1"},
    {HEAD "tasks:\n  - command: [a]\n    slot: s\n    count: {each: 1}\nattributes:\n",
     "t.yaml:8:13: tasks[0].count.each is not a valid key"},
    {HEAD
     "tasks:\n  - command: [a]\n    slot: s\n    count: {total: 2}\n    foo: 1\nattributes:\n",
     "t.yaml:9:5: tasks[0].foo is not a valid key"},
    {HEAD "tasks:\n  - command: [a]\n    slot: s\n    count: {total: 2}\n    distribution: x\n"
          "    attributes: {a: 1}\nattributes:\n",
     NULL},
    {HEAD "tasks:\n  - command: [a]\n    slot: s\n    count: {total: 2}\n    attributes: 1\n"
          "attributes:\n",
     "t.yaml:9:17: tasks[0].attributes must be a mapping"},
    /* attributes */
    {HEAD TASKS "attributes:\n  system:\n    duration: -1\n",
     "t.yaml:11:15: attributes.system.duration must be >= 0"},
    {HEAD TASKS "attributes:\n  system:\n    duration: 1h\n",
     "t.yaml:11:15: attributes.system.duration must be a number of seconds"},
    {HEAD TASKS "attributes:\n  system:\n    queue: [a]\n",
     "t.yaml:11:12: attributes.system.queue must be a string"},
    {HEAD TASKS "attributes:\n  system:\n    environment: [a]\n",
     "t.yaml:11:18: attributes.system.environment must be a mapping"},
    {HEAD TASKS "attributes:\n  system:\n    other: {x: [1, 2]}\n  user: {y: z}\n", NULL},
    {HEAD TASKS "attributes:\n  user:\n    [a]: 1\n",
     "t.yaml:11:5: attributes has a mapping key"},
    /* constraints */
    {HEAD TASKS "attributes:\n  system:\n    constraints: {}\n", NULL},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {foo: [a]}\n",
     "t.yaml:11:19: attributes.system.constraints.foo is not a valid constraint operator"},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {ranks: [\"x-\"]}\n",
     "t.yaml:11:27: attributes.system.constraints.ranks[0] is not a valid rank idset"},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {properties: [\"\"]}\n",
     "t.yaml:11:32: attributes.system.constraints.properties[0] must be a non-empty property"},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {properties: [\"^\"]}\n",
     "t.yaml:11:32: attributes.system.constraints.properties[0] must be a non-empty property"},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {and: [{}], not: [1]}\n",
     "t.yaml:11:36: attributes.system.constraints.not[0] must be a mapping"},
    /* attribute strings must be strings in the kept JSON too */
    {HEAD TASKS "attributes:\n  system:\n    queue: TRUE\n",
     "t.yaml:11:12: attributes.system.queue must be a string"},
    {HEAD TASKS "attributes:\n  system:\n    cwd: 12\n",
     "t.yaml:11:10: attributes.system.cwd must be a string"},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {properties: [a, null]}\n",
     "t.yaml:11:35: attributes.system.constraints.properties[1] must be a string"},
    {HEAD TASKS "attributes:\n  system:\n    constraints: {ranks: [0x10, \"2\"]}\n", NULL},
    /* JSON keeps positions */
    {"{\"version\": 1,\n \"resources\": [{\"type\": \"node\", \"count\": -2}],\n"
     " \"tasks\": [], \"attributes\": {}}\n",
     "t.yaml:2:42: resources[0].count must be >= 1"},
    {"{\"version\":1,\"resources\":[{\"type\":\"node\",\"count\":1}],\"tasks\":"
     "[{\"command\":[\"a\"],\"slot\":\"s\",\"count\":{\"total\":1}}],\"attributes\":null}",
     NULL},
    {"{\"version\": 1,\n\t\"resources\": [\n\t\t{\"type\": \"node\", \"count\": 1}\n\t],\n"
     "\t\"tasks\": [{\"command\": [\"a\"], \"slot\": \"s\", \"count\": {\"total\": 1}}],\n"
     "\t\"attributes\": {\"system\": {\"duration\": 1.5}}\n}\n",
     NULL},
    {"{\"version\": 1, \"resources\": [}", "t.yaml:1:30: not valid YAML or JSON"},
};

START_TEST(test_inline_case)
{
    struct st_error err = {""};
    jobspec_t *js = parse_str(inline_cases[_i].text, &err);
    const char *want = inline_cases[_i].want;
    if (!want) {
        ck_assert_msg(js != NULL, "case %d rejected: %s", _i, err.text);
        check_round_trip(js, "inline");
    } else {
        ck_assert_msg(js == NULL, "case %d accepted, want %s", _i, want);
        ck_assert_msg(strncmp(err.text, want, strlen(want)) == 0,
                      "case %d: got \"%s\" want \"%s\"", _i, err.text, want);
    }
    jobspec_destroy(js);
}
END_TEST

START_TEST(test_deep_nesting_rejected)
{
    enum { DEPTH = 10000 };
    char *buf = malloc(2 * DEPTH + 1);
    ck_assert_ptr_nonnull(buf);
    memset(buf, '[', DEPTH);
    memset(buf + DEPTH, ']', DEPTH);
    buf[2 * DEPTH] = '\0';
    struct st_error err;
    jobspec_t *js = parse_str(buf, &err);
    ck_assert_ptr_null(js);
    ck_assert_ptr_nonnull(strstr(err.text, "nesting is too deep"));
    free(buf);
}
END_TEST

START_TEST(test_system_fields)
{
    struct st_error err;
    jobspec_t *js = parse_str(HEAD TASKS "attributes:\n  system:\n    duration: 1.25\n"
                                         "    queue: debug\n    cwd: /tmp\n"
                                         "    environment: {HOME: /home/u, N: 3}\n"
                                         "  user: {k: [1, true, null, \"2\"]}\n",
                              &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert(js->duration == 1.25);
    ck_assert_int_eq(jobspec_duration_seconds(js), 2);
    ck_assert_str_eq(js->queue, "debug");
    ck_assert_str_eq(js->cwd, "/tmp");
    ck_assert_ptr_nonnull(js->environment);
    ck_assert_str_eq(json_string_value(json_object_get(js->environment, "HOME")), "/home/u");
    ck_assert_int_eq(json_integer_value(json_object_get(js->environment, "N")), 3);
    json_t *k = json_object_get(json_object_get(js->attributes, "user"), "k");
    ck_assert_int_eq(json_array_size(k), 4);
    ck_assert(json_is_integer(json_array_get(k, 0)));
    ck_assert(json_is_true(json_array_get(k, 1)));
    ck_assert(json_is_null(json_array_get(k, 2)));
    ck_assert(json_is_string(json_array_get(k, 3)));
    check_round_trip(js, "system fields");
    jobspec_destroy(js);
}
END_TEST

/* duration is read the way the kept attributes read it (0x/0o integers,
 * reals), so the tree and its JSON never disagree. */
START_TEST(test_duration_forms)
{
    static const struct {
        const char *text;
        double want;
    } forms[] = {{"0o17", 15},   {"0x10", 16}, {"1e3", 1000},
                 {"\"90\"", 90}, {"2.5", 2.5}, {"+7", 7}};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        char text[512];
        struct st_error err;
        snprintf(text, sizeof(text), HEAD TASKS "attributes:\n  system:\n    duration: %s\n",
                 forms[i].text);
        jobspec_t *js = parse_str(text, &err);
        ck_assert_msg(js != NULL, "%s: %s", forms[i].text, err.text);
        ck_assert_msg(js->duration == forms[i].want, "%s -> %g", forms[i].text, js->duration);
        check_round_trip(js, forms[i].text);
        jobspec_destroy(js);
    }
}
END_TEST

START_TEST(test_multi_key_constraint_is_and)
{
    struct st_error err;
    jobspec_t *js =
        parse_str(HEAD TASKS "attributes:\n  system:\n    constraints:\n"
                             "      properties: [a]\n      hostlist: [\"n[1-2]\"]\n",
                  &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_int_eq(js->constraint->op, JS_C_AND);
    ck_assert_uint_eq(js->constraint->nargs, 2);
    check_values(&js->constraint->args[0], JS_C_PROPERTIES, 1, "a", NULL);
    check_values(&js->constraint->args[1], JS_C_HOSTLIST, 1, "n[1-2]", NULL);
    jobspec_destroy(js);
}
END_TEST

START_TEST(test_emitters_quote_lookalikes)
{
    struct st_error err;
    jobspec_t *js = parse_str("version: 1\nresources:\n  - type: node\n    count: 1\n"
                              "    id: \"7\"\n    unit: \"true\"\n"
                              "tasks:\n  - command: [\"1\", \"null\", \"\", \"a: b\"]\n"
                              "    slot: \"0x1\"\n    count: {per_slot: 1}\n"
                              "attributes: {user: {s: \"3.5\", t: \"a  \\n  b "
                              "\\t\\u00e9\\u2028 \\u0085\\u2029x \"}}\n",
                              &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    check_round_trip(js, "lookalikes");
    char *y = jobspec_to_yaml(js);
    ck_assert_ptr_nonnull(strstr(y, "\"7\""));
    free(y);
    jobspec_destroy(js);
}
END_TEST

/* In JSON, raw U+2028/U+2029/U+0085 inside strings are ordinary characters
 * (YAML would fold them as line breaks), and jansson writes them raw. */
START_TEST(test_json_raw_line_separators)
{
    const char *text =
        "{\"version\": 1, \"resources\": [{\"type\": \"node\", \"count\": 1}],\n"
        " \"tasks\": [{\"command\": [\"a\xe2\x80\xa8 b\xc2\x85\"], \"slot\": \"s\",\n"
        " \"count\": {\"total\": 1}}], \"attributes\": {\"user\": {\"k\": "
        "\"x\xe2\x80\xa9\"}}}";
    struct st_error err;
    jobspec_t *js = parse_str(text, &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    ck_assert_str_eq(js->tasks[0].command[0], "a\xe2\x80\xa8 b\xc2\x85");
    json_t *k = json_object_get(json_object_get(js->attributes, "user"), "k");
    ck_assert_str_eq(json_string_value(k), "x\xe2\x80\xa9");
    check_round_trip(js, "raw separators");
    jobspec_destroy(js);
}
END_TEST

START_TEST(test_equal)
{
    struct st_error err;
    jobspec_t *a = parse_case("validation/valid", "use_case_1.3.yaml", &err);
    jobspec_t *b = parse_case("validation/valid", "use_case_1.4.yaml", &err);
    jobspec_t *c = parse_case("validation/valid", "use_case_1.5.yaml", &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_nonnull(c);
    ck_assert(jobspec_equal(a, b)); /* identical files */
    ck_assert(!jobspec_equal(a, c));
    b->resources[0].with[0].with[0].count.min = 3;
    ck_assert(!jobspec_equal(a, b));
    ck_assert(jobspec_equal(NULL, NULL));
    ck_assert(!jobspec_equal(a, NULL));
    ck_assert(!jobspec_equal(NULL, a));
    jobspec_destroy(a);
    jobspec_destroy(b);
    jobspec_destroy(c);
}
END_TEST

/* ---- bad parameters ---- */

START_TEST(test_badparam)
{
    struct st_error err = {""};
    TL_ASSERT_NULL_ERRNO(jobspec_parse_string(NULL, 0, "x", &err), EINVAL);
    ck_assert_ptr_null(jobspec_parse_string(NULL, 0, NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
    TL_ASSERT_NULL_ERRNO(jobspec_parse_file(NULL, &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(jobspec_parse_file("/nonexistent/job.yaml", &err), ENOENT);
    ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/job.yaml"));
    TL_ASSERT_NULL_ERRNO(jobspec_to_json(NULL), EINVAL);
    TL_ASSERT_NULL_ERRNO(jobspec_to_yaml(NULL), EINVAL);
    ck_assert_int_eq(jobspec_duration_seconds(NULL), 0);
    errno = 42;
    jobspec_destroy(NULL);
    ck_assert_int_eq(errno, 42);
    /* Malformed input with a NULL error buffer still fails cleanly. */
    ck_assert_ptr_null(jobspec_parse_string("a: [", 4, "x", NULL));
    ck_assert_int_eq(errno, EINVAL);
    /* A buffer need not be NUL-terminated: only len bytes are read. */
    const char text[] = HEAD TASKS "attributes:\nGARBAGE";
    jobspec_t *js = jobspec_parse_string(text, strlen(text) - 7, "x", &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    jobspec_destroy(js);
}
END_TEST

/* Property names a node may carry so that a constraint can ask for them. */
START_TEST(test_property_name_valid)
{
    static const char *const good[] = {"fast", "ib", "a.b-c_d", "x=y", "0"};
    static const char *const bad[] = {"",    "^fast", "a|b",  "a&b", "a!",
                                      "(x)", "a'b",   "a\"b", "a`b", "a^b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(jobspec_property_name_valid(good[i]), "%s refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!jobspec_property_name_valid(bad[i]), "%s accepted", bad[i]);
    ck_assert(!jobspec_property_name_valid(NULL));
}
END_TEST

static Suite *jobspec_suite(void)
{
    Suite *s = suite_create("jobspec");
    TCase *tc = tcase_create("corpus");
    tcase_add_loop_test(tc, test_valid_case, 0, sizeof(valid_files) / sizeof(valid_files[0]));
    tcase_add_loop_test(tc, test_invalid_case, 0,
                        sizeof(invalid_cases) / sizeof(invalid_cases[0]));
    tcase_add_test(tc, test_corpus_complete);
    tcase_add_test(tc, test_all_matching_jobspecs_parse);
    suite_add_tcase(s, tc);
    tc = tcase_create("tree");
    tcase_add_test(tc, test_tree_example1);
    tcase_add_test(tc, test_tree_use_cases);
    tcase_add_test(tc, test_tree_constraints);
    tcase_add_test(tc, test_system_fields);
    tcase_add_test(tc, test_multi_key_constraint_is_and);
    tcase_add_test(tc, test_duration_forms);
    tcase_add_test(tc, test_emitters_quote_lookalikes);
    tcase_add_test(tc, test_equal);
    tcase_add_test(tc, test_json_raw_line_separators);
    suite_add_tcase(s, tc);
    tc = tcase_create("inline");
    tcase_add_loop_test(tc, test_inline_case, 0,
                        sizeof(inline_cases) / sizeof(inline_cases[0]));
    tcase_add_test(tc, test_deep_nesting_rejected);
    tcase_add_test(tc, test_property_name_valid);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(jobspec_suite());
}
