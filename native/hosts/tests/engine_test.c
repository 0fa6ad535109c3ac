/*
 * engine_test.c - the hosts' door to libstarplugin (native/hosts/engine.c):
 * progress reaches the calling thread as the work goes (GIMP allows PDB calls from
 * its main thread only), cancelling works, and a failure on the worker thread
 * comes back with its message. Prints "N passed, N failed"; exit 0 only if all pass.
 * Usage: engine_test (STARPLUGIN_MODEL names the model)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <glib.h>
#include "engine.h"

static int passed = 0, failed = 0;
#define CHECK(cond, what) do { if (cond) passed++; else { failed++; printf("FAIL %s (line %d)\n", what, __LINE__); } } while (0)

typedef struct record {
    GThread* caller;
    int calls, off_thread, backwards, inside;
    double last;
    int cancel_after;
} record;

static int on_progress(double fraction, void* user) {
    record* r = user;
    r->calls++;
    if (g_thread_self() != r->caller) r->off_thread++;
    if (fraction < r->last) r->backwards++;
    if (fraction > 0 && fraction < 1) r->inside++;
    r->last = fraction;
    return !(r->cancel_after && r->calls >= r->cancel_after);
}

static float* field(int w, int h, int c) {
    float* d = malloc(sizeof(float) * w * h * c);
    srand(3);
    for (int i = 0; i < w * h * c; i++) d[i] = 0.08f + 0.01f * (float)rand() / RAND_MAX;
    for (int s = 0; s < 120; s++) {
        double cx = rand() % w, cy = rand() % h, amp = 0.2 + 0.7 * rand() / RAND_MAX, sig = 1.0 + 0.8 * rand() / RAND_MAX;
        for (int y = (int)fmax(0, cy - 8); y < fmin(h, cy + 9); y++)
            for (int x = (int)fmax(0, cx - 8); x < fmin(w, cx + 9); x++)
                for (int k = 0; k < c; k++)
                    d[((size_t)y * w + x) * c + k] += (float)(amp * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sig * sig)));
    }
    return d;
}

int main(void) {
    const int W = 768, H = 768, C = 3;
    char err[1024];
    float* in = field(W, H, C);
    float* out = malloc(sizeof(float) * W * H * C);
    sph_pixels px = { in, W, H, C };
    sph_values v;
    sph_defaults(&sph_filters[SPH_REMOVE], &v);

    sph_engine* engine = NULL;
    CHECK(sph_engine_open(&engine, err, sizeof err) == SPH_OK, err);
    if (!engine) { printf("%d passed, %d failed\n", passed, failed); return 1; }

    /* Progress on the calling thread, as the work goes. */
    record r = { g_thread_self(), 0, 0, 0, 0, 0, 0 };
    sph_progress progress = { on_progress, &r };
    int rc = sph_remove(engine, &px, &v, out, NULL, NULL, &progress, err, sizeof err);
    CHECK(rc == SPH_OK, err);
    CHECK(r.off_thread == 0, "every progress call on the calling thread");
    CHECK(r.inside >= 1, "progress between 0 and 1 while the work runs");
    CHECK(r.backwards == 0, "progress never goes back");
    CHECK(r.last == 1.0, "progress ends at 1");
    printf("progress: %d calls, %d between 0 and 1\n", r.calls, r.inside);
    float peak_in = 0, peak_out = 0;
    for (int i = 0; i < W * H * C; i++) { peak_in = fmaxf(peak_in, in[i]); peak_out = fmaxf(peak_out, out[i]); }
    CHECK(peak_out < peak_in, "stars removed");

    /* Binning: the dialog's word reaches the library. 2x2 gives another starless image
     * than Off, whose star layer still adds up to the input; Auto runs. */
    const sph_filter* rf = &sph_filters[SPH_REMOVE];
    int b = sph_param_index(rf, "binning");
    CHECK(b >= 0 && rf->params[b].kind == SPH_CHOICE, "Remove Stars has a binning choice");
    if (b >= 0) {
        int two = -1, automatic = -1;
        for (int k = 0; k < rf->params[b].n_choices; k++) {
            if (!strcmp(rf->params[b].choices[k].word, "2")) two = k;
            if (!strcmp(rf->params[b].choices[k].word, "auto")) automatic = k;
        }
        CHECK(two >= 0 && automatic >= 0, "binning offers 2 and auto");
        CHECK(!strcmp(rf->params[b].choices[(int)v.v[b]].word, "1"), "binning is off by default");
        float* plain = malloc(sizeof(float) * W * H * C);
        float* starless2 = malloc(sizeof(float) * W * H * C);
        float* stars2 = malloc(sizeof(float) * W * H * C);
        sph_values bv = v;
        bv.v[b] = two;
        CHECK(sph_remove(engine, &px, &v, plain, NULL, NULL, NULL, err, sizeof err) == SPH_OK, err);
        CHECK(sph_remove(engine, &px, &bv, starless2, stars2, NULL, &progress, err, sizeof err) == SPH_OK, err);
        double sum = 0, moved = 0;
        for (int i = 0; i < W * H * C; i++) {
            sum = fmax(sum, fabs(starless2[i] + stars2[i] - in[i]));
            moved = fmax(moved, fabs(starless2[i] - plain[i]));
        }
        CHECK(sum < 1e-5, "binned 2x2: starless + stars = input");
        CHECK(moved > 1e-3, "binned 2x2: another starless image than Off");
        printf("binning 2x2: starless differs from Off by up to %g\n", moved);
        bv.v[b] = automatic;
        CHECK(sph_remove(engine, &px, &bv, starless2, NULL, NULL, NULL, err, sizeof err) == SPH_OK, err);
        free(plain); free(starless2); free(stars2);
    }

    /* A setting the library refuses (the table's validation skipped) fails with its message. */
    sph_values odd = v;
    odd.v[sph_param_index(rf, "tile")] = 10;
    err[0] = '\0';
    CHECK(sph_remove(engine, &px, &odd, out, NULL, NULL, NULL, err, sizeof err) == SPH_FAILED, "tile 10 is refused");
    CHECK(strstr(err, "tile") != NULL, "the message names the setting");
    printf("refused: %s\n", err);

    /* Reduce Stars: its amount and mode reach the library. */
    const sph_filter* df = &sph_filters[SPH_REDUCE];
    sph_values rv;
    sph_defaults(df, &rv);
    float* dimmed = malloc(sizeof(float) * W * H * C);
    float* shrunk = malloc(sizeof(float) * W * H * C);
    rv.v[sph_param_index(df, "amount")] = 0;
    CHECK(sph_reduce(engine, &px, &rv, out, NULL, err, sizeof err) == SPH_OK, err);
    double kept = 0;
    for (int i = 0; i < W * H * C; i++) kept = fmax(kept, fabs(out[i] - in[i]));
    CHECK(kept < 1e-5, "amount 0 leaves the picture as it is");
    rv.v[sph_param_index(df, "amount")] = 1;
    CHECK(sph_reduce(engine, &px, &rv, shrunk, &progress, err, sizeof err) == SPH_OK, err);
    rv.v[sph_param_index(df, "mode")] = 1; /* scale */
    CHECK(sph_reduce(engine, &px, &rv, dimmed, NULL, err, sizeof err) == SPH_OK, err);
    float peak_shrunk = 0, peak_in0 = 0;
    int modes_differ = 0;
    for (int i = 0; i < W * H * C; i++) {
        peak_shrunk = fmaxf(peak_shrunk, shrunk[i]); peak_in0 = fmaxf(peak_in0, in[i]);
        if (fabsf(shrunk[i] - dimmed[i]) > 1e-4f) modes_differ = 1;
    }
    CHECK(peak_shrunk < peak_in0, "amount 1 reduces the stars");
    CHECK(modes_differ, "shrink and scale differ");
    free(dimmed); free(shrunk);

    /* Without a progress function the work runs on this thread and still succeeds. */
    CHECK(sph_remove(engine, &px, &v, out, NULL, NULL, NULL, err, sizeof err) == SPH_OK, err);

    /* Cancel: the first progress call says stop; the output is left alone. (The first:
     * it comes while the work runs; the 100 ms poll may see no second step before the
     * work is done, so "the second call" made this check depend on the machine's speed.) */
    for (int i = 0; i < W * H * C; i++) out[i] = -7.0f;
    record c = { g_thread_self(), 0, 0, 0, 0, 0, 1 };
    sph_progress cancel = { on_progress, &c };
    rc = sph_remove(engine, &px, &v, out, NULL, NULL, &cancel, err, sizeof err);
    CHECK(rc == SPH_CANCELLED, "cancelled");
    int untouched = 1;
    for (int i = 0; i < W * H * C; i++) if (out[i] != -7.0f) { untouched = 0; break; }
    CHECK(untouched, "a cancelled call leaves the output untouched");

    /* A failure on the worker thread comes back with the library's message. */
    sph_pixels bad = { in, W, H, 7 };
    err[0] = '\0';
    rc = sph_remove(engine, &bad, &v, out, NULL, NULL, &progress, err, sizeof err);
    CHECK(rc == SPH_FAILED, "seven channels are refused");
    CHECK(strlen(err) > strlen("star removal failed: ") + 3 && !strstr(err, "unknown error"), "the worker's message is kept");
    printf("failure: %s\n", err);

    /* Detection through the same door. */
    sph_values dv;
    sph_defaults(&sph_filters[SPH_DETECT], &dv);
    sph_star* stars = NULL;
    int64_t count = 0;
    record d = { g_thread_self(), 0, 0, 0, 0, 0, 0 };
    sph_progress dp = { on_progress, &d };
    CHECK(sph_detect(&px, 0, 0, W, H, &dv, &stars, &count, &dp, err, sizeof err) == SPH_OK, err);
    CHECK(count > 60 && count < 200, "about the 120 stars drawn");
    CHECK(d.off_thread == 0, "detection progress on the calling thread");
    printf("detect: %lld stars\n", (long long)count);
    sph_free_stars(stars);

    sph_engine_close(engine);
    free(in); free(out);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
