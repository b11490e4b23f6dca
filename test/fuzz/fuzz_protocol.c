/* libFuzzer target for the stratad protocol parser (daemon/proto.c).
 *
 * Any input must parse as a request or fail cleanly with a message; what
 * parses must re-encode (proto_request_encode) to a request that parses to
 * the same method and params.  The reply parser gets the same input and
 * must also either accept it or fail with an errno.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct proto_request *req)
{
    char *again = proto_request_encode(req->method, json_deep_copy(req->params));
    struct proto_request r2;
    if (!again || proto_request_parse(again, strlen(again), 0, &r2, NULL) < 0)
        abort();
    if (strcmp(r2.method, req->method) != 0 || !json_equal(r2.params, req->params))
        abort();
    proto_request_fini(&r2);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_request req;
    struct st_error err = {{0}};
    if (proto_request_parse((const char *)data, size, 1 << 20, &req, &err) == 0) {
        check_roundtrip(&req);
        proto_request_fini(&req);
    } else if (err.text[0] == '\0' || errno == 0) {
        abort();
    }
    json_t *res = NULL;
    if (proto_reply_parse((const char *)data, size, &res, &err) == 0)
        json_decref(res);
    else if (errno == 0)
        abort();
    return 0;
}
