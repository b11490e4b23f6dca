/* hostlist: compressed host name lists ("node[0-3,7],login1").
 *
 * Decoding expands a hostlist into names in order; encoding compresses a
 * list of names into Flux's form, keeping first-appearance order of prefixes
 * and merging runs of numeric suffixes ("node0,node1,node2" -> "node[0-2]").
 */
#ifndef STRATA_RESOURCE_HOSTLIST_H
#define STRATA_RESOURCE_HOSTLIST_H

#include <stddef.h>

#include "resource/st_error.h"

typedef struct hostlist hostlist_t;

/* An empty list; NULL with ENOMEM.  Free with hostlist_destroy() (NULL is a
 * no-op; errno is preserved). */
hostlist_t *hostlist_create(void);
void hostlist_destroy(hostlist_t *hl);

/* Hosts one decoded list may expand to: guards against "n[0-999999999]". */
enum { HOSTLIST_MAX_HOSTS = 1 << 20 };

/* Parse "node[0-3],login1".  NULL with EINVAL on bad text or more than
 * HOSTLIST_MAX_HOSTS hosts. */
hostlist_t *hostlist_decode(const char *text, struct st_error *err);

/* Append one host name (copied): 0, or -1 with EINVAL (NULL, empty, or a
 * name containing ',', '[' or ']') or ENOMEM. */
int hostlist_append(hostlist_t *hl, const char *host);

/* Number of hosts (0 for NULL). */
size_t hostlist_count(const hostlist_t *hl);
/* i-th host name (valid for the hostlist's life); NULL with EINVAL when i is
 * out of range. */
const char *hostlist_nth(const hostlist_t *hl, size_t i);
/* 1 if name is in the list, 0 if not, -1 with EINVAL on NULL arguments. */
int hostlist_find(const hostlist_t *hl, const char *name);

/* Encode compressed ("" for an empty list).  Caller frees; NULL with EINVAL
 * (hl NULL) or ENOMEM. */
char *hostlist_encode(const hostlist_t *hl);

#endif
