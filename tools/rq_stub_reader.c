/* rq_stub_reader: stand-ins for the reader dispatcher while
 * resource/reader.c is still the skeleton's placeholder, so that
 * resource-query links.  tools/meson.build compiles this file only in that
 * case.  Delete once reader.c lands. */
#include <errno.h>
#include <string.h>

#include "resource/reader.h"

int reader_format_valid(const char *format)
{
    static const char *const names[] = {"grug",          "hwloc",   "jgf",
                                        "jgf_shorthand", "rv1exec", "rv1exec_force"};
    for (size_t i = 0; format && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(format, names[i]) == 0)
            return 1;
    return 0;
}

graph_t *reader_load(const char *format, const char *path, const char *allowlist,
                     struct st_error *err)
{
    (void) allowlist;
    if (format && strcmp(format, "jgf") == 0)
        return reader_jgf_load(path, err);
    return st_errorf_null(err, ENOSYS, "%s: reader %s is not built yet", path ? path : "-",
                          format ? format : "?");
}
