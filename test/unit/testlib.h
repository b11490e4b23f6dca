/* test/unit/testlib.h: what every Check program here needs — where the
 * shared conformance data is, and a main() that runs one suite.
 *
 * Linked into every unit test (test/meson.build).
 */
#ifndef STRATA_TESTLIB_H
#define STRATA_TESTLIB_H

#include <check.h>

/* Path of rel below the conformance data's resource folder
 * ($STRATA_CONFORMANCE/data/resource/rel, or ../shared/conformance/... when
 * unset).  The string lives until the fourth next call. */
const char *tl_conformance_path(const char *rel);

/* Run suite s (taking it), print Check's summary; the exit status for
 * main: EXIT_SUCCESS when every test passed. */
int tl_run(Suite *s);

#endif
