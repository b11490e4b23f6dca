/* reader: the format dispatcher behind resource-query -f. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "resource/reader.h"

/* The formats of reference section 3, in Fluxion's factory order.  The
 * jgf_shorthand reader differs from jgf only when replaying an allocation
 * (update); loading a whole graph is the same.  rv1exec_force matters only
 * in the daemon, where it ignores an R's "scheduling" key. */
enum reader_kind { READ_GRUG, READ_HWLOC, READ_JGF, READ_RV1EXEC };

static const struct {
    const char *name;
    enum reader_kind kind;
} formats[] = {
    {"grug", READ_GRUG},         {"hwloc", READ_HWLOC},     {"jgf", READ_JGF},
    {"jgf_shorthand", READ_JGF}, {"rv1exec", READ_RV1EXEC}, {"rv1exec_force", READ_RV1EXEC},
};

static int lookup(const char *format)
{
    if (!format)
        return -1;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i].name, format) == 0)
            return (int) i;
    return -1;
}

int reader_format_valid(const char *format)
{
    return lookup(format) >= 0;
}

graph_t *reader_load(const char *format, const char *path, const char *allowlist,
                     struct st_error *err)
{
    int i = lookup(format);
    if (i < 0)
        return st_errorf_null(err, EINVAL, "unknown load format '%s'",
                              format ? format : "(null)");
    /* Only hwloc reads the live topology when no file is given. */
    if (!path && formats[i].kind != READ_HWLOC)
        return st_errorf_null(err, EINVAL, "%s: a file to load is required", format);
    /* A directory opens as a file in some readers and then fails to read
     * with a message that does not say why ("read error", "IO error"). */
    struct stat st;
    if (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return st_errorf_null(err, EISDIR, "%s: %s", path, strerror(EISDIR));
    /* The allowlist only filters hwloc topologies; Fluxion merely warns for
     * other formats, so it is ignored here too. */
    switch (formats[i].kind) {
    case READ_GRUG:
        return reader_grug_load(path, err);
    case READ_HWLOC:
        return reader_hwloc_load(path, allowlist, err);
    case READ_JGF:
        return reader_jgf_load(path, err);
    case READ_RV1EXEC:
        return reader_rv1exec_load(path, err);
    }
    return st_errorf_null(err, EINVAL, "unknown load format '%s'", format);
}
