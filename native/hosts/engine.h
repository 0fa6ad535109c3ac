/*
 * engine.h - the hosts' one door to libstarplugin. Every sp_* call of the GIMP shims
 * is in engine.c, so a change of the C API (option objects, callback threads) is a
 * change of that one file.
 *
 * Pixels are float32, interleaved, as GEGL's "RGBA float" / "RGB float" / "YA float"
 * / "Y float" hand them over. Results: SPH_OK, SPH_CANCELLED, or SPH_FAILED with a
 * message in err.
 *
 * Progress: when a progress function is given, the work runs on a worker thread and
 * the progress function is called on the calling thread, several times a second,
 * with the latest fraction (GIMP allows its PDB calls only from the plug-in's main
 * thread). Returning 0 from it cancels the work. Without one, the work runs on the
 * calling thread.
 */
#ifndef STARPLUGIN_HOSTS_ENGINE_H
#define STARPLUGIN_HOSTS_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "filters.h"

enum { SPH_OK = 0, SPH_CANCELLED = 1, SPH_FAILED = 2 };

typedef struct sph_pixels {
    float* data;
    int width, height, channels; /* channels 1..4, alpha last when 2 or 4 */
} sph_pixels;

typedef struct sph_progress {
    int (*update)(double fraction, void* user); /* 0 = cancel */
    void* user;
} sph_progress;

typedef struct sph_star {
    double x, y;        /* 0-based pixels of the pixels given, y from the top */
    double flux, fwhm, snr, roundness;
    float coefficient, brightness, width;
    int row, col, saturated;
} sph_star;

typedef struct sph_engine sph_engine;

/* The removal model: $STARPLUGIN_MODEL if set, else the one installed beside the library. */
int  sph_engine_open(sph_engine** out, char* err, size_t err_size);
void sph_engine_close(sph_engine* engine); /* NULL is fine */

/* Remove Stars. Any output may be NULL (at least one is needed); starless and stars
 * have in's channels, mask one channel. v holds sph_filters[SPH_REMOVE]'s values. */
int sph_remove(sph_engine* engine, const sph_pixels* in, const sph_values* v,
               float* starless, float* stars, float* mask, const sph_progress* progress, char* err, size_t err_size);
/* Reduce Stars: out has in's channels. */
int sph_reduce(sph_engine* engine, const sph_pixels* in, const sph_values* v, float* out,
               const sph_progress* progress, char* err, size_t err_size);
/* Star Mask: one channel. */
int sph_mask(sph_engine* engine, const sph_pixels* in, float* mask, const sph_progress* progress, char* err, size_t err_size);
/* Detect Stars inside the rectangle (x, y, w, h) of in (context around it helps the
 * background); *stars is freed with sph_free_stars. */
int sph_detect(const sph_pixels* in, int rx, int ry, int rw, int rh, const sph_values* v,
               sph_star** stars, int64_t* count, const sph_progress* progress, char* err, size_t err_size);
void sph_free_stars(sph_star* stars);
/* Render Mock Lens into in, in place. */
int sph_lens(const sph_pixels* in, const sph_values* v, char* err, size_t err_size);

#endif
