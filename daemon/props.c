/* props: resource changes made through the protocol (drain and undrain,
 * resource.properties), kept across a restart.
 *
 * A change becomes a journal record naming its vertices by containment
 * path, which stays the same from one start to the next over the same
 * resources, unlike vertex numbers:
 *
 *   status   {paths, status: "down"|"up"}
 *   property {paths, key, value}     value null: the property is removed
 *
 * The record is written (and synced) before the change is made, so that a
 * change the client was told about is never lost and a failed write
 * changes nothing.  The instance also keeps the sum of all changes so far
 * (inst->rchanges: {status: {path: "down"|"up"}, properties: {path: {key:
 * value|null}}}): a compaction writes it as one "resources" record after
 * the snapshot head, so that a compacted journal still carries them.
 * Replay applies the three kinds in journal order, before the recovered
 * jobs are queued or restored; a path the resources no longer have is
 * skipped and counted (a different --load), not an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/stratad.h"

/* The kept changes, created on first use.  NULL with ENOMEM. */
static json_t *changes(struct instance *inst, const char *kind)
{
    if (!inst->rchanges &&
        !(inst->rchanges = json_pack("{s:{}, s:{}}", "status", "properties"))) {
        errno = ENOMEM;
        return NULL;
    }
    return json_object_get(inst->rchanges, kind);
}

/* The paths of n vertices as a JSON array; NULL with EINVAL if one has no
 * containment path (it could not be found again), ENOMEM. */
static json_t *path_array(struct instance *inst, const vtx_t *v, int n)
{
    atom_t cont = graph_atom_find(inst->g, "containment");
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        const char *p = cont >= 0 ? graph_path(inst->g, v[i], cont) : NULL;
        if (!p) {
            json_decref(a);
            errno = EINVAL;
            return NULL;
        }
        if (json_array_append_new(a, json_string(p)) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    if (!a)
        errno = ENOMEM;
    return a;
}

json_t *props_rec_status(struct instance *inst, const vtx_t *v, int n, bool down)
{
    if (!inst || (n > 0 && !v) || n < 0) {
        errno = EINVAL;
        return NULL;
    }
    json_t *paths = path_array(inst, v, n);
    json_t *rec = paths ? json_pack("{s:s, s:s, s:o}", "type", "status", "status",
                                    down ? "down" : "up", "paths", paths)
                        : NULL;
    if (paths && !rec)
        errno = ENOMEM;
    return rec;
}

json_t *props_rec_property(struct instance *inst, const vtx_t *v, int n, const char *key,
                           const char *value)
{
    if (!inst || (n > 0 && !v) || n < 0 || !key || !*key) {
        errno = EINVAL;
        return NULL;
    }
    json_t *paths = path_array(inst, v, n);
    json_t *rec = paths ? json_pack("{s:s, s:s, s:o, s:s?}", "type", "property", "key", key,
                                    "paths", paths, "value", value)
                        : NULL;
    if (rec && !value && json_object_set_new(rec, "value", json_null()) < 0) {
        json_decref(rec);
        rec = NULL;
    }
    if (paths && !rec)
        errno = ENOMEM;
    return rec;
}

/* The vertex at path, or VTX_NONE (counted in *missing). */
static vtx_t find(struct instance *inst, const char *path, int64_t *missing)
{
    vtx_t v = path ? graph_find_path(inst->g, path) : VTX_NONE;
    if (v == VTX_NONE || !graph_vertex_live(inst->g, v)) {
        (*missing)++;
        return VTX_NONE;
    }
    return v;
}

/* Drain or undrain one vertex and remember it. */
static int apply_status(struct instance *inst, const char *path, const char *st,
                        int64_t *missing)
{
    bool down = strcmp(st, "down") == 0;
    if (!down && strcmp(st, "up") != 0)
        return errno = EINVAL, -1;
    json_t *kept = changes(inst, "status");
    if (!kept)
        return -1;
    vtx_t v = find(inst, path, missing);
    if (v != VTX_NONE)
        match_set_status(inst->m, v, down ? VTX_DOWN : VTX_UP);
    return json_object_set_new(kept, path, json_string(st)) < 0 ? (errno = ENOMEM, -1) : 0;
}

/* Set (value) or remove (value NULL) one property and remember it. */
static int apply_property(struct instance *inst, const char *path, const char *key,
                          const char *value, int64_t *missing)
{
    json_t *kept = changes(inst, "properties");
    if (!kept)
        return -1;
    json_t *mine = json_object_get(kept, path);
    if (!mine && (json_object_set_new(kept, path, json_object()) < 0 ||
                  !(mine = json_object_get(kept, path))))
        return errno = ENOMEM, -1;
    vtx_t v = find(inst, path, missing);
    int rc = 0;
    if (v != VTX_NONE && value)
        rc = graph_set_property(inst->g, v, key, value);
    else if (v != VTX_NONE && graph_property(inst->g, v, key))
        rc = graph_remove_property(inst->g, v, key);
    if (rc < 0)
        return -1;
    return json_object_set_new(mine, key, value ? json_string(value) : json_null()) < 0
               ? (errno = ENOMEM, -1)
               : 0;
}

static int apply_paths(struct instance *inst, json_t *rec, int64_t *missing)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    const char *st = json_string_value(json_object_get(rec, "status"));
    const char *key = json_string_value(json_object_get(rec, "key"));
    json_t *value = json_object_get(rec, "value");
    json_t *paths = json_object_get(rec, "paths");
    bool status = strcmp(type, "status") == 0;
    if (!json_is_array(paths) || (status && !st) ||
        (!status && (!key || !(json_is_string(value) || json_is_null(value)))))
        return errno = EINVAL, -1;
    size_t i;
    json_t *p;
    json_array_foreach(paths, i, p)
    {
        const char *path = json_string_value(p);
        if (!path)
            return errno = EINVAL, -1;
        int rc = status ? apply_status(inst, path, st, missing)
                        : apply_property(inst, path, key, json_string_value(value), missing);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A compaction's "resources" record: everything at once. */
static int apply_all(struct instance *inst, json_t *rec, int64_t *missing)
{
    json_t *st = json_object_get(rec, "status"), *props = json_object_get(rec, "properties");
    if ((st && !json_is_object(st)) || (props && !json_is_object(props)))
        return errno = EINVAL, -1;
    const char *path, *key;
    json_t *v, *kv;
    json_object_foreach(st, path, v)
    {
        if (!json_is_string(v))
            return errno = EINVAL, -1;
        if (apply_status(inst, path, json_string_value(v), missing) < 0)
            return -1;
    }
    json_object_foreach(props, path, v)
    {
        if (!json_is_object(v))
            return errno = EINVAL, -1;
        json_object_foreach(v, key, kv)
        {
            if (!json_is_string(kv) && !json_is_null(kv))
                return errno = EINVAL, -1;
            if (apply_property(inst, path, key, json_string_value(kv), missing) < 0)
                return -1;
        }
    }
    return 0;
}

bool props_is_record(const json_t *rec)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    return type && (strcmp(type, "status") == 0 || strcmp(type, "property") == 0 ||
                    strcmp(type, "resources") == 0);
}

int props_apply(struct instance *inst, json_t *rec, int64_t *missing)
{
    int64_t none = 0;
    if (!inst || !props_is_record(rec)) {
        errno = EINVAL;
        return -1;
    }
    if (!missing)
        missing = &none;
    const char *type = json_string_value(json_object_get(rec, "type"));
    int rc = strcmp(type, "resources") == 0 ? apply_all(inst, rec, missing)
                                             : apply_paths(inst, rec, missing);
    inst->dirty = true;
    return rc;
}

int props_record(struct instance *inst, json_t *rec, struct st_error *err)
{
    if (!inst || !rec) {
        json_decref(rec);
        return st_errorf(err, rec ? EINVAL : errno ? errno : ENOMEM, "%s",
                         rec ? "props: invalid argument"
                             : "the change cannot be recorded (a vertex without a "
                               "containment path, or out of memory)");
    }
    json_incref(rec);
    if (inst->journal && journal_append(inst->journal, rec, true) < 0) {
        int e = errno;
        json_decref(rec);
        return st_errorf(err, e, "the change could not be recorded in the journal (%s); "
                                 "nothing was changed", strerror(e));
    }
    int rc = props_apply(inst, rec, NULL);
    int e = errno;
    json_decref(rec);
    /* Only ENOMEM part way: the journal has the whole change, so a restart
     * completes it; report it now. */
    if (rc < 0)
        return st_errorf(err, e, "the change was recorded but only partly made: %s",
                         strerror(e));
    return 0;
}

json_t *props_snapshot(const struct instance *inst)
{
    if (!inst) {
        errno = EINVAL;
        return NULL;
    }
    errno = 0;
    if (!inst->rchanges)
        return NULL;
    json_t *rec = json_deep_copy(inst->rchanges);
    if (!rec || json_object_set_new(rec, "type", json_string("resources")) < 0) {
        json_decref(rec);
        errno = ENOMEM;
        return NULL;
    }
    return rec;
}

void props_free(struct instance *inst)
{
    if (!inst)
        return;
    json_decref(inst->rchanges);
    inst->rchanges = NULL;
}
