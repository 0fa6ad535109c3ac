/* Exercises every function of starplugin.h, including each kind of bad argument
 * and a cancel. Prints "N passed, N failed"; exit code 0 only when all pass.
 * Usage: capi_test MODEL.onnx */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "starplugin.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what) do { if (cond) passed++; else { failed++; printf("FAIL %s (line %d): %s\n", what, __LINE__, sp_last_error()); } } while (0)

static int keep_going(double f, const char* stage, void* user) { (void)stage; ++*(int*)user; return f >= 0; }
static int cancel_early(double f, const char* stage, void* user) { (void)stage; (void)user; return f < 0.2; }

static sp_image make(float* data, int w, int h, int c) {
    sp_image img; memset(&img, 0, sizeof img);
    img.data = data; img.width = w; img.height = h; img.channels = c;
    img.layout = SP_LAYOUT_INTERLEAVED; img.row_stride = (int64_t)w * c;
    return img;
}

static void add_star(float* d, int w, int h, int c, double cx, double cy, double amp, double sigma) {
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
        double v = amp * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sigma * sigma));
        for (int k = 0; k < c; k++) d[((size_t)y * w + x) * c + k] += (float)v;
    }
}

int main(int argc, char** argv) {
    if (argc < 2) { fprintf(stderr, "usage: capi_test MODEL.onnx\n"); return 2; }
    const int W = 96, H = 80;
    float* img = calloc((size_t)W * H * 4, sizeof(float));
    srand(7);
    for (int i = 0; i < W * H * 4; i++) img[i] = 0.1f + 0.01f * (float)rand() / RAND_MAX;
    add_star(img, W, H, 4, 30.3, 40.7, 0.8, 1.3);
    add_star(img, W, H, 4, 70.6, 20.2, 0.6, 1.5);
    for (int i = 0; i < W * H; i++) img[i * 4 + 3] = 0.5f; /* alpha */

    /* library */
    CHECK(sp_abi_version() == SP_ABI_VERSION, "abi version");
    CHECK(sp_version() && strlen(sp_version()) > 0, "version");
    CHECK(strcmp(sp_status_string(SP_ERR_CANCELLED), "cancelled") == 0, "status string");
    CHECK(sp_status_string(99) != NULL, "status string out of range");
    CHECK(sp_last_error() != NULL, "last error before any failure");

    /* engine */
    sp_engine* engine = NULL;
    CHECK(sp_engine_create(NULL, 0, 0, NULL) == SP_ERR_INVALID_ARGUMENT, "create: NULL out");
    CHECK(sp_engine_create(argv[1], 9, 0, &engine) == SP_ERR_INVALID_ARGUMENT && engine == NULL, "create: bad device");
    CHECK(sp_engine_create("/nonexistent/model.onnx", 0, 0, &engine) == SP_ERR_IO, "create: missing model");
    CHECK(sp_engine_create(argv[1], SP_DEVICE_CPU, 2, &engine) == SP_OK && engine != NULL, "create");
    int32_t device = -1;
    CHECK(sp_engine_device(engine, &device) == SP_OK && device == SP_DEVICE_CPU, "device");
    CHECK(sp_engine_device((sp_engine*)0x1234, &device) == SP_ERR_INVALID_ARGUMENT, "device: foreign handle");
    CHECK(sp_engine_device(engine, NULL) == SP_ERR_INVALID_ARGUMENT, "device: NULL out");

    /* removal */
    sp_image in = make(img, W, H, 4);
    float* starless_buf = calloc((size_t)W * H * 4, sizeof(float));
    float* stars_buf = calloc((size_t)W * H * 4, sizeof(float));
    float* mask_buf = calloc((size_t)W * H, sizeof(float));
    sp_image starless = make(starless_buf, W, H, 4), stars = make(stars_buf, W, H, 4), mask = make(mask_buf, W, H, 1);
    int calls = 0;
    CHECK(sp_remove_stars(engine, &in, NULL, NULL, &starless, &stars, &mask, keep_going, &calls) == SP_OK, "remove");
    CHECK(calls > 0, "progress called");
    double worst = 0; int alpha_ok = 1;
    for (int i = 0; i < W * H * 4; i++) {
        if (i % 4 == 3) { if (starless_buf[i] != 0.5f || stars_buf[i] != 0.5f) alpha_ok = 0; continue; }
        double e = fabs(starless_buf[i] + stars_buf[i] - img[i]); if (e > worst) worst = e;
    }
    CHECK(worst < 1e-5, "starless + stars = input");
    CHECK(alpha_ok, "alpha untouched");
    float mmax = 0; for (int i = 0; i < W * H; i++) if (mask_buf[i] > mmax) mmax = mask_buf[i];
    CHECK(mmax <= 1.0f, "mask in [0,1]");

    /* planar layout with padded strides gives the same result */
    int64_t rs = W + 7, ps = rs * H + 13;
    float* planar = calloc((size_t)(ps * 4), sizeof(float));
    for (int c = 0; c < 4; c++) for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) planar[c * ps + y * rs + x] = img[((size_t)y * W + x) * 4 + c];
    sp_image pin; memset(&pin, 0, sizeof pin);
    pin.data = planar; pin.width = W; pin.height = H; pin.channels = 4; pin.layout = SP_LAYOUT_PLANAR; pin.row_stride = rs; pin.plane_stride = ps;
    float* starless2 = calloc((size_t)W * H * 4, sizeof(float));
    sp_image sl2 = make(starless2, W, H, 4);
    CHECK(sp_remove_stars(engine, &pin, NULL, NULL, &sl2, NULL, NULL, NULL, NULL) == SP_OK, "remove planar");
    double diff = 0; for (int i = 0; i < W * H * 4; i++) { double e = fabs(starless2[i] - starless_buf[i]); if (e > diff) diff = e; }
    CHECK(diff < 1e-6, "planar = interleaved");

    /* region of interest: outside it, starless = input */
    sp_rect roi = { 10, 10, 40, 30 };
    CHECK(sp_remove_stars(engine, &in, &roi, NULL, &sl2, NULL, NULL, NULL, NULL) == SP_OK, "remove roi");
    CHECK(starless2[(5 * W + 5) * 4] == img[(5 * W + 5) * 4], "outside roi untouched");

    /* bad arguments never crash */
    sp_image bad = in; bad.row_stride = W; /* smaller than a row */
    CHECK(sp_remove_stars(engine, &bad, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "bad stride");
    bad = in; bad.width = -5;
    CHECK(sp_remove_stars(engine, &bad, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "negative width");
    bad = in; bad.width = 2000000000; bad.height = 2000000000;
    CHECK(sp_remove_stars(engine, &bad, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "overflowing size");
    bad = in; bad.channels = 7;
    CHECK(sp_remove_stars(engine, &bad, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "channels");
    bad = in; bad.layout = 3;
    CHECK(sp_remove_stars(engine, &bad, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "unknown layout");
    bad = in; bad.data = NULL;
    CHECK(sp_remove_stars(engine, &bad, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "NULL data");
    CHECK(sp_remove_stars(engine, NULL, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "NULL input");
    CHECK(sp_remove_stars(engine, &in, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "no outputs");
    CHECK(sp_remove_stars(NULL, &in, NULL, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "NULL engine");
    sp_image wrong = make(starless_buf, W - 1, H, 4);
    CHECK(sp_remove_stars(engine, &in, NULL, NULL, &wrong, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "output size mismatch");
    sp_rect outside = { 90, 70, 20, 20 };
    CHECK(sp_remove_stars(engine, &in, &outside, NULL, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "roi outside");
    sp_removal_options opt; memset(&opt, 0, sizeof opt); opt.stretch = 9;
    CHECK(sp_remove_stars(engine, &in, NULL, &opt, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "bad enum");
    CHECK(strstr(sp_last_error(), "stretch") != NULL, "last error names the problem");
    memset(&opt, 0, sizeof opt); opt.cleanup = 2;
    CHECK(sp_remove_stars(engine, &in, NULL, &opt, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "bad cleanup");
    opt.cleanup = -1;
    CHECK(sp_remove_stars(engine, &in, NULL, &opt, &starless, NULL, NULL, NULL, NULL) == SP_OK, "network only (cleanup off)");
    memset(&opt, 0, sizeof opt); opt.keep_galaxies = 3;
    CHECK(sp_remove_stars(engine, &in, NULL, &opt, &starless, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "bad keep_galaxies");
    CHECK(strstr(sp_last_error(), "keep_galaxies") != NULL, "last error names keep_galaxies");
    opt.keep_galaxies = 1;
    CHECK(sp_remove_stars(engine, &in, NULL, &opt, &starless, NULL, NULL, NULL, NULL) == SP_OK, "keep galaxies");

    /* cancel leaves outputs untouched */
    float* before = malloc((size_t)W * H * 4 * sizeof(float));
    memcpy(before, starless_buf, (size_t)W * H * 4 * sizeof(float));
    memset(&opt, 0, sizeof opt); opt.tile = 32; opt.batch = 1;
    CHECK(sp_remove_stars(engine, &in, NULL, &opt, &starless, NULL, NULL, cancel_early, NULL) == SP_ERR_CANCELLED, "cancel");
    CHECK(memcmp(before, starless_buf, (size_t)W * H * 4 * sizeof(float)) == 0, "cancel leaves output untouched");

    /* reduction */
    float* reduced = calloc((size_t)W * H * 4, sizeof(float));
    sp_image red = make(reduced, W, H, 4);
    CHECK(sp_reduce_stars(engine, &in, NULL, NULL, 0.5f, SP_REDUCE_SHRINK, &red, NULL, NULL) == SP_OK, "reduce");
    CHECK(sp_reduce_stars(engine, &in, NULL, NULL, 1.5f, SP_REDUCE_SHRINK, &red, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "reduce: amount");
    CHECK(sp_reduce_stars(engine, &in, NULL, NULL, 0.5f, 4, &red, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "reduce: mode");

    sp_engine_release(engine);
    sp_engine_release(engine); /* double release: ignored */
    sp_engine_release(NULL);
    CHECK(sp_engine_device(engine, &device) == SP_ERR_INVALID_ARGUMENT, "released handle rejected");

    /* detection */
    float* grey = calloc((size_t)W * H, sizeof(float));
    for (int i = 0; i < W * H; i++) grey[i] = 0.1f + 0.002f * (float)rand() / RAND_MAX;
    add_star(grey, W, H, 1, 30.3, 40.7, 0.5, 1.3);
    add_star(grey, W, H, 1, 70.6, 20.2, 0.4, 1.5);
    sp_image gin = make(grey, W, H, 1);
    sp_star* found = NULL; int64_t count = -1;
    CHECK(sp_detect_stars(&gin, NULL, NULL, &found, &count, NULL, NULL) == SP_OK, "detect");
    CHECK(count == 2, "two stars");
    if (count == 2) CHECK(fabs(found[0].x - 70.6) < 0.1 && fabs(found[0].y - 20.2) < 0.1, "first star position (sorted by y)");
    float* dmask = calloc((size_t)W * H, sizeof(float));
    sp_image dm = make(dmask, W, H, 1);
    CHECK(sp_detect_mask(found, count, &dm) == SP_OK && dmask[40 * W + 30] > 0.99f, "detect mask");
    CHECK(sp_detect_mask(NULL, 3, &dm) == SP_ERR_INVALID_ARGUMENT, "detect mask: NULL stars");
    sp_free_stars(found);
    sp_free_stars(NULL);
    CHECK(sp_detect_stars(&gin, NULL, NULL, NULL, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "detect: NULL out");
    sp_detect_options dopt; memset(&dopt, 0, sizeof dopt); dopt.threshold = 3.0f;
    CHECK(sp_detect_stars(&gin, NULL, &dopt, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "detect: bad threshold");
    sp_rect droi = { 50, 0, 46, 40 };
    CHECK(sp_detect_stars(&gin, &droi, NULL, &found, &count, NULL, NULL) == SP_OK && count == 1 && fabs(found[0].x - 70.6) < 0.1, "detect roi (full-image coordinates)");
    sp_free_stars(found);
    CHECK(sp_detect_stars(&gin, NULL, NULL, &found, &count, cancel_early, NULL) == SP_ERR_CANCELLED, "detect cancel");

    /* mock lens */
    float* cut = calloc((size_t)64 * 64 * 3, sizeof(float));
    for (int i = 0; i < 64 * 64 * 3; i++) cut[i] = 0.05f + 0.01f * (float)rand() / RAND_MAX;
    add_star(cut, 64, 64, 3, 32, 32, 0.5, 3.0);
    sp_image lin = make(cut, 64, 64, 3);
    sp_lens_params lp; memset(&lp, 0, sizeof lp);
    lp.einstein_radius = 10; lp.axis_ratio = 0.8; lp.center_x = -1; lp.center_y = -1;
    lp.source_re = 1.5; lp.source_n = 1; lp.source_q = 0.8; lp.source_dx = 1; lp.arc_snr = 40; lp.psf_fwhm = 2.5; lp.seed = 3;
    sp_lens_result lr;
    CHECK(sp_render_mock_lens(&lin, &lp, &lr) == SP_OK, "mock lens");
    CHECK(lr.magnification > 2 && fabs(lr.center_x - 32) <= 1 && fabs(lr.arc_snr - 40) < 2, "mock lens record");
    lp.axis_ratio = NAN;
    CHECK(sp_render_mock_lens(&lin, &lp, &lr) == SP_ERR_INVALID_ARGUMENT, "mock lens: NaN parameter");
    CHECK(sp_render_mock_lens(&lin, NULL, &lr) == SP_ERR_INVALID_ARGUMENT, "mock lens: NULL params");

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
