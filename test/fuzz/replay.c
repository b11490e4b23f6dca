/* replay: run a libFuzzer target without libFuzzer, over seed files and
 * deterministic mutations of them, so that every regular test run (and the
 * ASan+UBSan one) exercises the parsers with malformed input.
 *
 *   fuzz_replay_T [-n MUTATIONS] [-s SEED] [-m MAXBYTES] PATH...
 *
 * PATH is a file or a folder (read recursively).  Each input is fed as is,
 * then MUTATIONS times changed (bytes overwritten, cut short, a range
 * deleted or repeated), with a fixed xorshift seed so a failure reproduces.
 * The target's own oracle aborts on a wrong answer; the sanitizers catch
 * memory errors.  Files over MAXBYTES are fed as is only.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct replay {
    long mutations, maxbytes;
    uint64_t rng;
    long inputs, runs;
};

static uint64_t next(struct replay *r)
{
    r->rng ^= r->rng << 13;
    r->rng ^= r->rng >> 7;
    r->rng ^= r->rng << 17;
    return r->rng;
}

static size_t below(struct replay *r, size_t n)
{
    return n ? (size_t) (next(r) % n) : 0;
}

/* One mutation of src (n bytes) into dst (room for 2n+1); its length. */
static size_t mutate(struct replay *r, const uint8_t *src, size_t n, uint8_t *dst)
{
    static const char interesting[] = "{}[]<>\":,-0129 \n\\/=";
    memcpy(dst, src, n);
    size_t a = below(r, n + 1), b = a + below(r, n - a + 1);
    switch (next(r) % 5) {
    case 0: /* a few bytes overwritten with anything */
        for (int k = 0, m = 1 + (int) below(r, 4); n && k < m; k++)
            dst[below(r, n)] = (uint8_t) next(r);
        return n;
    case 1: /* a few bytes overwritten with syntax */
        for (int k = 0, m = 1 + (int) below(r, 4); n && k < m; k++)
            dst[below(r, n)] = (uint8_t) interesting[below(r, sizeof(interesting) - 1)];
        return n;
    case 2: /* cut short */
        return a;
    case 3: /* [a, b) deleted */
        memmove(dst + a, src + b, n - b);
        return n - (b - a);
    default: /* [a, b) repeated */
        memcpy(dst + b, src + a, b - a);
        memcpy(dst + b + (b - a), src + b, n - b);
        return n + (b - a);
    }
}

static int replay_file(struct replay *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || st.st_size < 0) {
        fclose(f);
        return -1;
    }
    size_t n = (size_t) st.st_size;
    uint8_t *src = malloc(n + 1), *dst = malloc(2 * n + 1);
    if (!src || !dst || fread(src, 1, n, f) != n) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(src);
        free(dst);
        fclose(f);
        return -1;
    }
    fclose(f);
    r->inputs++;
    LLVMFuzzerTestOneInput(src, n);
    r->runs++;
    for (long i = 0; (long) n <= r->maxbytes && i < r->mutations; i++) {
        size_t m = mutate(r, src, n, dst);
        /* a private copy of exactly m bytes, so ASan sees reads past it */
        uint8_t *in = malloc(m ? m : 1);
        if (!in)
            break;
        memcpy(in, dst, m);
        LLVMFuzzerTestOneInput(in, m);
        free(in);
        r->runs++;
    }
    free(src);
    free(dst);
    return 0;
}

static int replay_path(struct replay *r, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(r, path);
    struct dirent **names;
    int k = scandir(path, &names, NULL, alphasort); /* sorted: runs reproduce */
    if (k < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < k; i++) {
        char sub[4096];
        if (names[i]->d_name[0] != '.' &&
            snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name) < (int) sizeof(sub) &&
            replay_path(r, sub) < 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    struct replay r = {.mutations = 100, .maxbytes = 256 * 1024, .rng = 0x9e3779b97f4a7c15u};
    int c;
    while ((c = getopt(argc, argv, "n:s:m:h")) != -1) {
        switch (c) {
        case 'n': r.mutations = atol(optarg); break;
        case 's': r.rng = strtoull(optarg, NULL, 0) | 1; break;
        case 'm': r.maxbytes = atol(optarg); break;
        default:
            fprintf(c == 'h' ? stdout : stderr,
                    "Usage: %s [-n MUTATIONS] [-s SEED] [-m MAXBYTES] PATH...\n", argv[0]);
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: no seed files given (-h for help)\n", argv[0]);
        return 2;
    }
    int rc = 0;
    for (int i = optind; i < argc; i++)
        if (replay_path(&r, argv[i]) < 0)
            rc = 1;
    printf("%s: %ld inputs, %ld runs, no crash\n", argv[0], r.inputs, r.runs);
    return rc;
}
