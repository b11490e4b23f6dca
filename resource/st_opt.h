/* st_opt: the words for a getopt_long() error, one style for every tool.
 *
 * getopt's own messages name argv[0] as typed (a path such as
 * ./build/daemon/stratad) and cannot be reworded, so the tools set
 * opterr = 0, start their short options with ':' (a missing argument is
 * then ':' rather than '?') and say what went wrong themselves, prefixed
 * with their name. */
#ifndef STRATA_RESOURCE_ST_OPT_H
#define STRATA_RESOURCE_ST_OPT_H

#include <getopt.h>
#include <stddef.h>

/* After getopt_long() returned c, write what went wrong into buf (n
 * bytes): "unrecognized option '--x'", "invalid option -- 'x'", "option
 * '--x' requires an argument" or, when longs (may be NULL) knows the
 * name, "option '--x=1' takes no value".  Returns buf, or NULL (buf
 * untouched) when c is not an error ('?' or ':'), buf is NULL or n is 0. */
const char *st_opt_error(int c, char *const argv[], const struct option *longs, char *buf,
                         size_t n);

#endif
