#include <errno.h>
#include <stdio.h>

#include "resource/st_error.h"

static void vset(struct st_error *err, const char *fmt, va_list ap)
{
    if (err)
        vsnprintf(err->text, sizeof(err->text), fmt, ap);
}

int st_errorf(struct st_error *err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    errno = errnum;
    return -1;
}

void *st_errorf_null(struct st_error *err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    errno = errnum;
    return NULL;
}
