/* queue_clock: where the queue manager's "now" comes from.
 *
 * strata-sim moves a simulated clock from event to event, stratad reads the
 * wall clock and resource-query style tools keep a fixed time, and the queue
 * code cannot tell them apart.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "policy/queue.h"

struct queue_clock {
    enum queue_clock_kind kind;
    int64_t t;
};

queue_clock_t *queue_clock_create(enum queue_clock_kind kind, int64_t start)
{
    if ((kind != QUEUE_CLOCK_SIMULATED && kind != QUEUE_CLOCK_WALL &&
         kind != QUEUE_CLOCK_FIXED) ||
        start < 0) {
        errno = EINVAL;
        return NULL;
    }
    queue_clock_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->kind = kind;
    c->t = start;
    return c;
}

void queue_clock_destroy(queue_clock_t *c)
{
    int saved = errno;
    free(c);
    errno = saved;
}

int64_t queue_clock_now(const queue_clock_t *c)
{
    if (!c) {
        errno = EINVAL;
        return -1;
    }
    if (c->kind == QUEUE_CLOCK_WALL)
        return (int64_t) time(NULL);
    return c->t;
}

int queue_clock_set(queue_clock_t *c, int64_t t)
{
    if (!c || t < 0) {
        errno = EINVAL;
        return -1;
    }
    if (c->kind != QUEUE_CLOCK_SIMULATED) {
        errno = EPERM;
        return -1;
    }
    if (t < c->t) {
        errno = EINVAL;
        return -1;
    }
    c->t = t;
    return 0;
}
