/* proto: build and parse protocol messages with jansson. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/proto.h"

static void request_clear(struct proto_request *req)
{
    req->root = NULL;
    req->method = NULL;
    req->params = NULL;
}

static int request_check(json_t *root, struct proto_request *req, struct st_error *err)
{
    if (!json_is_object(root))
        return st_errorf(err, EINVAL, "request: not a JSON object");
    json_t *v = json_object_get(root, "version");
    if (!json_is_integer(v))
        return st_errorf(err, EINVAL, "request: missing integer \"version\"");
    if (json_integer_value(v) != PROTO_VERSION)
        return st_errorf(err, EPROTO, "request: protocol version %lld not supported (this is %d)",
                         (long long)json_integer_value(v), PROTO_VERSION);
    json_t *m = json_object_get(root, "method");
    if (!json_is_string(m) || json_string_length(m) == 0)
        return st_errorf(err, EINVAL, "request: missing string \"method\"");
    json_t *p = json_object_get(root, "params");
    if (p && !json_is_object(p))
        return st_errorf(err, EINVAL, "request: \"params\" must be an object");
    if (!p) {
        p = json_object();
        if (!p || json_object_set_new(root, "params", p) < 0)
            return st_errorf(err, ENOMEM, "out of memory");
    }
    req->method = json_string_value(m);
    req->params = p;
    return 0;
}

int proto_request_parse(const char *buf, size_t len, size_t max_len, struct proto_request *req,
                        struct st_error *err)
{
    if (!req)
        return st_errorf(err, EINVAL, "request: invalid argument");
    request_clear(req);
    if (!buf)
        return st_errorf(err, EINVAL, "request: invalid argument");
    if (max_len == 0)
        max_len = PROTO_DEFAULT_MAX_REQUEST;
    if (len > max_len)
        return st_errorf(err, E2BIG, "request: %zu bytes is over the limit of %zu", len, max_len);
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return st_errorf(err, EINVAL, "request:%d:%d: %s", jerr.line, jerr.column, jerr.text);
    if (request_check(root, req, err) < 0) {
        int e = errno;
        json_decref(root);
        request_clear(req);
        errno = e;
        return -1;
    }
    req->root = root;
    return 0;
}

void proto_request_fini(struct proto_request *req)
{
    if (!req)
        return;
    int e = errno;
    json_decref(req->root);
    request_clear(req);
    errno = e;
}

static char *dump_steal(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s)
        errno = ENOMEM;
    return s;
}

char *proto_request_encode(const char *method, json_t *params)
{
    if (!method || !*method) {
        json_decref(params);
        errno = EINVAL;
        return NULL;
    }
    return dump_steal(json_pack("{s:i, s:s, s:o}", "version", PROTO_VERSION, "method", method,
                                "params", params ? params : json_object()));
}

char *proto_reply_ok(json_t *result)
{
    return dump_steal(json_pack("{s:i, s:b, s:o}", "version", PROTO_VERSION, "ok", 1, "result",
                                result ? result : json_object()));
}

char *proto_reply_error(int errnum, const char *message)
{
    return dump_steal(json_pack("{s:i, s:b, s:i, s:s}", "version", PROTO_VERSION, "ok", 0,
                                "errno", errnum, "error",
                                message ? message : strerror(errnum)));
}

static int reply_error(json_t *root, struct st_error *err)
{
    json_t *e = json_object_get(root, "errno");
    json_t *msg = json_object_get(root, "error");
    int errnum = json_is_integer(e) ? (int)json_integer_value(e) : EPROTO;
    if (errnum <= 0)
        errnum = EPROTO;
    return st_errorf(err, errnum, "%s", json_is_string(msg) ? json_string_value(msg)
                                                            : strerror(errnum));
}

int proto_reply_parse(const char *buf, size_t len, json_t **result, struct st_error *err)
{
    if (!buf || !result)
        return st_errorf(err, EINVAL, "reply: invalid argument");
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, 0, &jerr);
    if (!root)
        return st_errorf(err, EPROTO, "reply: not JSON: %s", jerr.text);
    json_t *ok = json_object_get(root, "ok");
    json_t *res = json_object_get(root, "result");
    int rc;
    if (!json_is_object(root) || !json_is_boolean(ok))
        rc = st_errorf(err, EPROTO, "reply: malformed (no \"ok\")");
    else if (!json_is_true(ok))
        rc = reply_error(root, err);
    else if (!json_is_object(res))
        rc = st_errorf(err, EPROTO, "reply: malformed (no \"result\" object)");
    else {
        *result = json_incref(res);
        rc = 0;
    }
    int e = errno;
    json_decref(root);
    errno = e;
    return rc;
}
