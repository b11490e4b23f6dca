/* fuzz_text.h: the fuzz input as a C string, for the targets whose readers
 * take NUL-terminated text (JGF, R) while libFuzzer hands over bytes with a
 * length.  Header-only so that the targets and their replay executables
 * need no extra source file in either meson.build.
 */
#ifndef STRATA_FUZZ_TEXT_H
#define STRATA_FUZZ_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'ed copy of data[0..size) with a NUL after it (an embedded NUL
 * just ends the text early, as it would for any caller); NULL when memory
 * runs out, which the target treats as nothing to test. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return NULL;
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
