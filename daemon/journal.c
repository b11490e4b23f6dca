/* journal: the append-only record of acknowledged jobs.
 *
 * One record per line: the CRC-32 of the JSON text in 8 hex digits, a
 * space, the JSON object, a newline.  A line that is cut short (no newline,
 * as after a crash in the middle of a write) or whose CRC does not match is
 * a corrupt tail: replay stops there, says so on stderr and in
 * journal_error(), copies the tail to journal.bad and truncates the journal
 * to its last good record so that new records follow good ones.
 *
 * Records: submit {id, uid, t, noexec, jobspec}, run {id, t, R},
 * inactive {id, t, result, exitcode, reason}, the resource changes of
 * props.c (status and property, and resources: all of them at once, right
 * after the head of a compacted journal), and snapshot {njobs} at the
 * head of a compacted journal (the highest id ever given, so that ids are
 * not reused after old jobs were purged).  Submits and resource changes
 * are fsync'ed (before the daemon acknowledges them); a lost run or
 * inactive record makes a job look like it was still running, and such
 * jobs are failed on restart anyway.
 *
 * A failed append leaves nothing behind: a partly written record is cut
 * off again (ftruncate to the size before it), so that the next record
 * follows a good one and the refused submit is not replayed later.
 *
 * Compaction rewrites the journal as the records of the jobs the instance
 * keeps (journal.tmp: write, fsync, rename over journal, fsync the
 * directory).  Until the rename the old journal is whole; after it the new
 * one is; a journal.tmp left by a crash is removed at open.
 *
 * Test hook: STRATAD_FAULT="journal-submit=N" makes the Nth synced append
 * (a submit, drain or property change) after open write half its bytes
 * and fail with ENOSPC (a full disk);
 * "compact-kill=S" sends the daemon SIGKILL at step S (1..4) of the first
 * compaction: 1 with journal.tmp half written, 2 written and synced, 3
 * renamed, 4 done; "compact-fail" makes every compaction fail with ENOSPC
 * once journal.tmp is written (it is removed, the journal kept).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "daemon/stratad.h"

struct journal {
    char *path;
    char *dir;
    int fd;
    off_t size; /* bytes of good records: where the next one goes */
    int64_t records;
    int64_t snapshot_records; /* written by the last compaction */
    int64_t appends;          /* synced appends since open, for the fault hook */
    int64_t fail_append;      /* STRATAD_FAULT journal-submit=N, 0: none */
    int compact_kill;         /* STRATAD_FAULT compact-kill=S, 0: none */
    bool compact_fail;        /* STRATAD_FAULT compact-fail */
    char error[512];
};

/* The test hook (see the top of the file). */
static void read_fault(struct journal *jn)
{
    const char *f = getenv("STRATAD_FAULT");
    long long v;
    if (!f)
        return;
    if (sscanf(f, "journal-submit=%lld", &v) == 1 && v > 0)
        jn->fail_append = v;
    else if (sscanf(f, "compact-kill=%lld", &v) == 1 && v >= 1 && v <= 4)
        jn->compact_kill = (int)v;
    else if (strcmp(f, "compact-fail") == 0)
        jn->compact_fail = true;
}

static void fault_kill(const struct journal *jn, int step)
{
    if (jn->compact_kill == step) {
        fprintf(stderr, "stratad: STRATAD_FAULT: killed at compaction step %d\n", step);
        raise(SIGKILL);
    }
}

struct journal *journal_open(const char *dir, struct st_error *err)
{
    struct journal *jn = calloc(1, sizeof *jn);
    if (!jn || !(jn->dir = strdup(dir)) || asprintf(&jn->path, "%s/journal", dir) < 0) {
        if (jn)
            free(jn->dir);
        free(jn);
        return st_errorf_null(err, ENOMEM, "out of memory");
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", jn->path);
    unlink(tmp); /* a compaction cut short: the journal itself is whole */
    jn->fd = open(jn->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    struct stat st;
    if (jn->fd < 0 || fstat(jn->fd, &st) < 0) {
        int e = errno;
        st_errorf(err, e, "%s: %s", jn->path, strerror(e));
        if (jn->fd >= 0)
            close(jn->fd);
        free(jn->path);
        free(jn->dir);
        free(jn);
        errno = e;
        return NULL;
    }
    jn->size = st.st_size;
    read_fault(jn);
    return jn;
}

void journal_close(struct journal *jn)
{
    if (!jn)
        return;
    int e = errno;
    close(jn->fd);
    free(jn->path);
    free(jn->dir);
    free(jn);
    errno = e;
}

const char *journal_path(const struct journal *jn)
{
    return jn->path;
}

const char *journal_error(const struct journal *jn)
{
    return jn->error[0] ? jn->error : NULL;
}

int64_t journal_records(const struct journal *jn)
{
    return jn->records;
}

/* "crc json\n" appended to a growing buffer. */
static int format_record(json_t *rec, char **buf, size_t *len, size_t *cap)
{
    char *s = json_dumps(rec, JSON_COMPACT);
    if (!s)
        return -1;
    size_t n = strlen(s);
    if (*len + n + 11 > *cap) {
        size_t c = (*cap + n + 11) * 2;
        char *b = realloc(*buf, c);
        if (!b) {
            free(s);
            return -1;
        }
        *buf = b;
        *cap = c;
    }
    uint32_t crc = (uint32_t)crc32(0L, (const Bytef *)s, (uInt)n);
    *len += (size_t)sprintf(*buf + *len, "%08x %s\n", (unsigned)crc, s);
    free(s);
    return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write len bytes of formatted records at the end (and sync): all of them,
 * or none (a partial write is cut off again). */
static int write_records(struct journal *jn, const char *buf, size_t len, bool sync)
{
    int rc;
    if (sync && jn->fail_append > 0 && ++jn->appends == jn->fail_append) {
        (void)write_all(jn->fd, buf, len / 2);
        rc = -1;
        errno = ENOSPC;
    } else {
        rc = write_all(jn->fd, buf, len);
    }
    if (rc == 0 && sync)
        rc = fdatasync(jn->fd);
    if (rc == 0) {
        jn->size += (off_t)len;
        return 0;
    }
    int e = errno;
    if (ftruncate(jn->fd, jn->size) < 0 || fdatasync(jn->fd) < 0)
        fprintf(stderr, "stratad: journal: cannot cut a failed record off: %s\n",
                strerror(errno));
    errno = e;
    return -1;
}

int journal_append_many(struct journal *jn, json_t **recs, size_t n)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = recs[i] ? format_record(recs[i], &buf, &len, &cap) : (errno = ENOMEM, -1);
    if (rc == 0)
        rc = write_records(jn, buf, len, true);
    if (rc == 0)
        jn->records += (int64_t)n;
    int e = errno;
    free(buf);
    errno = e;
    return rc;
}

int journal_append(struct journal *jn, json_t *rec, bool sync)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = rec ? format_record(rec, &buf, &len, &cap) : (errno = ENOMEM, -1);
    json_decref(rec);
    if (rc == 0)
        rc = write_records(jn, buf, len, sync);
    if (rc == 0)
        jn->records++;
    int e = errno;
    free(buf);
    errno = e;
    return rc;
}

/* ---- records ---------------------------------------------------------------------- */

json_t *journal_rec_submit(int64_t id, uint32_t uid, double t, bool noexec, json_t *spec)
{
    return json_pack("{s:s, s:I, s:i, s:f, s:b, s:O}", "type", "submit", "id", (json_int_t)id,
                     "uid", (int)uid, "t", t, "noexec", noexec, "jobspec", spec);
}

json_t *journal_rec_run(const struct job *j)
{
    json_t *rec = json_pack("{s:s, s:I, s:f}", "type", "run", "id", (json_int_t)j->id, "t",
                            j->t[JOB_RUN]);
    if (rec && j->R)
        json_object_set_new(rec, "R", json_string(j->R));
    return rec;
}

json_t *journal_rec_inactive(const struct job *j)
{
    json_t *rec = json_pack("{s:s, s:I, s:f, s:s, s:i}", "type", "inactive", "id",
                            (json_int_t)j->id, "t", j->t[JOB_INACTIVE], "result",
                            job_result_name(j->result), "exitcode", j->exitcode);
    if (rec && j->reason)
        json_object_set_new(rec, "reason", json_string(j->reason));
    return rec;
}

/* ---- compaction --------------------------------------------------------------------- */

/* The records that rebuild job j as it is now. */
static int job_records(const struct job *j, char **buf, size_t *len, size_t *cap, int64_t *n)
{
    json_t *recs[3] = {journal_rec_submit(j->id, j->uid, j->t[JOB_NEW], j->noexec, j->spec),
                       NULL, NULL};
    int k = 1;
    if (j->t[JOB_RUN] > 0 && j->state != JOB_PENDING && j->state != JOB_NEW)
        recs[k++] = journal_rec_run(j);
    if (j->state == JOB_INACTIVE)
        recs[k++] = journal_rec_inactive(j);
    int rc = 0;
    for (int i = 0; i < k; i++) {
        if (rc == 0)
            rc = recs[i] ? format_record(recs[i], buf, len, cap) : (errno = ENOMEM, -1);
        json_decref(recs[i]);
    }
    *n += k;
    return rc;
}

static int snapshot_text(struct instance *inst, char **buf, size_t *len, int64_t *n)
{
    size_t cap = 0;
    json_t *head = json_pack("{s:s, s:I}", "type", "snapshot", "njobs", (json_int_t)inst->njobs);
    int rc = head ? format_record(head, buf, len, &cap) : (errno = ENOMEM, -1);
    json_decref(head);
    *n = 1;
    json_t *res = rc == 0 ? props_snapshot(inst) : NULL; /* before the jobs, as at replay */
    if (rc == 0 && !res && errno)
        rc = -1;
    if (res) {
        rc = format_record(res, buf, len, &cap);
        json_decref(res);
        (*n)++;
    }
    for (int64_t id = 1; rc == 0 && id <= inst->njobs; id++) {
        const struct job *j = inst_job(inst, id);
        if (j && !j->purge)
            rc = job_records(j, buf, len, &cap, n);
    }
    return rc;
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int journal_compact(struct journal *jn, struct instance *inst)
{
    char *buf = NULL, tmp[4096];
    size_t len = 0;
    int64_t n = 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", jn->path);
    if (snapshot_text(inst, &buf, &len, &n) < 0) {
        free(buf);
        return -1;
    }
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && jn->compact_kill == 1) {
        rc = write_all(fd, buf, len / 2);
        fault_kill(jn, 1);
    }
    if (rc == 0)
        rc = write_all(fd, buf, len);
    if (rc == 0)
        rc = fdatasync(fd);
    if (rc == 0)
        fault_kill(jn, 2);
    if (rc == 0 && jn->compact_fail) {
        rc = -1;
        errno = ENOSPC;
    }
    if (rc == 0)
        rc = rename(tmp, jn->path);
    int e = errno;
    free(buf);
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    fault_kill(jn, 3);
    /* From here the new journal is the journal: a failed directory sync
     * only means the rename may not survive a power loss yet. */
    if (sync_dir(jn->dir) < 0)
        fprintf(stderr, "stratad: journal: fsync %s: %s\n", jn->dir, strerror(errno));
    close(jn->fd);
    jn->fd = fd;
    jn->size = (off_t)len;
    jn->records = n;
    jn->snapshot_records = n;
    fault_kill(jn, 4);
    return 0;
}

int64_t journal_snapshot_records(const struct journal *jn)
{
    return jn->snapshot_records;
}

/* ---- replay --------------------------------------------------------------------- */

static json_t *parse_line(const char *line, size_t len)
{
    if (len < 10 || line[8] != ' ')
        return NULL;
    char hex[9];
    memcpy(hex, line, 8);
    hex[8] = '\0';
    char *end;
    unsigned long want = strtoul(hex, &end, 16);
    if (*end)
        return NULL;
    const char *js = line + 9;
    size_t n = len - 9;
    if ((unsigned long)crc32(0L, (const Bytef *)js, (uInt)n) != want)
        return NULL;
    return json_loadb(js, n, 0, NULL);
}

static void apply_submit(struct instance *inst, json_t *rec)
{
    json_int_t id = json_integer_value(json_object_get(rec, "id"));
    json_t *spec = json_object_get(rec, "jobspec");
    char *text = json_dumps(spec, JSON_COMPACT);
    jobspec_t *js = text ? jobspec_parse_string(text, strlen(text), "journal", NULL) : NULL;
    free(text);
    struct job *j = js ? inst_job_new(inst, id, (uint32_t)json_integer_value(
                                                    json_object_get(rec, "uid")),
                                      js, spec, json_is_true(json_object_get(rec, "noexec")))
                       : NULL;
    if (!j) {
        jobspec_destroy(js);
        return;
    }
    j->t[JOB_NEW] = json_real_value(json_object_get(rec, "t"));
    j->t[JOB_PENDING] = j->t[JOB_NEW];
}

/* The job a run or inactive record names, now in state st at the record's
 * time (the state counts follow); NULL if there is no such job. */
static struct job *replay_state(struct instance *inst, json_t *rec, enum job_state st)
{
    struct job *j = inst_job(inst, json_integer_value(json_object_get(rec, "id")));
    if (!j)
        return NULL;
    j->t[st] = json_real_value(json_object_get(rec, "t"));
    inst->count[j->state]--;
    j->state = st;
    inst->count[st]++;
    return j;
}

static void apply_run(struct instance *inst, json_t *rec)
{
    struct job *j = replay_state(inst, rec, JOB_RUN);
    if (!j)
        return;
    const char *R = json_string_value(json_object_get(rec, "R"));
    inst_job_take_R(inst, j, R ? strdup(R) : NULL); /* ranks and nnodes too */
}

static void apply_inactive(struct instance *inst, json_t *rec)
{
    struct job *j = replay_state(inst, rec, JOB_INACTIVE);
    if (!j)
        return;
    job_result_parse(json_string_value(json_object_get(rec, "result")), &j->result);
    j->exitcode = (int)json_integer_value(json_object_get(rec, "exitcode"));
    const char *reason = json_string_value(json_object_get(rec, "reason"));
    if (reason && !j->reason)
        j->reason = strdup(reason);
}

static void apply(struct instance *inst, json_t *rec, int64_t lineno, int64_t *missing)
{
    const char *type = json_string_value(json_object_get(rec, "type"));
    if (!type)
        return;
    if (props_is_record(rec)) {
        if (props_apply(inst, rec, missing) < 0)
            fprintf(stderr, "stratad: journal: record %lld: %s change not fully replayed: %s\n",
                    (long long)lineno, type, strerror(errno));
    } else if (strcmp(type, "submit") == 0)
        apply_submit(inst, rec);
    else if (strcmp(type, "run") == 0)
        apply_run(inst, rec);
    else if (strcmp(type, "inactive") == 0)
        apply_inactive(inst, rec);
    else if (strcmp(type, "snapshot") == 0)
        inst_jobs_reserve_ids(inst, json_integer_value(json_object_get(rec, "njobs")));
}

/* Save the bad tail beside the journal, then cut it off. */
static void cut_tail(struct journal *jn, const char *buf, size_t good, size_t size,
                     int64_t lineno, bool truncated)
{
    snprintf(jn->error, sizeof jn->error,
             "%s:%lld: %s record; %zu byte(s) from there on saved to %s.bad and dropped",
             jn->path, (long long)lineno, truncated ? "truncated" : "corrupt (CRC or JSON)",
             size - good, jn->path);
    fprintf(stderr, "stratad: journal: %s\n", jn->error);
    char *bad;
    if (asprintf(&bad, "%s.bad", jn->path) >= 0) {
        int fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (write_all(fd, buf + good, size - good) < 0)
                perror("stratad: journal.bad");
            close(fd);
        }
        free(bad);
    }
    if (ftruncate(jn->fd, (off_t)good) < 0 || fdatasync(jn->fd) < 0)
        perror("stratad: journal truncate");
    jn->size = (off_t)good;
}

static char *read_all(int fd, size_t *size)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    *size = got;
    return buf;
}

int journal_replay(struct journal *jn, struct instance *inst, struct st_error *err)
{
    size_t size = 0;
    char *buf = read_all(jn->fd, &size);
    if (!buf)
        return st_errorf(err, errno, "%s: %s", jn->path, strerror(errno));
    size_t off = 0;
    int64_t lineno = 0, missing = 0;
    while (off < size) {
        lineno++;
        const char *nl = memchr(buf + off, '\n', size - off);
        json_t *rec = nl ? parse_line(buf + off, (size_t)(nl - (buf + off))) : NULL;
        if (!rec) {
            cut_tail(jn, buf, off, size, lineno, !nl);
            break;
        }
        apply(inst, rec, lineno, &missing);
        json_decref(rec);
        jn->records++;
        off = (size_t)(nl - buf) + 1;
    }
    free(buf);
    if (missing > 0)
        fprintf(stderr, "stratad: journal: %lld drain or property change(s) name vertices "
                        "these resources do not have; skipped\n", (long long)missing);
    return 0;
}
