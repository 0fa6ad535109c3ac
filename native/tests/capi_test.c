/* Exercises every function of starplugin.h, including each kind of bad argument,
 * options objects, a cancel, and the thread that progress callbacks arrive on
 * (capi_hostile.c and capi_stress.c take strides, handles and threads further). Prints "N passed, N failed"; exit code 0
 * only when all pass.
 * Usage: capi_test MODEL.onnx */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#include <pthread.h>
#include "starplugin.h"
#include "test_support.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what) do { if (cond) passed++; else { failed++; printf("FAIL %s (line %d): %s\n", what, __LINE__, sp_last_error()); } } while (0)

static int keep_going(double f, const char* stage, void* user) { (void)stage; ++*(int*)user; return f >= 0; }

static int cancel_early(double f, const char* stage, void* user) { (void)stage; (void)user; return f < 0.2; }

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IONBF, 0); /* what ran is visible even if the process dies */
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


    /* --- ABI 4: options objects --- */
    sp_options* o = NULL;
    CHECK(sp_options_create(NULL) == SP_ERR_INVALID_ARGUMENT, "options: NULL out");
    CHECK(sp_options_create(&o) == SP_OK && o != NULL, "options create");
    double v = -1;
    CHECK(sp_options_get(o, "tile", &v) == SP_OK && v == 0, "options: tile default 0");
    CHECK(sp_options_get(o, "overlap", &v) == SP_OK && v == -1, "options: overlap default -1 (the model's)");
    CHECK(sp_options_get(o, "threshold", &v) == SP_OK && v == 0.58, "options: detection default D = 0.58");
    CHECK(sp_options_get(o, "amount", &v) == SP_OK && v == 0.5, "options: reduction amount default");
    CHECK(sp_options_get(o, "saturation", &v) == SP_OK && isnan(v), "options: saturation default NaN (auto)");
    CHECK(sp_options_set_int(o, "no_such_key", 1) == SP_ERR_UNSUPPORTED, "options: unknown key is UNSUPPORTED");
    CHECK(strstr(sp_last_error(), "no_such_key") != NULL, "options: the error names the key");
    CHECK(sp_options_get(o, "no_such_key", &v) == SP_ERR_UNSUPPORTED, "options: get of an unknown key");
    CHECK(sp_options_set_int(o, "stretch", 3) == SP_ERR_INVALID_ARGUMENT, "options: stretch out of range");
    CHECK(sp_options_set_double(o, "tile", 128.5) == SP_ERR_INVALID_ARGUMENT, "options: non-integral int key");
    CHECK(sp_options_set_int(o, "tile", 10) == SP_ERR_INVALID_ARGUMENT, "options: tile below 64");
    CHECK(sp_options_set_double(o, "threshold", NAN) == SP_ERR_INVALID_ARGUMENT, "options: NaN where not allowed");
    CHECK(sp_options_set_double(o, "amount", 1.5) == SP_ERR_INVALID_ARGUMENT, "options: amount out of range");
    CHECK(sp_options_get(o, "stretch", &v) == SP_OK && v == 0, "options: a refused set leaves the value");
    CHECK(sp_options_set_int(o, NULL, 1) == SP_ERR_INVALID_ARGUMENT, "options: NULL key");
    CHECK(sp_options_set_int(NULL, "tile", 64) == SP_ERR_INVALID_ARGUMENT, "options: NULL options");
    CHECK(sp_options_set_int((sp_options*)0x4321, "tile", 64) == SP_ERR_INVALID_ARGUMENT, "options: foreign handle");
    CHECK(sp_options_set_double(o, "amount", 0.7) == SP_OK && sp_options_get(o, "amount", &v) == SP_OK && fabs(v - 0.7) < 1e-12, "options: set and get");
    CHECK(sp_options_set_int(o, "snr", 6) == SP_OK, "options: set_int on a double key");

    /* sp_remove with options = sp_remove_stars with the same ABI 3 settings */
    CHECK(sp_engine_create(argv[1], SP_DEVICE_CPU, 2, &engine) == SP_OK, "create (ABI 4 part)");
    sp_options* ro = NULL;
    CHECK(sp_options_create(&ro) == SP_OK, "removal options");
    CHECK(sp_options_set_int(ro, "cleanup", 0) == SP_OK && sp_options_set_int(ro, "keep_galaxies", SP_GALAXIES_NEVER) == SP_OK
          && sp_options_set_int(ro, "tile", 64) == SP_OK, "removal keys");
    sp_removal_options v3; memset(&v3, 0, sizeof v3); v3.cleanup = -1; v3.keep_galaxies = -1; v3.tile = 64;
    float* a4 = calloc((size_t)W * H * 4, sizeof(float));
    float* m4 = calloc((size_t)W * H, sizeof(float));
    sp_image s4 = make(a4, W, H, 4), k4 = make(m4, W, H, 1);
    CHECK(sp_remove(engine, &in, NULL, ro, &s4, NULL, &k4, NULL, NULL) == SP_OK, "sp_remove");
    CHECK(sp_remove_stars(engine, &in, NULL, &v3, &starless, NULL, &mask, NULL, NULL) == SP_OK, "sp_remove_stars, same settings");
    CHECK(memcmp(a4, starless_buf, (size_t)W * H * 4 * sizeof(float)) == 0 && memcmp(m4, mask_buf, (size_t)W * H * sizeof(float)) == 0,
          "sp_remove and sp_remove_stars agree");
    CHECK(sp_remove(engine, &in, NULL, (sp_options*)engine, &s4, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "an engine is not an options handle");
    CHECK(sp_options_set_double(ro, "amount", 0.6) == SP_OK && sp_options_set_int(ro, "reduce_mode", SP_REDUCE_SCALE) == SP_OK, "reduce keys");
    CHECK(sp_reduce(engine, &in, NULL, ro, &s4, NULL, NULL) == SP_OK, "sp_reduce");
    CHECK(sp_reduce_stars(engine, &in, NULL, &v3, 0.6f, SP_REDUCE_SCALE, &red, NULL, NULL) == SP_OK
          && memcmp(a4, reduced, (size_t)W * H * 4 * sizeof(float)) == 0, "sp_reduce and sp_reduce_stars agree");
    CHECK(sp_detect(&gin, NULL, NULL, &found, &count, NULL, NULL) == SP_OK && count == 2, "sp_detect, default options");
    sp_free_stars(found);
    sp_options* dop = NULL;
    CHECK(sp_options_create(&dop) == SP_OK && sp_options_set_double(dop, "snr", 1e6) == SP_OK, "detection keys");
    CHECK(sp_detect(&gin, NULL, dop, &found, &count, NULL, NULL) == SP_OK && count == 0, "sp_detect reads its S/N threshold");
    sp_free_stars(found);
    CHECK(sp_options_set_double(dop, "g_min", 3) == SP_OK && sp_options_set_double(dop, "g_max", 1) == SP_OK, "inconsistent sweep can be set");
    CHECK(sp_detect(&gin, NULL, dop, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "an inconsistent sweep fails at the call");
    sp_options_release(dop);
    sp_options_release(dop); /* double release: ignored */
    CHECK(sp_detect(&gin, NULL, dop, &found, &count, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "released options rejected");

    /* --- progress callbacks arrive on the calling thread --- */
    thread_check tc = { pthread_self(), 0, 0 };
    CHECK(sp_remove(engine, &in, NULL, NULL, &s4, NULL, NULL, on_caller, &tc) == SP_OK, "remove with a callback");
    CHECK(tc.calls > 0 && tc.foreign == 0, "removal callbacks on the calling thread");
    const int BW = 512, BH = 512;
    float* big = calloc((size_t)BW * BH, sizeof(float));
    for (int i = 0; i < BW * BH; i++) big[i] = 0.1f + 0.002f * (float)rand() / RAND_MAX;
    for (int k = 0; k < 40; k++) add_star(big, BW, BH, 1, 20 + (k * 97) % 470, 20 + (k * 53) % 470, 0.3 + 0.01 * k, 1.4);
    sp_image bin = make(big, BW, BH, 1);
    tc.calls = tc.foreign = 0;
    CHECK(sp_detect(&bin, NULL, NULL, &found, &count, on_caller, &tc) == SP_OK && count > 30, "detect with a callback");
    sp_free_stars(found);
    CHECK(tc.calls > 0 && tc.foreign == 0, "detection callbacks on the calling thread (parallel bands)");
    tc.calls = tc.foreign = 0;
    CHECK(sp_reduce(engine, &in, NULL, ro, &s4, on_caller, &tc) == SP_OK && tc.calls > 0 && tc.foreign == 0, "reduction callbacks on the calling thread");

    /* --- ABI 5: the "binning" key --- */
    CHECK(sp_options_get(o, "binning", &v) == SP_OK && v == 1, "options: binning default 1 (never)");
    int every_factor = 1;
    for (int k = 0; k <= 8; k++)
        if (sp_options_set_int(o, "binning", k) != SP_OK || sp_options_get(o, "binning", &v) != SP_OK || v != k) every_factor = 0;
    CHECK(every_factor, "options: binning 0 (auto), 1 (never) and 2..8 are accepted");
    CHECK(sp_options_set_double(o, "binning", 3.0) == SP_OK, "options: binning 3 as a double");
    CHECK(sp_options_set_int(o, "binning", 9) == SP_ERR_INVALID_ARGUMENT, "options: binning 9 is refused");
    CHECK(strstr(sp_last_error(), "binning") != NULL, "options: the error names binning");
    CHECK(sp_options_set_int(o, "binning", -1) == SP_ERR_INVALID_ARGUMENT, "options: binning -1 is refused");
    CHECK(sp_options_set_double(o, "binning", 2.5) == SP_ERR_INVALID_ARGUMENT, "options: binning 2.5 is refused");
    CHECK(sp_options_get(o, "binning", &v) == SP_OK && v == 3, "options: a refused binning leaves the value");

    /* An oversampled picture (stars 5.7 px FWHM, 20 of them), large enough to bin 2x2
     * (the library bins nothing below 64 px a side): binning changes the result, and the
     * star layer still adds up to the input. */
    const int OW = 160, OH = 144, ON = OW * OH * 3;
    float* over = calloc((size_t)ON, sizeof(float));
    for (int i = 0; i < ON; i++) over[i] = 0.1f + 0.01f * (float)rand() / RAND_MAX;
    for (int k = 0; k < 20; k++) add_star(over, OW, OH, 3, 20 + 30 * (k % 5) + 0.3, 18 + 36 * (k / 5) + 0.6, 0.3 + 0.025 * k, 2.4);
    sp_image oin = make(over, OW, OH, 3);
    float* obuf[8];
    sp_image oimg[8];
    for (int i = 0; i < 8; i++) { obuf[i] = calloc((size_t)ON, sizeof(float)); oimg[i] = make(obuf[i], OW, OH, 3); }
    sp_options *bin1 = NULL, *bin2 = NULL, *bin_auto = NULL;
    CHECK(sp_options_create(&bin1) == SP_OK && sp_options_set_int(bin1, "binning", 1) == SP_OK, "binning 1");
    CHECK(sp_options_create(&bin2) == SP_OK && sp_options_set_int(bin2, "binning", 2) == SP_OK, "binning 2");
    CHECK(sp_options_create(&bin_auto) == SP_OK && sp_options_set_int(bin_auto, "binning", 0) == SP_OK, "binning 0 (auto)");
    CHECK(sp_remove(engine, &oin, NULL, NULL, &oimg[0], &oimg[1], NULL, NULL, NULL) == SP_OK, "remove, default options");
    CHECK(sp_remove(engine, &oin, NULL, bin1, &oimg[2], NULL, NULL, NULL, NULL) == SP_OK, "remove, binning 1");
    CHECK(sp_remove(engine, &oin, NULL, bin2, &oimg[3], &oimg[4], NULL, NULL, NULL) == SP_OK, "remove, binning 2");
    CHECK(sp_remove(engine, &oin, NULL, bin_auto, &oimg[5], NULL, NULL, NULL, NULL) == SP_OK, "remove, binning auto");
    double sum1 = 0, sum2 = 0, moved = 0;
    for (int i = 0; i < ON; i++) {
        sum1 = fmax(sum1, fabs(obuf[0][i] + obuf[1][i] - over[i]));
        sum2 = fmax(sum2, fabs(obuf[3][i] + obuf[4][i] - over[i]));
        moved = fmax(moved, fabs(obuf[3][i] - obuf[0][i]));
    }
    CHECK(memcmp(obuf[0], obuf[2], (size_t)ON * sizeof(float)) == 0, "binning 1 is the default");
    CHECK(sum1 < 1e-5 && sum2 < 1e-5, "binning 2: starless + stars = input, as without binning");
    CHECK(moved > 1e-3, "binning 2 gives another starless image than binning 1");
    printf("binning 2: starless differs by up to %g; sum error %g\n", moved, sum2);
    CHECK(memcmp(obuf[5], obuf[3], (size_t)ON * sizeof(float)) == 0, "auto bins stars 5.7 px wide 2x2 (the largest factor that keeps 64 px)");
    CHECK(sp_reduce(engine, &oin, NULL, NULL, &oimg[6], NULL, NULL) == SP_OK && sp_reduce(engine, &oin, NULL, bin2, &oimg[7], NULL, NULL) == SP_OK,
          "reduce, binning 1 and 2");
    double reduced_moved = 0;
    for (int i = 0; i < ON; i++) reduced_moved = fmax(reduced_moved, fabs(obuf[7][i] - obuf[6][i]));
    CHECK(reduced_moved > 1e-3, "sp_reduce reads binning");
    sp_options_release(bin1); sp_options_release(bin2); sp_options_release(bin_auto);
    for (int i = 0; i < 8; i++) free(obuf[i]);
    free(over);

    sp_engine_release(engine);
    sp_options_release(ro);
    sp_options_release(o);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
