/* What the C test programs share: images described over a buffer, synthetic stars, and
 * a progress callback that records whether it runs on the caller's thread. */
#ifndef STARPLUGIN_TEST_SUPPORT_H
#define STARPLUGIN_TEST_SUPPORT_H

#include <math.h>
#include <pthread.h>
#include <string.h>
#include "starplugin.h"

/* An interleaved image over data, rows packed. */
static sp_image make(float* data, int w, int h, int c) {
    sp_image img; memset(&img, 0, sizeof img);
    img.data = data; img.width = w; img.height = h; img.channels = c;
    img.layout = SP_LAYOUT_INTERLEAVED; img.row_stride = (int64_t)w * c;
    return img;
}

/* Adds a Gaussian star of amplitude amp to every channel. */
static void add_star(float* d, int w, int h, int c, double cx, double cy, double amp, double sigma) {
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
        double v = amp * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sigma * sigma));
        for (int k = 0; k < c; k++) d[((size_t)y * w + x) * c + k] += (float)v;
    }
}

/* Counts callbacks and those that arrive on another thread than the caller's. */
typedef struct thread_check { pthread_t caller; int calls, foreign; } thread_check;
static int on_caller(double f, const char* stage, void* user) {
    thread_check* t = user; (void)f; (void)stage;
    t->calls++;
    if (!pthread_equal(pthread_self(), t->caller)) t->foreign++;
    return 1;
}

#endif
