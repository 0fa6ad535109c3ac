/* A host as it was written against ABI 3 (starplugin-v3.h, the header of that release):
 * compiled against that header and run on the current library, it must work unchanged.
 * Every struct it passes ends right at a page the process may not read, so a library
 * that read past the ABI 3 size of sp_removal_options, sp_detect_options, sp_image,
 * sp_rect or sp_lens_params would crash here instead of reading garbage.
 * Prints "N passed, N failed"; exit code 0 only when all pass.
 * Usage: host_v3 MODEL.onnx */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "starplugin-v3.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what) do { if (cond) passed++; else { failed++; printf("FAIL %s (line %d): %s\n", what, __LINE__, sp_last_error()); } } while (0)

/* Room for one T right before an unreadable page. */
static void* at_page_end(size_t size) {
    long page = sysconf(_SC_PAGESIZE);
    char* p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p + page, (size_t)page, PROT_NONE) != 0) { perror("mmap"); exit(2); }
    return p + page - size;
}
#define GUARDED(T) ((T*)at_page_end(sizeof(T)))

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IONBF, 0); /* what ran is visible even if the process dies */
    if (argc < 2) { fprintf(stderr, "usage: host_v3 MODEL.onnx\n"); return 2; }
    enum { W = 80, H = 64 };
    CHECK(sp_abi_version() >= SP_ABI_VERSION, "a newer library serves an ABI 3 host");
    float* data = calloc(W * H * 3, sizeof(float));
    srand(5);
    for (int i = 0; i < W * H * 3; i++) data[i] = 0.1f + 0.01f * (float)rand() / RAND_MAX;
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++)
        for (int c = 0; c < 3; c++) data[(y * W + x) * 3 + c] += (float)(0.6 * exp(-((x - 30.2) * (x - 30.2) + (y - 25.7) * (y - 25.7)) / 3.2));
    float* out = calloc(W * H * 3, sizeof(float));
    float* stars = calloc(W * H * 3, sizeof(float));
    float* mask = calloc(W * H, sizeof(float));

    sp_image* in = GUARDED(sp_image);
    memset(in, 0, sizeof *in); in->data = data; in->width = W; in->height = H; in->channels = 3; in->row_stride = W * 3;
    sp_image* sl = GUARDED(sp_image); *sl = *in; sl->data = out;
    sp_image* st = GUARDED(sp_image); *st = *in; st->data = stars;
    sp_image* mk = GUARDED(sp_image); *mk = *in; mk->data = mask; mk->channels = 1; mk->row_stride = W;
    sp_removal_options* opt = GUARDED(sp_removal_options);
    memset(opt, 0, sizeof *opt); opt->tile = 64; opt->cleanup = -1; opt->keep_galaxies = -1;
    sp_rect* roi = GUARDED(sp_rect);
    roi->x = 8; roi->y = 8; roi->width = 48; roi->height = 40;

    sp_engine* engine = NULL;
    CHECK(sp_engine_create(argv[1], SP_DEVICE_CPU, 1, &engine) == SP_OK, "create");
    CHECK(sp_remove_stars(engine, in, NULL, opt, sl, st, mk, NULL, NULL) == SP_OK, "remove with ABI 3 options at a page end");
    double worst = 0;
    for (int i = 0; i < W * H * 3; i++) { double e = fabs(out[i] + stars[i] - data[i]); if (e > worst) worst = e; }
    CHECK(worst < 1e-5, "starless + stars = input");
    CHECK(stars[(25 * W + 30) * 3] > 0.2f, "the star went to the star layer");
    opt->keep_galaxies = 1; opt->cleanup = 0; opt->overlap = -1;
    CHECK(sp_remove_stars(engine, in, roi, opt, sl, NULL, NULL, NULL, NULL) == SP_OK, "remove with a ROI and the last ABI 3 field set");
    opt->keep_galaxies = 5;
    CHECK(sp_remove_stars(engine, in, NULL, opt, sl, NULL, NULL, NULL, NULL) == SP_ERR_INVALID_ARGUMENT, "the last ABI 3 field is read and checked");
    opt->keep_galaxies = 0;
    CHECK(sp_reduce_stars(engine, in, NULL, opt, 0.5f, SP_REDUCE_SHRINK, sl, NULL, NULL) == SP_OK, "reduce with ABI 3 options");

    sp_detect_options* dopt = GUARDED(sp_detect_options);
    memset(dopt, 0, sizeof *dopt);
    /* The red plane, as a planar grey image. */
    float* red = calloc(W * H, sizeof(float));
    for (int i = 0; i < W * H; i++) red[i] = data[i * 3];
    sp_image* grey = GUARDED(sp_image); *grey = *in; grey->data = red; grey->channels = 1; grey->layout = SP_LAYOUT_PLANAR; grey->row_stride = W;
    sp_star* found = NULL; int64_t count = 0;
    CHECK(sp_detect_stars(grey, NULL, dopt, &found, &count, NULL, NULL) == SP_OK && count >= 1, "detect with ABI 3 options at a page end");
    CHECK(sp_detect_mask(found, count, mk) == SP_OK, "detect mask");
    sp_free_stars(found);
    dopt->design_sweep = 1;
    CHECK(sp_detect_stars(grey, NULL, dopt, &found, &count, NULL, NULL) == SP_OK, "the last field of sp_detect_options");
    sp_free_stars(found);

    sp_lens_params* lp = GUARDED(sp_lens_params);
    memset(lp, 0, sizeof *lp);
    lp->einstein_radius = 8; lp->axis_ratio = 0.8; lp->center_x = -1; lp->center_y = -1; lp->source_re = 1.5; lp->source_n = 1;
    lp->source_q = 0.8; lp->arc_snr = 30; lp->psf_fwhm = 2.5; lp->seed = 7;
    sp_lens_result* lr = GUARDED(sp_lens_result);
    CHECK(sp_render_mock_lens(in, lp, lr) == SP_OK && lr->magnification > 1, "mock lens with its structs at a page end");

    int32_t device = -1;
    CHECK(sp_engine_device(engine, &device) == SP_OK && device == SP_DEVICE_CPU, "device");
    sp_engine_release(engine);
    CHECK(sp_engine_device(engine, &device) == SP_ERR_INVALID_ARGUMENT, "released handle rejected");
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
