/* What a hostile run of the C API found, each as a check: strides that overflow, wrap
 * or describe absurd extents; stale handles reaching a newer engine; progress callbacks
 * arriving on library worker threads. Written against the ABI 3 entry points only, so it
 * also builds against a library from before the fixes and shows them failing there.
 * Prints "N passed, N failed"; exit code 0 only when all pass.
 * Usage: capi_hostile MODEL.onnx */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "starplugin.h"
#include "test_support.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what) do { if (cond) passed++; else { failed++; printf("FAIL %s (line %d): %s\n", what, __LINE__, sp_last_error()); } } while (0)


static const char* model;
enum { BW = 512, BH = 512 };
static float big[BW * BH], big_out[BW * BH];

/* Callbacks, from the main thread and from a thread of the host's own. */
static void* callbacks(void* arg) {
    const char* where = arg;
    char what[128];
    sp_image in = make(big, BW, BH, 1), out = make(big_out, BW, BH, 1);
    sp_star* found = NULL; int64_t count = 0;
    thread_check tc = { pthread_self(), 0, 0 };
    snprintf(what, sizeof what, "%s: detection (parallel bands) calls back on the calling thread only", where);
    CHECK(sp_detect_stars(&in, NULL, NULL, &found, &count, on_caller, &tc) == SP_OK && count > 30 && tc.calls > 0 && tc.foreign == 0, what);
    sp_free_stars(found);
    sp_engine* e = NULL;
    CHECK(sp_engine_create(model, SP_DEVICE_CPU, 2, &e) == SP_OK, "create");
    sp_removal_options o; memset(&o, 0, sizeof o); o.tile = 128;
    tc.calls = tc.foreign = 0;
    snprintf(what, sizeof what, "%s: removal calls back on the calling thread only", where);
    CHECK(sp_remove_stars(e, &in, NULL, &o, &out, NULL, NULL, on_caller, &tc) == SP_OK && tc.calls > 0 && tc.foreign == 0, what);
    tc.calls = tc.foreign = 0;
    snprintf(what, sizeof what, "%s: reduction calls back on the calling thread only", where);
    CHECK(sp_reduce_stars(e, &in, NULL, &o, 0.5f, SP_REDUCE_SHRINK, &out, on_caller, &tc) == SP_OK && tc.calls > 0 && tc.foreign == 0, what);
    sp_engine_release(e);
    return NULL;
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IONBF, 0); /* what ran is visible even if the process dies */
    if (argc < 2) { fprintf(stderr, "usage: capi_hostile MODEL.onnx\n"); return 2; }
    model = argv[1];
    srand(3);
    for (int i = 0; i < BW * BH; i++) big[i] = 0.1f + 0.002f * (float)rand() / RAND_MAX;
    for (int k = 0; k < 40; k++) add_star(big, BW, BH, 1, 20 + (k * 97) % 470, 20 + (k * 53) % 470, 0.3 + 0.01 * k, 1.4);

    /* --- progress callbacks --- */
    callbacks("main thread");
    pthread_t t;
    pthread_create(&t, NULL, callbacks, "host thread");
    pthread_join(t, NULL);

    /* --- stale handles: a released handle never comes back as a new engine's --- */
    sp_engine *old = NULL, *fresh = NULL;
    int32_t device;
    CHECK(sp_engine_create(model, SP_DEVICE_CPU, 1, &old) == SP_OK, "create");
    sp_engine_release(old);
    CHECK(sp_engine_create(model, SP_DEVICE_CPU, 1, &fresh) == SP_OK, "create after release");
    CHECK(fresh != old, "the new engine does not get the released handle");
    CHECK(sp_engine_device(old, &device) == SP_ERR_INVALID_ARGUMENT, "the stale handle is rejected while a new engine lives");
    sp_engine_release(old); /* must not destroy the new engine */
    float small[64 * 64], small_out[64 * 64];
    for (int i = 0; i < 64 * 64; i++) small[i] = 0.1f + 0.01f * (float)rand() / RAND_MAX;
    sp_image s_in = make(small, 64, 64, 1), s_out = make(small_out, 64, 64, 1);
    CHECK(sp_engine_device(fresh, &device) == SP_OK && sp_remove_stars(fresh, &s_in, NULL, NULL, &s_out, NULL, NULL, NULL, NULL) == SP_OK,
          "releasing the stale handle leaves the new engine alive");

    /* --- checked arithmetic: strides that overflow, wrap or span absurd extents --- */
    sp_star* found = NULL; int64_t count = 0;
    sp_image bad = s_in;
    bad.row_stride = INT32_MAX;
    CHECK(sp_detect_stars(&bad, NULL, NULL, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "row_stride INT32_MAX on 64x64");
    bad = s_in; bad.row_stride = INT64_MAX / 2;
    CHECK(sp_detect_stars(&bad, NULL, NULL, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "row_stride overflows (height-1)*row_stride");
    bad = s_in; bad.height = 3; bad.row_stride = (INT64_C(1) << 62) + 1; /* 2*row_stride wraps to a negative extent */
    CHECK(sp_detect_stars(&bad, NULL, NULL, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "wrapping row_stride (detect)");
    float rgb[64 * 64 * 3];
    memset(rgb, 0, sizeof rgb);
    bad = make(rgb, 64, 64, 3); bad.layout = SP_LAYOUT_PLANAR; bad.row_stride = 64; bad.plane_stride = INT64_MAX / 2 + 1;
    CHECK(sp_detect_stars(&bad, NULL, NULL, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "plane_stride overflows (channels-1)*plane_stride");
    bad.row_stride = INT64_C(1) << 60; bad.plane_stride = INT64_C(1) << 61;
    CHECK(sp_detect_stars(&bad, NULL, NULL, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "row_stride*height overflows");
    bad = s_in; bad.data = (float*)(UINTPTR_MAX - 63);
    CHECK(sp_detect_stars(&bad, NULL, NULL, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "extent wraps the address space");
    bad = s_in; bad.row_stride = INT32_MAX;
    CHECK(sp_detect_mask(NULL, 0, &bad) == SP_ERR_INVALID_ARGUMENT, "mask output: absurd stride");
    bad = make(rgb, 64, 64, 3); bad.row_stride = INT64_MAX / 3;
    sp_lens_params lp; memset(&lp, 0, sizeof lp);
    lp.einstein_radius = 8; lp.axis_ratio = 0.8; lp.center_x = -1; lp.center_y = -1; lp.source_re = 1.5; lp.source_n = 1; lp.source_q = 0.8; lp.arc_snr = 30; lp.psf_fwhm = 2.5;
    sp_lens_result lr;
    CHECK(sp_render_mock_lens(&bad, &lp, &lr) == SP_ERR_INVALID_ARGUMENT, "lens: overflowing stride");
    /* The hostile run's worst case: an output whose stride wraps, so that writes land
     * before the caller's buffer and the call still returned 0. */
    sp_image wrap_out = make(small_out, 64, 3, 1); wrap_out.row_stride = (INT64_C(1) << 62) + 1;
    sp_image in3 = make(small, 64, 3, 1);
    CHECK(sp_remove_stars(fresh, &in3, NULL, NULL, &wrap_out, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "remove: wrapping output stride");
    bad = s_out; bad.row_stride = INT32_MAX;
    CHECK(sp_remove_stars(fresh, &s_in, NULL, NULL, NULL, NULL, &bad, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "remove: absurd mask stride");
    CHECK(sp_reduce_stars(fresh, &s_in, NULL, NULL, 0.5f, 0, &bad, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "reduce: absurd output stride");
    sp_engine_release(fresh);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
