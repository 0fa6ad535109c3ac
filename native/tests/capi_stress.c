/* Engine lifetime under threads: release while another thread is inside a call (at a
 * known point, and at twelve timings), double and concurrent release, stale handles
 * after new engines exist, and several threads sharing one engine. Every call must
 * return a status (never crash), in-flight calls must finish with correct outputs, and
 * released handles must stay invalid. Written against the ABI 3 entry points, so it also
 * builds against a library from before the fixes (which crashed here). Prints "N passed, N failed"; exit 0 when all pass.
 * Usage: capi_stress MODEL.onnx */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "starplugin.h"

static int passed = 0, failed = 0;
static pthread_mutex_t tally = PTHREAD_MUTEX_INITIALIZER;
#define CHECK(cond, what) do { int ok_ = (cond); pthread_mutex_lock(&tally); if (ok_) passed++; else { failed++; \
    printf("FAIL %s (line %d): %s\n", what, __LINE__, sp_last_error()); } pthread_mutex_unlock(&tally); } while (0)

enum { W = 96, H = 80, C = 3 };
static const char* model;
static float input_buf[W * H * C];
static float reference[W * H * C];

static sp_image image(float* data) {
    sp_image im; memset(&im, 0, sizeof im);
    im.data = data; im.width = W; im.height = H; im.channels = C; im.layout = SP_LAYOUT_INTERLEAVED; im.row_stride = W * C;
    return im;
}

static double max_diff(const float* a, const float* b) {
    double worst = 0;
    for (int i = 0; i < W * H * C; i++) { double e = fabs((double)a[i] - b[i]); if (e > worst) worst = e; }
    return worst;
}

static sp_engine* new_engine(void) {
    sp_engine* e = NULL;
    CHECK(sp_engine_create(model, SP_DEVICE_CPU, 1, &e) == SP_OK && e != NULL, "create");
    return e;
}

/* --- release at a known point inside the call: from the first progress callback --- */
typedef struct gate { pthread_mutex_t m; pthread_cond_t c; int inside, released; } gate;
static gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

static int hold_until_released(double f, const char* stage, void* user) {
    (void)f; (void)stage; (void)user;
    pthread_mutex_lock(&g.m);
    if (!g.inside) { g.inside = 1; pthread_cond_broadcast(&g.c); }
    while (!g.released) pthread_cond_wait(&g.c, &g.m);
    pthread_mutex_unlock(&g.m);
    return 1;
}

typedef struct call { sp_engine* engine; float out[W * H * C]; int status; sp_progress_fn progress; } call;

static void* remove_call(void* arg) {
    call* c = arg;
    sp_image in = image(input_buf), out = image(c->out);
    c->status = sp_remove_stars(c->engine, &in, NULL, NULL, &out, NULL, NULL, c->progress, NULL);
    return NULL;
}

static void release_mid_call(void) {
    static call c;
    memset(&c, 0, sizeof c);
    c.engine = new_engine(); c.progress = hold_until_released;
    pthread_t t;
    pthread_create(&t, NULL, remove_call, &c);
    pthread_mutex_lock(&g.m);
    while (!g.inside) pthread_cond_wait(&g.c, &g.m);
    pthread_mutex_unlock(&g.m);
    sp_engine_release(c.engine);              /* the other thread is inside sp_remove_stars */
    int32_t device;
    CHECK(sp_engine_device(c.engine, &device) == SP_ERR_INVALID_ARGUMENT, "the handle is invalid at once after release");
    pthread_mutex_lock(&g.m); g.released = 1; pthread_cond_broadcast(&g.c); pthread_mutex_unlock(&g.m);
    pthread_join(t, NULL);
    CHECK(c.status == SP_OK, "the call in flight finishes after a release from another thread");
    CHECK(max_diff(c.out, reference) < 1e-6, "and its output is right");
    sp_engine_release(c.engine);              /* double release: ignored */
}

/* --- release at twelve timings while the call runs, without a callback --- */
static void release_at_timings(void) {
    for (int ms = 0; ms < 12; ms++) {
        static call c;
        memset(&c, 0, sizeof c);
        c.engine = new_engine();
        pthread_t t;
        pthread_create(&t, NULL, remove_call, &c);
        struct timespec d = { 0, ms * 1000000L };
        nanosleep(&d, NULL);
        sp_engine_release(c.engine);
        pthread_join(t, NULL);
        char what[64]; snprintf(what, sizeof what, "release after %d ms: OK or refused, never a crash", ms);
        CHECK(c.status == SP_OK || c.status == SP_ERR_INVALID_ARGUMENT, what);
        if (c.status == SP_OK) CHECK(max_diff(c.out, reference) < 1e-6, "output right when the call got in first");
    }
}

/* --- several threads on one engine, while others create and release engines --- */
static sp_engine* shared;
static void* shared_user(void* arg) {
    call* c = arg;
    for (int k = 0; k < 2; k++) {
        c->engine = shared;
        remove_call(c);
        CHECK(c->status == SP_OK && max_diff(c->out, reference) < 1e-6, "shared engine: right output under concurrency");
    }
    return NULL;
}
static void* churn(void* arg) {
    (void)arg;
    for (int k = 0; k < 3; k++) {
        sp_engine* e = new_engine();
        int32_t device;
        CHECK(sp_engine_device(e, &device) == SP_OK, "churn engine works");
        sp_engine_release(e);
        CHECK(sp_engine_device(e, &device) == SP_ERR_INVALID_ARGUMENT, "churn engine stale after release");
        CHECK(sp_engine_device(shared, &device) == SP_OK, "the shared engine is untouched by the churn");
    }
    return NULL;
}
static void* release_twice(void* arg) { sp_engine_release((sp_engine*)arg); return NULL; }

static void shared_engine(void) {
    shared = new_engine();
    enum { USERS = 4 };
    static call calls[USERS];
    pthread_t users[USERS], churner;
    for (int i = 0; i < USERS; i++) { memset(&calls[i], 0, sizeof calls[i]); pthread_create(&users[i], NULL, shared_user, &calls[i]); }
    pthread_create(&churner, NULL, churn, NULL);
    for (int i = 0; i < USERS; i++) pthread_join(users[i], NULL);
    pthread_join(churner, NULL);
    /* two threads release the same handle at once */
    pthread_t a, b;
    pthread_create(&a, NULL, release_twice, shared);
    pthread_create(&b, NULL, release_twice, shared);
    pthread_join(a, NULL); pthread_join(b, NULL);
    int32_t device;
    CHECK(sp_engine_device(shared, &device) == SP_ERR_INVALID_ARGUMENT, "released by two threads: gone once, no crash");
}

/* --- stale handles never reach a newer engine --- */
static void stale_handles(void) {
    sp_engine* handles[20];
    int reused = 0;
    for (int i = 0; i < 20; i++) {
        handles[i] = new_engine();
        for (int j = 0; j < i; j++) if (handles[j] == handles[i]) reused++;
        sp_engine_release(handles[i]);
    }
    CHECK(reused == 0, "no released handle comes back as a new engine's (20 tries)");
    sp_engine* live = new_engine();
    for (int i = 0; i < 20; i++) sp_engine_release(handles[i]); /* all stale */
    static call c; memset(&c, 0, sizeof c); c.engine = live;
    remove_call(&c);
    CHECK(c.status == SP_OK && max_diff(c.out, reference) < 1e-6, "releasing stale handles does not destroy a live engine");
    sp_image in = image(input_buf), out = image(c.out);
    CHECK(sp_remove_stars(handles[19], &in, NULL, NULL, &out, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "a call on a stale handle is refused");
    sp_engine_release(live);
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IONBF, 0); /* what ran is visible even if the process dies */
    if (argc < 2) { fprintf(stderr, "usage: capi_stress MODEL.onnx\n"); return 2; }
    model = argv[1];
    srand(11);
    for (int i = 0; i < W * H * C; i++) input_buf[i] = 0.1f + 0.01f * (float)rand() / RAND_MAX;
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) {
        double v = 0.7 * exp(-((x - 40.3) * (x - 40.3) + (y - 30.6) * (y - 30.6)) / 3.0);
        for (int c = 0; c < C; c++) input_buf[(y * W + x) * C + c] += (float)v;
    }
    sp_engine* e = new_engine();
    sp_image in = image(input_buf), out = image(reference);
    CHECK(sp_remove_stars(e, &in, NULL, NULL, &out, NULL, NULL, NULL, NULL) == SP_OK, "reference");
    sp_engine_release(e);

    release_mid_call();
    release_at_timings();
    shared_engine();
    stale_handles();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
