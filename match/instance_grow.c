/* instance_grow: attach with jobs (match/instance_grow.h). */
#include <errno.h>

#include "match/instance_grow.h"
#include "match/match_private.h"
#include "resource/reader.h"

int match_attach_live(matcher_t *m, const char *jgf_text, struct st_error *err)
{
    if (!m || !jgf_text)
        return st_errorf(err, EINVAL, "invalid argument");
    if (m->njobs == 0)
        return match_attach(m, jgf_text, err);
    if (reader_jgf_attach(m->g, jgf_text, "JGF", err) < 0)
        return -1;
    /* New vertices get their planners, totals count them, and every job's
     * filter spans are laid again over the new totals. */
    if (match_refilter(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
}
