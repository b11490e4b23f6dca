/* st_opt: getopt_long() errors in our words (see st_opt.h). */
#include "resource/st_opt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The option of "NAME=VALUE" in longs whose getopt value is val, or NULL.
 * NAME may be an abbreviation (getopt_long takes a unique prefix, so
 * "--qui=1" is --quiet given a value). */
static const struct option *find_long(const struct option *longs, const char *name, int val)
{
    size_t n = strcspn(name, "=");
    for (const struct option *o = longs; o && o->name; o++)
        if (o->val == val && strlen(o->name) >= n && strncmp(o->name, name, n) == 0)
            return o;
    return NULL;
}

const char *st_opt_error(int c, char *const argv[], const struct option *longs, char *buf,
                         size_t n)
{
    if ((c != '?' && c != ':') || !buf || n == 0)
        return NULL;
    /* After a long option or a missing argument, optind is past the word.
     * getopt sets optopt to 0 for an unknown long option, to the option's
     * value for one given a value it takes none of, and to the character
     * of an unknown short option (its word may still hold more). */
    const char *word = optind > 0 && argv ? argv[optind - 1] : "";
    bool is_long = strncmp(word, "--", 2) == 0;
    const struct option *o = is_long ? find_long(longs, word + 2, optopt) : NULL;
    /* a short option short of its argument ends its word, which may be a
     * cluster ("-au"): name the option, not the word */
    if (c == ':' && !is_long && optopt > 0 && optopt <= 127)
        snprintf(buf, n, "option '-%c' requires an argument", optopt);
    else if (c == ':')
        snprintf(buf, n, "option '%s' requires an argument", word);
    else if (o && !o->flag && strchr(word, '='))
        snprintf(buf, n, "option '%s' takes no value", word);
    else if (optopt <= 0 || optopt > 127)
        snprintf(buf, n, "unrecognized option '%s'", word);
    else
        snprintf(buf, n, "invalid option -- '%c'", optopt);
    return buf;
}
