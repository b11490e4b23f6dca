/* st_error: a human-readable error message filled by parsers and readers.
 *
 * Every function that reads outside input (a file, a jobspec, an R, a protocol
 * message) takes a `struct st_error *` and, on failure, fills it with one line
 * of the form `file:line:col: what is wrong` (line and column where known),
 * besides returning -1/NULL with errno set.  Passing NULL is allowed and means
 * the caller does not want the text.
 */
#ifndef STRATA_ST_ERROR_H
#define STRATA_ST_ERROR_H

#include <stdarg.h>

enum { ST_ERROR_MAX = 512 };

struct st_error {
    char text[ST_ERROR_MAX];
};

/* Format into err (if not NULL), set errno to errnum and return -1, so that
 * error paths stay one line long:  return st_errorf(err, EINVAL, "%s:%d: ..."). */
int st_errorf(struct st_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, returning NULL. */
void *st_errorf_null(struct st_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
