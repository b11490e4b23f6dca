/* Unit tests for resource/st_opt.h (getopt_long errors in our words). */
#include <check.h>
#include <getopt.h>
#include <string.h>

#include "resource/st_opt.h"
#include "test/unit/testlib.h"

enum { OPT_NOEXEC = 256 };
static const struct option longs[] = {{"load", required_argument, NULL, 'L'},
                                      {"quiet", no_argument, NULL, 'q'},
                                      {"noexec", no_argument, NULL, OPT_NOEXEC},
                                      {NULL, 0, NULL, 0}};

/* Run getopt_long over words (NULL-terminated after argv[0]) until its
 * first error; return the words st_opt_error() gives for it ("" if none). */
static const char *first_error(char *words[], int nwords, char *buf, size_t n)
{
    optind = 0; /* glibc: a full reset between scans */
    opterr = 0;
    int c;
    while ((c = getopt_long(nwords, words, ":L:q", longs, NULL)) != -1) {
        const char *msg = st_opt_error(c, words, longs, buf, n);
        if (msg)
            return msg;
    }
    return "";
}

#define ASSERT_ERROR(want, ...)                                                              \
    do {                                                                                     \
        char *w_[] = {"prog", __VA_ARGS__, NULL};                                            \
        char b_[128];                                                                        \
        const char *got_ = first_error(w_, (int)(sizeof w_ / sizeof w_[0]) - 1, b_, sizeof b_); \
        ck_assert_msg(strcmp(got_, want) == 0, "got '%s', want '%s'", got_, want);           \
    } while (0)

START_TEST(test_words)
{
    ASSERT_ERROR("unrecognized option '--bogus'", "--bogus");
    ASSERT_ERROR("unrecognized option '--bogus=1'", "-q", "--bogus=1");
    ASSERT_ERROR("invalid option -- 'x'", "-x");
    ASSERT_ERROR("invalid option -- 'x'", "-qx"); /* inside a cluster */
    ASSERT_ERROR("invalid option -- 'x'", "--quiet", "-qx"); /* not the long word before */
    ASSERT_ERROR("option '-L' requires an argument", "-L");
    ASSERT_ERROR("option '-L' requires an argument", "-qL"); /* -L, not the cluster */
    ASSERT_ERROR("option '--load' requires an argument", "--load");
    ASSERT_ERROR("option '--quiet=1' takes no value", "--quiet=1");
    ASSERT_ERROR("option '--noexec=yes' takes no value", "--noexec=yes");
    /* getopt_long takes a unique abbreviation: it is the same option */
    ASSERT_ERROR("option '--qui=1' takes no value", "--qui=1");
    ASSERT_ERROR("option '--noex=yes' takes no value", "--noex=yes");
    ASSERT_ERROR("", "-q", "--load=x", "-Lx", "--noexec"); /* all good */
}
END_TEST

/* Not an error, or nowhere to write: NULL, and buf untouched. */
START_TEST(test_bad_params)
{
    char buf[16] = "same";
    char *w[] = {"prog", NULL};
    ck_assert_ptr_null(st_opt_error('q', w, longs, buf, sizeof buf));
    ck_assert_ptr_null(st_opt_error(-1, w, longs, buf, sizeof buf));
    ck_assert_ptr_null(st_opt_error('?', w, longs, NULL, 16));
    ck_assert_ptr_null(st_opt_error('?', w, longs, buf, 0));
    ck_assert_str_eq(buf, "same");
    /* a short buffer is cut, never overrun */
    optind = 2;
    optopt = 0;
    char *w2[] = {"prog", "--a-very-long-unknown-option-name", NULL};
    char small[12];
    ck_assert_ptr_eq(st_opt_error('?', w2, NULL, small, sizeof small), small);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("st_opt");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_words);
    tcase_add_test(tc, test_bad_params);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
