/* Unit tests for resource/hostlist. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/hostlist.h"
#include "test/unit/testlib.h"

/* decode(text): expanded names joined by ' ', and the re-encoding
 * (NULL expanded: decode must fail). */
static const struct {
    const char *text;
    const char *expanded;
    const char *encoded;
} codec_cases[] = {
    { "", "", "" },
    { "node0", "node0", "node0" },
    { "login", "login", "login" },
    { "node[0-3]", "node0 node1 node2 node3", "node[0-3]" },
    { "node[0-3,7],login1", "node0 node1 node2 node3 node7 login1", "node[0-3,7],login1" },
    { "node[0-1]", "node0 node1", "node[0-1]" },
    { "node[01-03]", "node01 node02 node03", "node[01-03]" },
    { "node[9-11]", "node9 node10 node11", "node[9-11]" },
    { "node[08-11]", "node08 node09 node10 node11", "node[08-11]" },
    { "node[1]", "node1", "node1" },
    { "rack[1-2]-ib", "rack1-ib rack2-ib", "rack1-ib,rack2-ib" },
    { "node1,node0", "node1 node0", "node[1,0]" },
    { "a1,b1,a2", "a1 b1 a2", "a1,b1,a2" },
    { "node[0,2,4-5]", "node0 node2 node4 node5", "node[0,2,4-5]" },
    { "x,node[3-4]", "x node3 node4", "x,node[3-4]" },
    { "node[", NULL, NULL },
    { "node]", NULL, NULL },
    { "node[]", NULL, NULL },
    { "node[3-1]", NULL, NULL },
    { "node[a]", NULL, NULL },
    { "node[1-]", NULL, NULL },
    { "node[1,]", NULL, NULL },
    { "a,,b", NULL, NULL },
    { "a,", NULL, NULL },
    { "n[1]x[2]", NULL, NULL },
    { "n[0-99999999999]", NULL, NULL }, /* more than HOSTLIST_MAX_HOSTS */
    { "n[0000000000000000000000000000001-2]", NULL, NULL }, /* absurd padding */
};

static char *join(const hostlist_t *hl)
{
    static char buf[1024];
    buf[0] = '\0';
    for (size_t i = 0; i < hostlist_count(hl); i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, hostlist_nth(hl, i));
    }
    return buf;
}

START_TEST(test_codec)
{
    struct st_error err = { { 0 } };
    hostlist_t *hl = hostlist_decode(codec_cases[_i].text, &err);
    if (!codec_cases[_i].expanded) {
        ck_assert_msg(hl == NULL, "'%s' should not decode", codec_cases[_i].text);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(strstr(err.text, "hostlist") != NULL, "error text: %s", err.text);
        return;
    }
    ck_assert_msg(hl != NULL, "'%s': %s", codec_cases[_i].text, err.text);
    ck_assert_str_eq(join(hl), codec_cases[_i].expanded);
    char *enc = hostlist_encode(hl);
    ck_assert_str_eq(enc, codec_cases[_i].encoded);
    /* The encoding decodes back to the same list. */
    hostlist_t *again = hostlist_decode(enc, &err);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(join(again), codec_cases[_i].expanded);
    hostlist_destroy(again);
    free(enc);
    hostlist_destroy(hl);
}
END_TEST

START_TEST(test_append_find)
{
    hostlist_t *hl = hostlist_create();
    ck_assert_ptr_nonnull(hl);
    ck_assert_uint_eq(hostlist_count(hl), 0);
    const char *names[] = { "node0", "node1", "node2", "login1", "node3" };
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(hostlist_append(hl, names[i]), 0);
    ck_assert_uint_eq(hostlist_count(hl), 5);
    ck_assert_str_eq(hostlist_nth(hl, 3), "login1");
    ck_assert_int_eq(hostlist_find(hl, "node2"), 1);
    ck_assert_int_eq(hostlist_find(hl, "node9"), 0);
    char *e = hostlist_encode(hl);
    ck_assert_str_eq(e, "node[0-2],login1,node3");
    free(e);
    hostlist_destroy(hl);
}
END_TEST

START_TEST(test_large)
{
    hostlist_t *hl = hostlist_decode("node[0-4095]", NULL);
    ck_assert_ptr_nonnull(hl);
    ck_assert_uint_eq(hostlist_count(hl), 4096);
    ck_assert_str_eq(hostlist_nth(hl, 4095), "node4095");
    char *e = hostlist_encode(hl);
    ck_assert_str_eq(e, "node[0-4095]");
    free(e);
    hostlist_destroy(hl);
}
END_TEST

START_TEST(test_badparam)
{
    struct st_error err;
    TL_ASSERT_NULL_ERRNO(hostlist_decode(NULL, &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(hostlist_encode(NULL), EINVAL);
    hostlist_t *hl = hostlist_create();
    TL_ASSERT_ERRNO(hostlist_append(NULL, "a"), EINVAL);
    TL_ASSERT_ERRNO(hostlist_append(hl, NULL), EINVAL);
    TL_ASSERT_ERRNO(hostlist_append(hl, ""), EINVAL);
    TL_ASSERT_ERRNO(hostlist_append(hl, "a,b"), EINVAL);
    ck_assert_uint_eq(hostlist_count(hl), 0); /* unchanged */
    ck_assert_uint_eq(hostlist_count(NULL), 0);
    TL_ASSERT_NULL_ERRNO(hostlist_nth(hl, 0), EINVAL);
    ck_assert_ptr_null(hostlist_nth(NULL, 0));
    TL_ASSERT_ERRNO(hostlist_find(NULL, "a"), EINVAL);
    ck_assert_int_eq(hostlist_find(hl, NULL), -1);
    errno = 42;
    hostlist_destroy(NULL);
    ck_assert_int_eq(errno, 42);
    hostlist_destroy(hl);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("hostlist");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_codec, 0, sizeof(codec_cases) / sizeof(codec_cases[0]));
    tcase_add_test(tc, test_append_find);
    tcase_add_test(tc, test_large);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
