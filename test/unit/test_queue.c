/* Unit tests for the queue manager and the queue policies (policy/queue.h):
 * hand-made scenarios on the counting backend with exact expected
 * schedules, multiple queues, estimates, and bad parameters. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/queue.h"
#include "test/unit/testlib.h"

/* ---- a tiny event loop: submit, finish, one pass per instant ---------------- */

struct tjob {
    int64_t id, submit, run, req, size;
    const char *queue;
};

struct tsim {
    queue_mgr_t *m;
    queue_clock_t *clock;
    struct queue_backend be;
    const struct tjob *jobs;
    int n;
    int64_t shape_class;
    int64_t start[16];
    enum queue_start how[16];
    int rejected[16];
};

static int job_index(const struct tsim *s, int64_t id)
{
    for (int i = 0; i < s->n; i++) {
        if (s->jobs[i].id == id)
            return i;
    }
    return -1;
}

static void on_event(void *arg, const struct queue_job *job, const struct queue_job_status *st)
{
    struct tsim *s = arg;
    int i = job_index(s, job->id);
    ck_assert_int_ge(i, 0);
    if (st->state == QUEUE_JOB_RUNNING) {
        s->start[i] = st->start;
        s->how[i] = st->how;
    } else if (st->state == QUEUE_JOB_REJECTED) {
        s->rejected[i] = st->reject_errno;
    }
}

static void tsim_init(struct tsim *s, int64_t total, const struct queue_params *qp, int nq)
{
    memset(s, 0, sizeof *s);
    ck_assert_int_eq(queue_backend_count_create(total, &s->be), 0);
    s->clock = queue_clock_create(QUEUE_CLOCK_SIMULATED, 0);
    ck_assert_ptr_nonnull(s->clock);
    s->m = queue_mgr_create(&s->be, s->clock);
    ck_assert_ptr_nonnull(s->m);
    for (int i = 0; i < nq; i++)
        ck_assert_int_eq(queue_mgr_add_queue(s->m, &qp[i], NULL), 0);
    ck_assert_int_eq(queue_mgr_set_callback(s->m, on_event, s), 0);
}

static void tsim_fini(struct tsim *s)
{
    queue_mgr_destroy(s->m);
    queue_clock_destroy(s->clock);
    queue_backend_count_destroy(&s->be);
}

/* Run jobs (sorted by submit) to completion: at each instant, submit the
 * arrivals, finish the jobs whose run ended, then one pass. */
static void tsim_run(struct tsim *s, const struct tjob *jobs, int n)
{
    s->jobs = jobs;
    s->n = n;
    for (int i = 0; i < n; i++)
        s->start[i] = -1;
    int next = 0;
    for (;;) {
        int64_t t = INT64_MAX;
        if (next < n)
            t = jobs[next].submit;
        for (int i = 0; i < n; i++) {
            struct queue_job_status st;
            ck_assert_int_eq(queue_job_get(s->m, jobs[i].id, &st) == 0, i < next);
            if (i < next && st.state == QUEUE_JOB_RUNNING && st.start + jobs[i].run < t)
                t = st.start + jobs[i].run;
        }
        if (t == INT64_MAX)
            break;
        ck_assert_int_eq(queue_clock_set(s->clock, t), 0);
        for (; next < n && jobs[next].submit == t; next++) {
            struct queue_job j = {.id = jobs[next].id,
                                  .submit = t,
                                  .duration = jobs[next].req,
                                  .size = jobs[next].size,
                                  .queue = jobs[next].queue,
                                  .shape_class = s->shape_class};
            ck_assert_int_eq(queue_submit(s->m, &j, NULL), 0);
        }
        for (int i = 0; i < next; i++) {
            struct queue_job_status st;
            queue_job_get(s->m, jobs[i].id, &st);
            if (st.state == QUEUE_JOB_RUNNING && st.start + jobs[i].run == t)
                ck_assert_int_eq(queue_finish(s->m, jobs[i].id), 0);
        }
        ck_assert_int_ge(queue_schedule(s->m), 0);
    }
}

static void check_starts(const struct tsim *s, const int64_t *expect)
{
    for (int i = 0; i < s->n; i++)
        ck_assert_msg(s->start[i] == expect[i], "job %lld: start %lld, expected %lld",
                      (long long) s->jobs[i].id, (long long) s->start[i],
                      (long long) expect[i]);
}

/* ---- scenarios ---------------------------------------------------------------- */

/* 4 units.  J2 (whole machine) blocks behind J1; J3 and J5 fit in the hole
 * before J2's reservation; J4 does not. */
static const struct tjob scen_b[] = {
    {1, 0, 10, 10, 2, NULL}, {2, 1, 10, 10, 4, NULL}, {3, 2, 5, 5, 2, NULL},
    {4, 3, 20, 20, 2, NULL}, {5, 4, 3, 3, 1, NULL},
};

/* 6 units.  J4 backfills under EASY (it fits in the head's extra) and so
 * delays J3, the second waiting job; conservative reserves J3 first. */
static const struct tjob scen_c[] = {
    {1, 0, 10, 10, 4, NULL},
    {2, 1, 10, 10, 4, NULL},
    {3, 2, 10, 10, 5, NULL},
    {4, 3, 30, 30, 2, NULL},
};

struct policy_case {
    const struct tjob *jobs;
    int n;
    int64_t total;
    struct queue_params qp;
    int64_t expect[8];
};

static const struct policy_case policy_cases[] = {
    {scen_b, 5, 4, {"q", "fcfs", 0, 0, false}, {0, 10, 20, 20, 25}},
    {scen_b, 5, 4, {"q", "easy", 0, 0, false}, {0, 10, 2, 20, 7}},
    {scen_b, 5, 4, {"q", "hybrid", 0, 0, false}, {0, 10, 2, 20, 7}},
    {scen_b, 5, 4, {"q", "conservative", 0, 0, false}, {0, 10, 2, 20, 7}},
    /* queue-depth 2: J5 is never considered while three jobs wait. */
    {scen_b, 5, 4, {"q", "easy", 2, 0, false}, {0, 10, 2, 20, 20}},
    {scen_c, 4, 6, {"q", "fcfs", 0, 0, false}, {0, 10, 20, 30}},
    {scen_c, 4, 6, {"q", "easy", 0, 0, false}, {0, 10, 33, 3}},
    {scen_c, 4, 6, {"q", "hybrid", 0, 1, false}, {0, 10, 33, 3}},
    {scen_c, 4, 6, {"q", "hybrid", 0, 2, false}, {0, 10, 20, 30}},
    {scen_c, 4, 6, {"q", "conservative", 0, 0, false}, {0, 10, 20, 30}},
    /* Floating EASY agrees with pinned EASY on interchangeable units. */
    {scen_b, 5, 4, {"q", "easy", 0, 0, true}, {0, 10, 2, 20, 7}},
    {scen_c, 4, 6, {"q", "easy", 0, 0, true}, {0, 10, 33, 3}},
    {scen_c, 4, 6, {"q", "hybrid", 0, 1, true}, {0, 10, 33, 3}},
    /* ... and is ignored for deeper reservations. */
    {scen_c, 4, 6, {"q", "conservative", 0, 0, true}, {0, 10, 20, 30}},
    /* conservative capped by a queue-depth of 1 is EASY-like with no
     * backfill candidates at all: jobs run in order. */
    {scen_c, 4, 6, {"q", "conservative", 1, 0, false}, {0, 10, 20, 30}},
};

START_TEST(test_policy_schedules)
{
    const struct policy_case *c = &policy_cases[_i];
    struct tsim s;
    tsim_init(&s, c->total, &c->qp, 1);
    tsim_run(&s, c->jobs, c->n);
    check_starts(&s, c->expect);
    ck_assert_uint_eq(queue_pending_count(s.m), 0);
    ck_assert_uint_eq(queue_running_count(s.m), 0);
    tsim_fini(&s);
}
END_TEST

START_TEST(test_start_kinds)
{
    struct queue_params qp = {"q", "easy", 0, 0, false};
    struct tsim s;
    tsim_init(&s, 6, &qp, 1);
    tsim_run(&s, scen_c, 4);
    ck_assert_int_eq(s.how[0], QUEUE_START_IMMEDIATE);
    ck_assert_int_eq(s.how[1], QUEUE_START_RESERVATION);
    ck_assert_int_eq(s.how[2], QUEUE_START_RESERVATION);
    ck_assert_int_eq(s.how[3], QUEUE_START_BACKFILL);
    ck_assert_str_eq(queue_start_name(s.how[3]), "backfill");
    tsim_fini(&s);
}
END_TEST

/* A job that ends early lets the reserved head start before its estimate. */
START_TEST(test_early_end_and_estimate)
{
    struct queue_params qp = {"q", "easy", 0, 0, false};
    struct tsim s;
    tsim_init(&s, 4, &qp, 1);
    struct queue_job j1 = {.id = 1, .submit = 0, .duration = 100, .size = 4};
    struct queue_job j2 = {.id = 2, .submit = 1, .duration = 10, .size = 4};
    s.jobs = (const struct tjob[]){{1, 0, 10, 100, 4, NULL}, {2, 1, 10, 10, 4, NULL}};
    s.n = 2;
    ck_assert_int_eq(queue_submit(s.m, &j1, NULL), 0);
    ck_assert_int_eq(queue_schedule(s.m), 1);
    ck_assert_int_eq(queue_clock_set(s.clock, 1), 0);
    ck_assert_int_eq(queue_submit(s.m, &j2, NULL), 0);
    ck_assert_int_eq(queue_job_fits_now(s.m, 2), 0);
    ck_assert_int_eq(queue_schedule(s.m), 0);
    struct queue_job_status st;
    ck_assert_int_eq(queue_job_get(s.m, 2, &st), 0);
    ck_assert_int_eq(st.state, QUEUE_JOB_PENDING);
    ck_assert_int_eq(st.t_estimate, 100);
    /* The reservation is gone after the pass: the backend is free after 100. */
    ck_assert_int_eq(queue_backend_count_used(&s.be, 150), 0);
    ck_assert_int_eq(queue_clock_set(s.clock, 10), 0);
    ck_assert_int_eq(queue_finish(s.m, 1), 0);
    ck_assert_int_eq(queue_job_fits_now(s.m, 2), 1);
    ck_assert_int_eq(queue_schedule(s.m), 1);
    ck_assert_int_eq(queue_job_get(s.m, 2, &st), 0);
    ck_assert_int_eq(st.state, QUEUE_JOB_RUNNING);
    ck_assert_int_eq(st.start, 10);
    ck_assert_int_eq(st.how, QUEUE_START_RESERVATION);
    ck_assert_int_eq(queue_backend_count_used(&s.be, 15), 4);
    struct queue_pass_stats ps;
    ck_assert_int_eq(queue_mgr_pass_stats(s.m, &ps), 0);
    ck_assert_int_eq(ps.passes, 3);
    ck_assert_int_ge(ps.backend_calls, 3);
    tsim_fini(&s);
}
END_TEST

/* With a shape class, calls that must fail are answered without the
 * backend, and every schedule stays the same. */
START_TEST(test_shape_class_skips)
{
    static const struct tjob jobs[] = {
        {1, 0, 10, 10, 4, NULL}, {2, 1, 5, 5, 2, NULL}, {3, 1, 5, 5, 3, NULL},
        {4, 1, 6, 6, 2, NULL},   {5, 1, 1, 1, 1, NULL}, {6, 2, 3, 3, 1, NULL},
    };
    static const char *const pol[] = {"fcfs", "easy", "hybrid", "conservative"};
    for (int p = 0; p < 4; p++) {
        struct queue_params qp = {"q", pol[p], 0, 0, false};
        struct tsim plain, skip;
        struct queue_pass_stats ps_plain, ps_skip;
        tsim_init(&plain, 4, &qp, 1);
        tsim_run(&plain, jobs, 6);
        tsim_init(&skip, 4, &qp, 1);
        skip.shape_class = 1;
        tsim_run(&skip, jobs, 6);
        check_starts(&skip, plain.start);
        queue_mgr_pass_stats(plain.m, &ps_plain);
        queue_mgr_pass_stats(skip.m, &ps_skip);
        ck_assert_int_eq(ps_plain.skipped_calls, 0);
        if (strcmp(pol[p], "easy") == 0) { /* others reserve every job: no skip */
            ck_assert_int_gt(ps_skip.skipped_calls, 0);
            ck_assert_int_lt(ps_skip.backend_calls, ps_plain.backend_calls);
        }
        tsim_fini(&plain);
        tsim_fini(&skip);
    }
}
END_TEST

/* ---- a backend where placement matters: nodes of `cores` cores, a job takes
 * `size` cores of one node, the lowest-numbered node that fits ----------- */

struct nspan {
    int64_t id, node, start, end, size;
};

struct nodes_be {
    int64_t nodes, cores;
    struct nspan spans[64];
    int n;
};

static int64_t node_used_max(const struct nodes_be *b, int64_t node, int64_t a, int64_t e)
{
    int64_t worst = 0;
    for (int i = 0; i < b->n; i++) { /* usage peaks at a span start (or at a) */
        const struct nspan *p = &b->spans[i];
        int64_t t = p->start > a ? p->start : a;
        if (p->node != node || t >= e || p->end <= t)
            continue;
        int64_t used = 0;
        for (int k = 0; k < b->n; k++) {
            const struct nspan *q = &b->spans[k];
            if (q->node == node && q->start <= t && t < q->end)
                used += q->size;
        }
        worst = used > worst ? used : worst;
    }
    return worst;
}

static int64_t node_fit(const struct nodes_be *b, const struct queue_job *j, int64_t t)
{
    for (int64_t nd = 0; nd < b->nodes; nd++) {
        if (node_used_max(b, nd, t, t + j->duration) + j->size <= b->cores)
            return nd;
    }
    return -1;
}

static int nodes_place(struct nodes_be *b, const struct queue_job *j, int64_t t, int64_t nd)
{
    ck_assert_int_lt(b->n, 64);
    b->spans[b->n++] = (struct nspan){j->id, nd, t, t + j->duration, j->size};
    return 0;
}

static int nodes_fits_now(void *ctx, const struct queue_job *j, int64_t now)
{
    if (node_fit(ctx, j, now) < 0) {
        errno = EBUSY;
        return -1;
    }
    return 0;
}

static int nodes_alloc_now(void *ctx, const struct queue_job *j, int64_t now)
{
    int64_t nd = node_fit(ctx, j, now);
    if (nd < 0) {
        errno = EBUSY;
        return -1;
    }
    return nodes_place(ctx, j, now, nd);
}

/* Earliest time: now or a span end, trying nodes in order at each time. */
static int nodes_reserve(void *ctx, const struct queue_job *j, int64_t now, int64_t *at)
{
    struct nodes_be *b = ctx;
    int64_t best = now;
    for (;;) {
        int64_t nd = node_fit(b, j, best);
        if (nd >= 0) {
            *at = best;
            return nodes_place(b, j, best, nd);
        }
        int64_t next = INT64_MAX;
        for (int i = 0; i < b->n; i++) {
            if (b->spans[i].end > best && b->spans[i].end < next)
                next = b->spans[i].end;
        }
        ck_assert_int_ne(next, INT64_MAX);
        best = next;
    }
}

static int nodes_cancel(void *ctx, int64_t id)
{
    struct nodes_be *b = ctx;
    for (int i = 0; i < b->n; i++) {
        if (b->spans[i].id == id) {
            b->spans[i] = b->spans[--b->n];
            return 0;
        }
    }
    errno = ENOENT;
    return -1;
}

static const struct queue_backend_ops nodes_ops = {
    .name = "nodes",
    .fits_now = nodes_fits_now,
    .alloc_now = nodes_alloc_now,
    .reserve = nodes_reserve,
    .cancel = nodes_cancel,
};

/* Two nodes of two cores.  The blocked J3 could start at 10 on either node;
 * its pinned reservation takes node0, the only node where J4 fits now, so
 * pinned EASY refuses J4 while floating EASY starts it (J3 then takes
 * node1 at 10, as promised). */
START_TEST(test_floating_vs_pinned)
{
    static const struct tjob jobs[] = {
        {1, 0, 10, 10, 1, NULL},
        {2, 0, 10, 10, 2, NULL},
        {3, 1, 10, 10, 2, NULL},
        {4, 1, 50, 50, 1, NULL},
    };
    static const int64_t expect_pinned[] = {0, 0, 10, 10};
    static const int64_t expect_floating[] = {0, 0, 10, 1};
    for (int f = 0; f < 2; f++) {
        struct nodes_be nb = {.nodes = 2, .cores = 2};
        struct queue_params qp = {"q", "easy", 0, 0, f == 1};
        struct tsim s;
        memset(&s, 0, sizeof s);
        s.be = (struct queue_backend){.ops = &nodes_ops, .ctx = &nb};
        s.clock = queue_clock_create(QUEUE_CLOCK_SIMULATED, 0);
        s.m = queue_mgr_create(&s.be, s.clock);
        ck_assert_int_eq(queue_mgr_add_queue(s.m, &qp, NULL), 0);
        queue_mgr_set_callback(s.m, on_event, &s);
        tsim_run(&s, jobs, 4);
        check_starts(&s, f ? expect_floating : expect_pinned);
        if (f)
            ck_assert_int_eq(s.how[3], QUEUE_START_BACKFILL);
        ck_assert_int_eq(nb.n, 0);
        queue_mgr_destroy(s.m);
        queue_clock_destroy(s.clock);
    }
}
END_TEST

/* Unsatisfiable jobs are rejected without stalling fcfs or easy. */
START_TEST(test_unsatisfiable)
{
    static const char *const pol[] = {"fcfs", "easy", "conservative"};
    for (int p = 0; p < 3; p++) {
        struct queue_params qp = {"q", pol[p], 0, 0, false};
        struct tsim s;
        tsim_init(&s, 4, &qp, 1);
        static const struct tjob jobs[] = {{1, 0, 5, 5, 8, NULL}, {2, 0, 5, 5, 1, NULL}};
        tsim_run(&s, jobs, 2);
        ck_assert_int_eq(s.rejected[0], ENODEV);
        ck_assert_int_eq(s.start[0], -1);
        ck_assert_int_eq(s.start[1], 0);
        struct queue_job_status st;
        ck_assert_int_eq(queue_job_get(s.m, 1, &st), 0);
        ck_assert_int_eq(st.state, QUEUE_JOB_REJECTED);
        tsim_fini(&s);
    }
}
END_TEST

/* Priority first, then submit time, then submission order. */
START_TEST(test_queue_order)
{
    struct queue_params qp = {"q", "fcfs", 0, 0, false};
    struct tsim s;
    tsim_init(&s, 1, &qp, 1);
    static const struct tjob jobs[] = {
        {10, 0, 1, 1, 1, NULL}, {11, 0, 1, 1, 1, NULL}, {12, 0, 1, 1, 1, NULL}};
    s.jobs = jobs;
    s.n = 3;
    struct queue_job a = {.id = 10, .submit = 5, .duration = 1, .size = 1};
    struct queue_job b = {.id = 11, .submit = 3, .duration = 1, .size = 1};
    struct queue_job c = {.id = 12, .submit = 9, .duration = 1, .size = 1, .priority = 7};
    ck_assert_int_eq(queue_clock_set(s.clock, 10), 0);
    ck_assert_int_eq(queue_submit(s.m, &a, NULL), 0);
    ck_assert_int_eq(queue_submit(s.m, &b, NULL), 0);
    ck_assert_int_eq(queue_submit(s.m, &c, NULL), 0);
    int64_t order[3];
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(queue_schedule(s.m), 1);
        for (int i = 0; i < 3; i++) {
            struct queue_job_status st;
            queue_job_get(s.m, jobs[i].id, &st);
            if (st.state == QUEUE_JOB_RUNNING) {
                order[k] = jobs[i].id;
                ck_assert_int_eq(queue_finish(s.m, jobs[i].id), 0);
            }
        }
        ck_assert_int_eq(queue_clock_set(s.clock, 11 + k), 0);
    }
    ck_assert_int_eq(order[0], 12);
    ck_assert_int_eq(order[1], 11);
    ck_assert_int_eq(order[2], 10);
    tsim_fini(&s);
}
END_TEST

/* Two queues share the machine: "debug" (fcfs) is routed by name, the
 * first queue takes unnamed jobs, and each queue's policy applies to its
 * own jobs only. */
START_TEST(test_multi_queue)
{
    struct queue_params qp[2] = {{"batch", "easy", 0, 0, false},
                                 {"debug", "fcfs", 0, 0, false}};
    struct tsim s;
    tsim_init(&s, 4, qp, 2);
    ck_assert_int_eq(queue_mgr_queue_count(s.m), 2);
    ck_assert_str_eq(queue_mgr_queue_name(s.m, 1), "debug");
    static const struct tjob jobs[] = {
        {1, 0, 10, 10, 2, NULL},    /* batch: runs 0-10 */
        {2, 1, 10, 10, 4, "debug"}, /* debug head: blocked until 10 */
        {3, 2, 5, 5, 2, "debug"},   /* debug is fcfs: no backfill */
        {4, 3, 5, 5, 2, "batch"},   /* batch backfills now */
    };
    tsim_run(&s, jobs, 4);
    int64_t expect[] = {0, 10, 20, 3};
    check_starts(&s, expect);
    struct queue_job_status st;
    ck_assert_int_eq(queue_job_get(s.m, 3, &st), 0);
    ck_assert_str_eq(st.queue, "debug");
    ck_assert_int_eq(queue_job_get(s.m, 4, &st), 0);
    ck_assert_str_eq(st.queue, "batch");
    struct queue_info qi;
    ck_assert_int_eq(queue_mgr_queue_info(s.m, 1, &qi), 0);
    ck_assert_str_eq(qi.name, "debug");
    ck_assert_str_eq(qi.policy, "fcfs");
    ck_assert_int_eq(qi.queue_depth, QUEUE_DEFAULT_QUEUE_DEPTH);
    ck_assert_int_eq(qi.reservation_depth, 0);
    ck_assert_int_eq(queue_mgr_queue_info(s.m, 0, &qi), 0);
    ck_assert_str_eq(qi.policy, "easy");
    /* Without an explicit queue, the jobspec's attributes.system.queue
     * routes the job. */
    struct jobspec js = {.queue = "debug"};
    struct queue_job viajs = {.id = 8, .submit = 30, .duration = 1, .size = 1, .js = &js};
    ck_assert_int_eq(queue_submit(s.m, &viajs, NULL), 0);
    ck_assert_int_eq(queue_job_get(s.m, 8, &st), 0);
    ck_assert_str_eq(st.queue, "debug");
    ck_assert_int_eq(queue_cancel(s.m, 8), 0);
    struct st_error err = {{0}};
    struct queue_job bad = {.id = 9, .submit = 30, .duration = 1, .size = 1, .queue = "nope"};
    ck_assert_int_eq(queue_submit(s.m, &bad, &err), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(err.text, "nope"));
    ck_assert_int_eq(queue_job_get(s.m, 9, &st), -1);
    tsim_fini(&s);
}
END_TEST

START_TEST(test_cancel)
{
    struct queue_params qp = {"q", "fcfs", 0, 0, false};
    struct tsim s;
    tsim_init(&s, 2, &qp, 1);
    struct queue_job a = {.id = 1, .submit = 0, .duration = 10, .size = 2};
    struct queue_job b = {.id = 2, .submit = 0, .duration = 10, .size = 2};
    struct queue_job c = {.id = 3, .submit = 0, .duration = 10, .size = 1};
    s.jobs = (const struct tjob[]){
        {1, 0, 1, 1, 1, NULL}, {2, 0, 1, 1, 1, NULL}, {3, 0, 1, 1, 1, NULL}};
    s.n = 3;
    queue_submit(s.m, &a, NULL);
    queue_submit(s.m, &b, NULL);
    queue_submit(s.m, &c, NULL);
    ck_assert_int_eq(queue_schedule(s.m), 1);
    ck_assert_uint_eq(queue_pending_count(s.m), 2);
    ck_assert_int_eq(queue_cancel(s.m, 2), 0);
    ck_assert_uint_eq(queue_pending_count(s.m), 1);
    ck_assert_int_eq(queue_cancel(s.m, 1), 0);
    ck_assert_int_eq(queue_backend_count_used(&s.be, 0), 0);
    ck_assert_int_eq(queue_schedule(s.m), 1);
    struct queue_job_status st;
    queue_job_get(s.m, 2, &st);
    ck_assert_int_eq(st.state, QUEUE_JOB_CANCELED);
    ck_assert_str_eq(queue_job_state_name(st.state), "canceled");
    ck_assert_int_eq(queue_cancel(s.m, 2), -1);
    ck_assert_int_eq(errno, EINVAL);
    tsim_fini(&s);
}
END_TEST

/* The counting backend on its own: reservations fill holes in time. */
START_TEST(test_count_backend)
{
    struct queue_backend be;
    ck_assert_int_eq(queue_backend_count_create(4, &be), 0);
    struct queue_job a = {.id = 1, .duration = 10, .size = 3};
    struct queue_job b = {.id = 2, .duration = 5, .size = 2};
    struct queue_job c = {.id = 3, .duration = 5, .size = 1};
    struct queue_job d = {.id = 4, .duration = 5, .size = 5};
    int64_t at = -1;
    ck_assert_int_eq(be.ops->alloc_now(be.ctx, &a, 0), 0);
    ck_assert_int_eq(be.ops->alloc_now(be.ctx, &b, 0), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(be.ops->reserve(be.ctx, &b, 0, &at), 0);
    ck_assert_int_eq(at, 10);
    ck_assert_int_eq(be.ops->reserve(be.ctx, &c, 0, &at), 0);
    ck_assert_int_eq(at, 0);
    ck_assert_int_eq(be.ops->fits_now(be.ctx, &c, 0), -1);
    ck_assert_int_eq(be.ops->reserve(be.ctx, &d, 0, &at), -1);
    ck_assert_int_eq(errno, ENODEV);
    ck_assert_int_eq(queue_backend_count_used(&be, 12), 2);
    ck_assert_int_eq(be.ops->cancel(be.ctx, 2), 0);
    ck_assert_int_eq(be.ops->cancel(be.ctx, 2), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(queue_backend_count_used(&be, 12), 0);
    ck_assert_int_eq(queue_backend_count_used(&be, 3), 4);
    queue_backend_count_destroy(&be);
}
END_TEST

START_TEST(test_clock)
{
    queue_clock_t *c = queue_clock_create(QUEUE_CLOCK_SIMULATED, 5);
    ck_assert_int_eq(queue_clock_now(c), 5);
    ck_assert_int_eq(queue_clock_set(c, 7), 0);
    ck_assert_int_eq(queue_clock_now(c), 7);
    ck_assert_int_eq(queue_clock_set(c, 6), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(queue_clock_now(c), 7);
    queue_clock_destroy(c);
    c = queue_clock_create(QUEUE_CLOCK_FIXED, 3);
    ck_assert_int_eq(queue_clock_set(c, 9), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_int_eq(queue_clock_now(c), 3);
    queue_clock_destroy(c);
    c = queue_clock_create(QUEUE_CLOCK_WALL, 0);
    ck_assert_int_gt(queue_clock_now(c), 1600000000);
    queue_clock_destroy(c);
}
END_TEST

START_TEST(test_badparam)
{
    struct st_error err = {{0}};
    struct queue_backend be;
    TL_ASSERT_NULL_ERRNO(queue_clock_create((enum queue_clock_kind) 42, 0), EINVAL);
    ck_assert_ptr_null(queue_clock_create(QUEUE_CLOCK_SIMULATED, -1));
    ck_assert_int_eq(queue_clock_now(NULL), -1);
    ck_assert_int_eq(queue_clock_set(NULL, 1), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 1234;
    queue_clock_destroy(NULL);
    queue_mgr_destroy(NULL);
    queue_backend_count_destroy(NULL);
    ck_assert_int_eq(errno, 1234);

    ck_assert_int_eq(queue_backend_count_create(0, &be), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(queue_backend_count_create(4, NULL), -1);
    ck_assert_int_eq(queue_backend_count_used(NULL, 0), -1);
    ck_assert_int_eq(queue_backend_count_create(4, &be), 0);
    struct queue_backend wrong = {.ops = NULL, .ctx = be.ctx};
    ck_assert_int_eq(queue_backend_count_used(&wrong, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    struct queue_job zero = {.id = 1, .duration = 0, .size = 1};
    ck_assert_int_eq(be.ops->alloc_now(be.ctx, &zero, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(be.ops->reserve(be.ctx, &zero, 0, NULL), -1);

    queue_clock_t *c = queue_clock_create(QUEUE_CLOCK_SIMULATED, 0);
    ck_assert_ptr_null(queue_mgr_create(NULL, c));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(queue_mgr_create(&be, NULL));
    struct queue_backend_ops partial = {.name = "partial"};
    struct queue_backend pbe = {.ops = &partial};
    ck_assert_ptr_null(queue_mgr_create(&pbe, c));
    queue_mgr_t *m = queue_mgr_create(&be, c);
    ck_assert_ptr_nonnull(m);

    struct queue_job j = {.id = 1, .submit = 0, .duration = 5, .size = 1};
    ck_assert_int_eq(queue_submit(m, &j, &err), -1); /* no queue yet */
    ck_assert_int_eq(errno, EINVAL);

    ck_assert_int_eq(queue_mgr_add_queue(NULL, &(struct queue_params){.name = "a"}, &err), -1);
    ck_assert_int_eq(queue_mgr_add_queue(m, NULL, &err), -1);
    ck_assert_int_eq(queue_mgr_add_queue(m, &(struct queue_params){.name = NULL}, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(
        queue_mgr_add_queue(m, &(struct queue_params){.name = "a", .policy = "lifo"}, &err),
        -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_nonnull(strstr(err.text, "lifo"));
    ck_assert_int_eq(
        queue_mgr_add_queue(
            m, &(struct queue_params){.name = "a", .policy = "easy", .queue_depth = -1}, &err),
        -1);
    ck_assert_int_eq(queue_mgr_add_queue(
                         m,
                         &(struct queue_params){
                             .name = "a", .reservation_depth = QUEUE_MAX_RESERVATION_DEPTH + 1},
                         &err),
                     -1);
    ck_assert_int_eq(queue_mgr_queue_count(m), 0);
    ck_assert_int_eq(
        queue_mgr_add_queue(m, &(struct queue_params){.name = "a", .policy = "easy"}, &err), 0);
    ck_assert_int_eq(
        queue_mgr_add_queue(m, &(struct queue_params){.name = "a", .policy = "fcfs"}, &err),
        -1);
    ck_assert_int_eq(errno, EEXIST);
    ck_assert_int_eq(queue_mgr_queue_count(m), 1);
    ck_assert_int_eq(queue_mgr_queue_count(NULL), 0);
    ck_assert_ptr_null(queue_mgr_queue_name(m, 1));
    ck_assert_ptr_null(queue_mgr_queue_name(NULL, 0));
    struct queue_info qi;
    ck_assert_int_eq(queue_mgr_queue_info(m, 0, &qi), 0);
    ck_assert_str_eq(qi.name, "a");
    ck_assert_str_eq(qi.policy, "easy");
    ck_assert_int_eq(qi.reservation_depth, 1);
    ck_assert_int_eq(queue_mgr_queue_info(m, 1, &qi), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(queue_mgr_queue_info(NULL, 0, &qi), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(queue_mgr_queue_info(m, 0, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(queue_policy_exists("hybrid"));
    ck_assert(!queue_policy_exists("lifo"));
    ck_assert(!queue_policy_exists(NULL));

    ck_assert_int_eq(queue_mgr_set_callback(NULL, NULL, NULL), -1);
    ck_assert_int_eq(queue_submit(NULL, &j, &err), -1);
    ck_assert_int_eq(queue_submit(m, NULL, &err), -1);
    struct queue_job badid = {.id = -1, .duration = 5, .size = 1};
    ck_assert_int_eq(queue_submit(m, &badid, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    struct queue_job baddur = {.id = 2, .duration = 0, .size = 1};
    ck_assert_int_eq(queue_submit(m, &baddur, &err), -1);
    ck_assert_int_eq(queue_submit(m, &j, &err), 0);
    ck_assert_int_eq(queue_submit(m, &j, &err), -1);
    ck_assert_int_eq(errno, EEXIST);
    ck_assert_uint_eq(queue_pending_count(m), 1);

    ck_assert_int_eq(queue_job_fits_now(NULL, 1), -1);
    ck_assert_int_eq(queue_job_fits_now(m, 99), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(queue_schedule(NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(queue_finish(NULL, 1), -1);
    ck_assert_int_eq(queue_finish(m, 99), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(queue_finish(m, 1), -1); /* pending, not running */
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(queue_cancel(NULL, 1), -1);
    ck_assert_int_eq(queue_cancel(m, 99), -1);
    ck_assert_int_eq(errno, ENOENT);
    struct queue_job_status st;
    ck_assert_int_eq(queue_job_get(NULL, 1, &st), -1);
    ck_assert_int_eq(queue_job_get(m, 1, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(queue_job_get(m, 99, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(queue_mgr_pass_stats(NULL, NULL), -1);
    ck_assert_int_eq(queue_mgr_pass_stats(m, NULL), -1);
    ck_assert_uint_eq(queue_pending_count(NULL), 0);
    ck_assert_uint_eq(queue_running_count(NULL), 0);
    ck_assert_str_eq(queue_job_state_name((enum queue_job_state) 99), "?");
    ck_assert_str_eq(queue_start_name((enum queue_start) - 1), "?");

    queue_mgr_destroy(m);
    queue_clock_destroy(c);
    queue_backend_count_destroy(&be);
}
END_TEST

static Suite *queue_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_policy_schedules, 0,
                        (int) (sizeof policy_cases / sizeof policy_cases[0]));
    tcase_add_test(tc, test_start_kinds);
    tcase_add_test(tc, test_early_end_and_estimate);
    tcase_add_test(tc, test_shape_class_skips);
    tcase_add_test(tc, test_floating_vs_pinned);
    tcase_add_test(tc, test_unsatisfiable);
    tcase_add_test(tc, test_queue_order);
    tcase_add_test(tc, test_multi_queue);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_count_backend);
    tcase_add_test(tc, test_clock);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(queue_suite());
}
