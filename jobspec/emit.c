/* emit: a jobspec back to JSON or YAML, and tree equality.
 *
 * Both writers go through one JSON value in canonical key order, so they
 * cannot disagree; the YAML writer drives libyaml's emitter from it and
 * quotes any string that would otherwise read back as a number, boolean or
 * null, so that parse -> emit -> parse gives the same tree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "jobspec/jobspec.h"
#include "jobspec/jobspec_private.h"
#include "jobspec/ytree.h"

/* ---- JSON value ---- */

static json_t *count_to_json(const struct js_count *c)
{
    if (c->op == '+' && c->operand == 1 && c->min == c->max)
        return json_integer((json_int_t) c->min);
    if (c->op == '+' && c->operand == 1 && c->max == UINT32_MAX)
        return json_pack("{s:I}", "min", (json_int_t) c->min);
    char op[2] = {c->op, '\0'};
    return json_pack("{s:I, s:I, s:s, s:I}", "min", (json_int_t) c->min, "max",
                     (json_int_t) c->max, "operator", op, "operand", (json_int_t) c->operand);
}

/* Set key to a new string value if s is not NULL; -1 on allocation failure. */
static int set_opt_string(json_t *o, const char *key, const char *s)
{
    return s ? json_object_set_new(o, key, json_string(s)) : 0;
}

static json_t *resources_to_json(const struct js_resource *v, size_t n);

static json_t *resource_to_json(const struct js_resource *r)
{
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "type", json_string(r->type)) < 0 ||
        json_object_set_new(o, "count", count_to_json(&r->count)) < 0 ||
        (r->exclusive != JS_EXCL_UNSET &&
         json_object_set_new(o, "exclusive", json_boolean(r->exclusive)) < 0) ||
        set_opt_string(o, "label", r->label) < 0 || set_opt_string(o, "unit", r->unit) < 0 ||
        set_opt_string(o, "id", r->id) < 0 ||
        (r->nwith &&
         json_object_set_new(o, "with", resources_to_json(r->with, r->nwith)) < 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *resources_to_json(const struct js_resource *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, resource_to_json(&v[i])) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static json_t *task_to_json(const struct js_task *t)
{
    json_t *cmd = json_array();
    for (size_t i = 0; cmd && i < t->ncommand; i++) {
        if (json_array_append_new(cmd, json_string(t->command[i])) < 0) {
            json_decref(cmd);
            cmd = NULL;
        }
    }
    const char *kind = t->count_kind == JS_TASK_TOTAL ? "total" : "per_slot";
    json_t *o = json_pack("{s:o, s:s, s:{s:I}}", "command", cmd, "slot", t->slot, "count", kind,
                          (json_int_t) t->count);
    if (!o || set_opt_string(o, "distribution", t->distribution) < 0 ||
        (t->attributes && json_object_set(o, "attributes", t->attributes) < 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *jobspec_to_json_value(const jobspec_t *js)
{
    json_t *tasks = json_array();
    for (size_t i = 0; tasks && i < js->ntasks; i++) {
        if (json_array_append_new(tasks, task_to_json(&js->tasks[i])) < 0) {
            json_decref(tasks);
            tasks = NULL;
        }
    }
    json_t *attrs = js->attributes ? json_incref(js->attributes) : json_object();
    json_t *o = json_pack("{s:I, s:o, s:o, s:o}", "version", (json_int_t) js->version,
                          "resources", resources_to_json(js->resources, js->nresources),
                          "tasks", tasks, "attributes", attrs);
    if (!o)
        errno = ENOMEM;
    return o;
}

char *jobspec_to_json(const jobspec_t *js)
{
    if (!js) {
        errno = EINVAL;
        return NULL;
    }
    json_t *o = jobspec_to_json_value(js);
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(o);
    if (!s)
        errno = ENOMEM;
    return s;
}

/* ---- YAML ---- */

/* A real that reads back as a real: shortest of %.15g/%.17g that round-trips,
 * with ".0" added when it would otherwise look like an integer. */
static void format_real(double d, char *buf, size_t size)
{
    snprintf(buf, size, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, size, "%.17g", d);
    if (!strpbrk(buf, ".eE"))
        strncat(buf, ".0", size - strlen(buf) - 1);
}

static int emit_scalar(yaml_emitter_t *e, const char *s, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) len, 1, 1,
                                      style))
        return -1;
    return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

/* libyaml may pick single-quoted style for text with line breaks, and then
 * folds the spaces next to them away (the fuzzer found this): keep such text,
 * control characters and non-ASCII breaks in double quotes, which escape. */
static bool needs_escapes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char) s[i];
        if (ch < 0x20 || ch == 0x7f || ch >= 0x80)
            return true;
    }
    return false;
}

static int emit_string(yaml_emitter_t *e, const char *s, size_t len)
{
    /* A string that plain style would turn into another type keeps quotes. */
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (jobspec_yscalar_resolve(s, len) != YS_STRING || needs_escapes(s, len))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return emit_scalar(e, s, len, style);
}

static bool all_scalars(const json_t *a)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_is_object(v) || json_is_array(v))
            return false;
    }
    return true;
}

static int emit_value(yaml_emitter_t *e, const json_t *v);

static int emit_array(yaml_emitter_t *e, const json_t *a)
{
    yaml_event_t ev;
    yaml_sequence_style_t style =
        all_scalars(a) ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE;
    if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style) ||
        !yaml_emitter_emit(e, &ev))
        return -1;
    size_t i;
    const json_t *item;
    json_array_foreach(a, i, item)
    {
        if (emit_value(e, item) < 0)
            return -1;
    }
    if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
        return -1;
    return 0;
}

static int emit_object(yaml_emitter_t *e, const json_t *o)
{
    yaml_event_t ev;
    yaml_mapping_style_t style =
        json_object_size(o) ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE;
    if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, style) ||
        !yaml_emitter_emit(e, &ev))
        return -1;
    const char *key;
    size_t klen;
    const json_t *v;
    json_object_keylen_foreach((json_t *) o, key, klen, v)
    {
        if (emit_string(e, key, klen) < 0 || emit_value(e, v) < 0)
            return -1;
    }
    if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
        return -1;
    return 0;
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return emit_object(e, v);
    case JSON_ARRAY:
        return emit_array(e, v);
    case JSON_STRING:
        return emit_string(e, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        format_real(json_real_value(v), buf, sizeof(buf));
        break;
    case JSON_TRUE:
        snprintf(buf, sizeof(buf), "true");
        break;
    case JSON_FALSE:
        snprintf(buf, sizeof(buf), "false");
        break;
    case JSON_NULL:
        snprintf(buf, sizeof(buf), "null");
        break;
    }
    return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
}

static int emit_document(yaml_emitter_t *e, const json_t *root)
{
    yaml_event_t ev;
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(e, &ev) ||
        !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(e, &ev) || emit_value(e, root) < 0 ||
        !yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(e, &ev) ||
        !yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
        return -1;
    return 0;
}

char *jobspec_to_yaml(const jobspec_t *js)
{
    if (!js) {
        errno = EINVAL;
        return NULL;
    }
    json_t *root = jobspec_to_json_value(js);
    if (!root)
        return NULL;
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    yaml_emitter_t e;
    int rc = -1;
    if (f && yaml_emitter_initialize(&e)) {
        yaml_emitter_set_output_file(&e, f);
        yaml_emitter_set_unicode(&e, 1);
        yaml_emitter_set_width(&e, -1);
        rc = emit_document(&e, root);
        if (rc == 0 && !yaml_emitter_flush(&e))
            rc = -1;
        yaml_emitter_delete(&e);
    }
    if (f)
        fclose(f);
    json_decref(root);
    if (rc < 0) {
        free(buf);
        errno = ENOMEM;
        return NULL;
    }
    return buf;
}

/* ---- equality ---- */

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool count_eq(const struct js_count *a, const struct js_count *b)
{
    return a->min == b->min && a->max == b->max && a->op == b->op && a->operand == b->operand;
}

static bool resources_eq(const struct js_resource *a, const struct js_resource *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!str_eq(a[i].type, b[i].type) || !count_eq(&a[i].count, &b[i].count) ||
            a[i].exclusive != b[i].exclusive || !str_eq(a[i].label, b[i].label) ||
            !str_eq(a[i].unit, b[i].unit) || !str_eq(a[i].id, b[i].id) ||
            a[i].nwith != b[i].nwith || !resources_eq(a[i].with, b[i].with, a[i].nwith))
            return false;
    }
    return true;
}

static bool task_eq(const struct js_task *a, const struct js_task *b)
{
    if (a->ncommand != b->ncommand || !str_eq(a->slot, b->slot) ||
        a->count_kind != b->count_kind || a->count != b->count ||
        !str_eq(a->distribution, b->distribution))
        return false;
    for (size_t i = 0; i < a->ncommand; i++) {
        if (!str_eq(a->command[i], b->command[i]))
            return false;
    }
    if (!a->attributes || !b->attributes)
        return a->attributes == b->attributes;
    return json_equal(a->attributes, b->attributes);
}

static bool constraint_eq(const struct js_constraint *a, const struct js_constraint *b)
{
    if (!a || !b)
        return a == b;
    if (a->op != b->op || a->nvalues != b->nvalues || a->nargs != b->nargs)
        return false;
    for (size_t i = 0; i < a->nvalues; i++) {
        if (!str_eq(a->values[i], b->values[i]))
            return false;
    }
    for (size_t i = 0; i < a->nargs; i++) {
        if (!constraint_eq(&a->args[i], &b->args[i]))
            return false;
    }
    return true;
}

bool jobspec_equal(const jobspec_t *a, const jobspec_t *b)
{
    if (!a || !b)
        return a == b;
    if (a->version != b->version || a->nresources != b->nresources || a->ntasks != b->ntasks ||
        !resources_eq(a->resources, b->resources, a->nresources) ||
        a->duration != b->duration || !str_eq(a->queue, b->queue) || !str_eq(a->cwd, b->cwd) ||
        !constraint_eq(a->constraint, b->constraint))
        return false;
    for (size_t i = 0; i < a->ntasks; i++) {
        if (!task_eq(&a->tasks[i], &b->tasks[i]))
            return false;
    }
    return json_equal(a->attributes, b->attributes);
}
