/* queue_count: a counting backend for the queue manager.
 *
 * The machine is `total` interchangeable units; a job needs job->size of
 * them for its duration.  Usage over time is a step profile: sorted points
 * (t, used) where `used` holds from t to the next point.  Adding or removing
 * a span touches the points inside it; "fits during [a, b)" and "earliest
 * start" walk the points from a.  Points before the latest "now" seen are
 * folded away, so the profile stays as short as the running jobs and
 * reservations.  This is the reference the policies are tested against and
 * a cross-check for the matcher on a flat machine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/queue.h"
#include "resource/st_array.h"

/* The point array starts with room for this many points. */
enum { PTS_FIRST = 16 };

struct point {
    int64_t t;
    int64_t used;
};

struct span {
    int64_t jobid;
    int64_t start;
    int64_t end;
    int64_t amount;
};

struct count_be {
    int64_t total;
    struct point *pts; /* pts[0] covers everything from the last "now" seen */
    size_t npts;
    size_t ptscap;
    struct span *spans;
    size_t nspans;
    size_t spancap;
};

/* Index of the last point with t <= time. */
static size_t point_index(const struct count_be *c, int64_t time)
{
    size_t lo = 0, hi = c->npts;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->pts[mid].t <= time)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Fold the points up to `now` into the first one, which then starts at now:
 * the past never matters again, and a span that ended by now (released
 * after its end) no longer touches the profile. */
static void forget_past(struct count_be *c, int64_t now)
{
    size_t i = point_index(c, now);
    if (i > 0) {
        int64_t used = c->pts[i].used;
        memmove(&c->pts[1], &c->pts[i + 1], (c->npts - i - 1) * sizeof *c->pts);
        c->npts -= i;
        c->pts[0].used = used;
    }
    if (c->pts[0].t < now)
        c->pts[0].t = now;
}

/* Most units used at any time in [a, b). */
static int64_t max_used(const struct count_be *c, int64_t a, int64_t b)
{
    int64_t m = 0;
    for (size_t i = point_index(c, a); i < c->npts && c->pts[i].t < b; i++) {
        if (c->pts[i].used > m)
            m = c->pts[i].used;
    }
    return m;
}

/* Make sure a point starts exactly at time; returns its index or -1. */
static long split_at(struct count_be *c, int64_t time)
{
    size_t i = point_index(c, time);
    if (c->pts[i].t == time)
        return (long) i;
    if (st_grow(&c->pts, &c->ptscap, c->npts + 1, sizeof *c->pts, PTS_FIRST) < 0)
        return -1;
    memmove(&c->pts[i + 2], &c->pts[i + 1], (c->npts - i - 1) * sizeof *c->pts);
    c->pts[i + 1] = (struct point){.t = time, .used = c->pts[i].used};
    c->npts++;
    return (long) (i + 1);
}

static void profile_add(struct count_be *c, int64_t a, int64_t b, int64_t amount)
{
    for (size_t i = point_index(c, a); i < c->npts && c->pts[i].t < b; i++)
        c->pts[i].used += amount;
}

static int span_index(const struct count_be *c, int64_t jobid)
{
    for (size_t i = 0; i < c->nspans; i++) {
        if (c->spans[i].jobid == jobid)
            return (int) i;
    }
    return -1;
}

/* Record the span [a, b) for the job; all or nothing. */
static int span_add(struct count_be *c, int64_t jobid, int64_t a, int64_t b, int64_t amount)
{
    if (span_index(c, jobid) >= 0) {
        errno = EEXIST;
        return -1;
    }
    if (st_grow(&c->spans, &c->spancap, c->nspans + 1, sizeof *c->spans, 64) < 0)
        return -1;
    /* Two splits need at most two more points: reserve them first so that
     * the second split cannot fail after the first succeeded. */
    if (st_grow(&c->pts, &c->ptscap, c->npts + 2, sizeof *c->pts, PTS_FIRST) < 0)
        return -1;
    /* The profile does not keep the past: a span is charged from the
     * first point on (callers only add spans at or after "now"). */
    if (a < c->pts[0].t)
        a = c->pts[0].t;
    split_at(c, a);
    split_at(c, b);
    profile_add(c, a, b, amount);
    c->spans[c->nspans++] = (struct span){jobid, a, b, amount};
    return 0;
}

static int check_job(const struct count_be *c, const struct queue_job *job)
{
    if (!job || job->duration < 1 || job->size < 1) {
        errno = EINVAL;
        return -1;
    }
    if (job->size > c->total) {
        errno = ENODEV;
        return -1;
    }
    return 0;
}

static int count_fits_now(void *ctx, const struct queue_job *job, int64_t now)
{
    struct count_be *c = ctx;
    if (check_job(c, job) < 0)
        return -1;
    forget_past(c, now);
    if (max_used(c, now, now + job->duration) + job->size > c->total) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

static int count_alloc_now(void *ctx, const struct queue_job *job, int64_t now)
{
    if (count_fits_now(ctx, job, now) < 0)
        return -1;
    return span_add(ctx, job->id, now, now + job->duration, job->size);
}

/* Earliest t >= now at which size units stay free for the duration. */
static int64_t earliest(const struct count_be *c, int64_t now, int64_t dur, int64_t size)
{
    int64_t cap = c->total - size;
    int64_t start = now;
    for (size_t i = point_index(c, now); i < c->npts; i++) {
        if (c->pts[i].used > cap) {
            start = i + 1 < c->npts ? c->pts[i + 1].t : INT64_MAX;
            continue;
        }
        if (i + 1 == c->npts || c->pts[i + 1].t >= start + dur)
            return start;
    }
    return start;
}

static int count_estimate(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    struct count_be *c = ctx;
    if (check_job(c, job) < 0 || !at) {
        if (!at)
            errno = EINVAL;
        return -1;
    }
    forget_past(c, now);
    *at = earliest(c, now, job->duration, job->size);
    return 0;
}

/* A reservation is the estimate, held: *at is set only once it is. */
static int count_reserve(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    int64_t t;
    if (count_estimate(ctx, job, now, at ? &t : NULL) < 0)
        return -1;
    if (span_add(ctx, job->id, t, t + job->duration, job->size) < 0)
        return -1;
    *at = t;
    return 0;
}

static int count_cancel(void *ctx, int64_t jobid)
{
    struct count_be *c = ctx;
    int i = span_index(c, jobid);
    if (i < 0) {
        errno = ENOENT;
        return -1;
    }
    struct span s = c->spans[i];
    c->spans[i] = c->spans[--c->nspans];
    profile_add(c, s.start, s.end, -s.amount);
    return 0;
}

static const struct queue_backend_ops count_ops = {
    .name = "count",
    .fits_now = count_fits_now,
    .alloc_now = count_alloc_now,
    .reserve = count_reserve,
    .cancel = count_cancel,
    .estimate = count_estimate,
};

int queue_backend_count_create(int64_t total, struct queue_backend *be)
{
    if (total < 1 || !be) {
        errno = EINVAL;
        return -1;
    }
    struct count_be *c = calloc(1, sizeof *c);
    struct point *pts = malloc(PTS_FIRST * sizeof *pts);
    if (!c || !pts) {
        free(c);
        free(pts);
        return -1;
    }
    c->total = total;
    c->pts = pts;
    c->ptscap = PTS_FIRST;
    c->npts = 1;
    c->pts[0] = (struct point){.t = INT64_MIN, .used = 0};
    be->ops = &count_ops;
    be->ctx = c;
    return 0;
}

void queue_backend_count_destroy(struct queue_backend *be)
{
    if (!be || be->ops != &count_ops)
        return;
    int saved = errno;
    struct count_be *c = be->ctx;
    free(c->pts);
    free(c->spans);
    free(c);
    be->ctx = NULL;
    errno = saved;
}

int64_t queue_backend_count_used(const struct queue_backend *be, int64_t t)
{
    if (!be || be->ops != &count_ops || !be->ctx) {
        errno = EINVAL;
        return -1;
    }
    const struct count_be *c = be->ctx;
    return c->pts[point_index(c, t)].used;
}
