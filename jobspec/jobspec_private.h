/* jobspec_private: helpers shared by the files of the jobspec module.
 *
 * jobspec.c parses and validates, emit.c serializes, shape.c builds from a
 * command shape.  The shape builder assembles JSON and runs it through the
 * parser, so a built jobspec obeys exactly what the parser enforces; it
 * shares the property-name rule to report bad --requires values early.
 */
#ifndef STRATA_JOBSPEC_PRIVATE_H
#define STRATA_JOBSPEC_PRIVATE_H

#include "jobspec/jobspec.h"

/* Characters RFC 31 / Fluxion forbid inside a property name ('^' is allowed
 * only as the leading negation mark). */
#define JOBSPEC_PROPERTY_BADCHARS "!&'\"^`|()"

/* 0 if `name` is a valid property constraint entry ("foo", "^foo"); else -1
 * and *badchar set to the offending character ('\0' for an empty name). */
int jobspec_property_check(const char *name, char *badchar);

/* The jobspec as a new JSON object in canonical key order (version,
 * resources, tasks, attributes).  NULL with ENOMEM. */
json_t *jobspec_to_json_value(const jobspec_t *js);

/* Free the contents of a constraint (not the struct itself). */
void jobspec_constraint_fini(struct js_constraint *c);

#endif
