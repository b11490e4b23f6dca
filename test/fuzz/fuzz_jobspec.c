/* libFuzzer target for the jobspec parser.
 *
 * Any input must parse or fail cleanly (sanitizers catch the rest).  What
 * parses must also survive both emitters: re-parsing the emitted YAML and
 * JSON has to succeed and give the same tree, so round-trip bugs crash too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const jobspec_t *js, char *text, const char *what)
{
    if (!text)
        abort();
    struct st_error err;
    jobspec_t *again = jobspec_parse_string(text, strlen(text), what, &err);
    if (!again || !jobspec_equal(js, again)) {
        fprintf(stderr, "%s round trip failed: %s\n%s\n", what, again ? "differs" : err.text,
                text);
        abort();
    }
    jobspec_destroy(again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct st_error err;
    jobspec_t *js = jobspec_parse_string((const char *) data, size, "fuzz", &err);
    if (!js)
        return 0;
    round_trip(js, jobspec_to_yaml(js), "yaml");
    round_trip(js, jobspec_to_json(js), "json");
    (void) jobspec_duration_seconds(js);
    jobspec_destroy(js);
    return 0;
}
