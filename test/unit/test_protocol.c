/* Unit tests for daemon/proto (the wire protocol) and the client library's
 * argument checks. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "daemon/client.h"
#include "daemon/proto.h"
#include "test/unit/testlib.h"

/* Requests: text -> 0 and method, or -1 and errno. */
static const struct {
    const char *text;
    int errnum; /* 0: parses */
    const char *method;
} req_cases[] = {
    {"{\"version\":1,\"method\":\"ping\"}", 0, "ping"},
    {"{\"version\":1,\"method\":\"submit\",\"params\":{\"count\":2}}", 0, "submit"},
    {"{\"method\":\"ping\",\"version\":1,\"extra\":true}", 0, "ping"},
    {"", EINVAL, NULL},
    {"not json", EINVAL, NULL},
    {"[1,2]", EINVAL, NULL},
    {"{\"method\":\"ping\"}", EINVAL, NULL},
    {"{\"version\":\"1\",\"method\":\"ping\"}", EINVAL, NULL},
    {"{\"version\":2,\"method\":\"ping\"}", EPROTO, NULL},
    {"{\"version\":1}", EINVAL, NULL},
    {"{\"version\":1,\"method\":\"\"}", EINVAL, NULL},
    {"{\"version\":1,\"method\":7}", EINVAL, NULL},
    {"{\"version\":1,\"method\":\"ping\",\"params\":[]}", EINVAL, NULL},
    {"{\"version\":1,\"method\":\"a\",\"method\":\"b\"}", EINVAL, NULL},
    {"{\"version\":1,\"method\":\"ping\"", EINVAL, NULL},
};

START_TEST(test_request_parse)
{
    struct proto_request req;
    struct st_error err = {{0}};
    const char *t = req_cases[_i].text;
    int rc = proto_request_parse(t, strlen(t), 0, &req, &err);
    if (req_cases[_i].errnum) {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(errno, req_cases[_i].errnum);
        ck_assert_ptr_null(req.root);
        ck_assert_msg(strstr(err.text, "request") != NULL, "error text: %s", err.text);
        return;
    }
    ck_assert_msg(rc == 0, "%s: %s", t, err.text);
    ck_assert_str_eq(req.method, req_cases[_i].method);
    ck_assert(json_is_object(req.params));
    proto_request_fini(&req);
    ck_assert_ptr_null(req.root);
}
END_TEST

START_TEST(test_request_too_big)
{
    const char *t = "{\"version\":1,\"method\":\"ping\"}";
    struct proto_request req;
    struct st_error err = {{0}};
    ck_assert_int_eq(proto_request_parse(t, strlen(t), 10, &req, &err), -1);
    ck_assert_int_eq(errno, E2BIG);
    ck_assert_ptr_nonnull(strstr(err.text, "over the limit"));
    ck_assert_int_eq(proto_request_parse(t, strlen(t), strlen(t), &req, &err), 0);
    proto_request_fini(&req);
}
END_TEST

/* A request is not NUL-terminated on the wire: only len bytes count. */
START_TEST(test_request_not_terminated)
{
    const char buf[] = "{\"version\":1,\"method\":\"ping\"}GARBAGE";
    struct proto_request req;
    ck_assert_int_eq(proto_request_parse(buf, strlen(buf) - 7, 0, &req, NULL), 0);
    ck_assert_str_eq(req.method, "ping");
    proto_request_fini(&req);
    ck_assert_int_eq(proto_request_parse(buf, strlen(buf), 0, &req, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_roundtrip)
{
    char *s = proto_request_encode("jobs", json_pack("{s:i}", "limit", 3));
    ck_assert_ptr_nonnull(s);
    struct proto_request req;
    ck_assert_int_eq(proto_request_parse(s, strlen(s), 0, &req, NULL), 0);
    ck_assert_str_eq(req.method, "jobs");
    ck_assert_int_eq(json_integer_value(json_object_get(req.params, "limit")), 3);
    proto_request_fini(&req);
    free(s);

    s = proto_reply_ok(json_pack("{s:[i,i]}", "ids", 1, 2));
    json_t *res = NULL;
    ck_assert_int_eq(proto_reply_parse(s, strlen(s), &res, NULL), 0);
    ck_assert_int_eq(json_array_size(json_object_get(res, "ids")), 2);
    json_decref(res);
    free(s);

    struct st_error err = {{0}};
    s = proto_reply_error(EPERM, "job 3: not yours");
    res = NULL;
    ck_assert_int_eq(proto_reply_parse(s, strlen(s), &res, &err), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_str_eq(err.text, "job 3: not yours");
    ck_assert_ptr_null(res);
    free(s);

    s = proto_reply_error(ENOENT, NULL);
    ck_assert_int_eq(proto_reply_parse(s, strlen(s), &res, &err), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_str_eq(err.text, strerror(ENOENT));
    free(s);
}
END_TEST

static const char *bad_replies[] = {
    "", "x", "[]", "{}", "{\"ok\":1}", "{\"ok\":true}", "{\"ok\":true,\"result\":[]}",
};

START_TEST(test_reply_malformed)
{
    json_t *res = NULL;
    const char *t = bad_replies[_i];
    ck_assert_int_eq(proto_reply_parse(t, strlen(t), &res, NULL), -1);
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_ptr_null(res);
}
END_TEST

START_TEST(test_badparam)
{
    struct proto_request req;
    json_t *res;
    ck_assert_int_eq(proto_request_parse(NULL, 0, 0, &req, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(proto_request_parse("{}", 2, 0, NULL, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    proto_request_fini(NULL);
    ck_assert_ptr_null(proto_request_encode(NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(proto_request_encode("", json_object()));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(proto_reply_parse(NULL, 0, &res, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(proto_reply_parse("{}", 2, NULL, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_client_badparam)
{
    struct st_error err = {{0}};
    int64_t ids[1];
    json_t *res;
    unsetenv("STRATA_URI");
    ck_assert_ptr_null(strata_uri_resolve(NULL, &err));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(err.text, "STRATA_URI"));
    ck_assert_ptr_null(strata_client_open(NULL, 0, &err));
    ck_assert_int_eq(errno, ENOENT);
    setenv("STRATA_URI", "ipc:///nonexistent/strata/rpc", 1);
    ck_assert_str_eq(strata_uri_resolve(NULL, NULL), "ipc:///nonexistent/strata/rpc");
    ck_assert_str_eq(strata_uri_resolve("ipc:///x", NULL), "ipc:///x");
    ck_assert_ptr_null(strata_client_open("bogus://x", 0, &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(strata_client_call(NULL, "ping", NULL, &res, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(strata_submit(NULL, "{}", 1, ids, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(strata_wait(NULL, 1, NULL, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(strata_cancel(NULL, 1, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(strata_job_info(NULL, 1, &res, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(strata_client_call_raw(NULL, "x", 1, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(strata_events_next(NULL, 0));
    ck_assert_int_eq(errno, EINVAL);
    /* Events over TLS are polled with a client: without a CA to check the
     * server against, nothing is opened, and the error says what to set. */
    unsetenv("STRATA_TLS_CA");
    ck_assert_ptr_null(strata_events_open("tls+tcp://localhost:1", &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err.text, "STRATA_TLS_CA"));
    strata_client_close(NULL);
    strata_events_close(NULL);
}
END_TEST

/* No instance listening: open fails at once and says what to do. */
START_TEST(test_client_no_instance)
{
    struct st_error err = {{0}};
    ck_assert_ptr_null(strata_client_open("ipc:///nonexistent/strata/rpc", 100, &err));
    ck_assert(errno == ENOENT || errno == ECONNREFUSED);
    ck_assert_ptr_nonnull(strstr(err.text, "is stratad running?"));
}
END_TEST

/* A server that never answers: calls time out instead of hanging. */
START_TEST(test_client_timeout)
{
    struct st_error err = {{0}};
    char uri[128];
    snprintf(uri, sizeof uri, "ipc:///tmp/test_protocol.%d", (int)getpid());
    nng_socket rep;
    ck_assert_int_eq(nng_rep0_open(&rep), 0);
    ck_assert_int_eq(nng_listen(rep, uri, NULL, 0), 0);
    strata_client_t *c = strata_client_open(uri, 100, &err);
    ck_assert_msg(c != NULL, "%s", err.text);
    json_t *res = NULL;
    ck_assert_int_eq(strata_client_call(c, "ping", NULL, &res, &err), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(strata_client_call(c, NULL, NULL, &res, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    int64_t ids[1];
    ck_assert_int_eq(strata_submit(c, "{}", 0, ids, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(strata_wait(c, 0, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    strata_client_close(c);
    nng_close(rep);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("protocol");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_request_parse, 0, sizeof req_cases / sizeof *req_cases);
    tcase_add_test(tc, test_request_too_big);
    tcase_add_test(tc, test_request_not_terminated);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_loop_test(tc, test_reply_malformed, 0, sizeof bad_replies / sizeof *bad_replies);
    tcase_add_test(tc, test_badparam);
    tcase_add_test(tc, test_client_badparam);
    tcase_add_test(tc, test_client_no_instance);
    tcase_add_test(tc, test_client_timeout);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
