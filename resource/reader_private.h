/* reader_private: helpers shared by the reader implementations (JGF, R,
 * hwloc).  Not part of the public reader interface.
 */
#ifndef STRATA_RESOURCE_READER_PRIVATE_H
#define STRATA_RESOURCE_READER_PRIVATE_H

#include <jansson.h>

#include "resource/st_error.h"

/* Read the whole file at path into a NUL-terminated buffer.  Returns it
 * (caller frees), or NULL with errno set and err filled ("PATH: reason"). */
char *reader_read_file(const char *path, struct st_error *err);

/* Parse the JSON document text, called name in messages.  Returns its root
 * (the caller owns the reference), or NULL with errno EINVAL and err filled
 * with "NAME:LINE:COL: jansson's reason". */
json_t *reader_json_loads(const char *text, const char *name, struct st_error *err);

#endif
