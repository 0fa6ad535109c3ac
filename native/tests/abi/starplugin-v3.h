/*
 * starplugin.h - C API of libstarplugin: star removal, star reduction, star masks,
 * star detection and mock strong lenses for any native host (GIMP, G'MIC, Siril, ...).
 *
 * Conventions (after sep, SQLite and the ONNX Runtime C API):
 * - Every function that can fail returns an sp_status; SP_OK is 0. The message of
 *   the last failure on the calling thread is sp_last_error() (valid until that
 *   thread's next failing call).
 * - Objects are opaque handles with a matching release function. Memory that the
 *   library allocates for you is freed with the sp_free_* function named beside it.
 * - Images are described by sp_image: float32 samples, interleaved or planar, with
 *   explicit strides. The library reads and writes only inside the described extents;
 *   the caller guarantees those extents are valid memory.
 * - Long calls take an sp_progress_fn; returning 0 from it cancels the call, which
 *   then returns SP_ERR_CANCELLED and leaves the output buffers untouched.
 * - One sp_engine may be used from several threads; calls on it are serialised.
 *   Separate engines run concurrently. Detection and lens rendering are stateless.
 * - The first call loads the core built for this CPU (libstarplugin-avx2.so, else
 *   libstarplugin-baseline.so, beside libstarplugin.so) and starts the .NET runtime
 *   inside it (~20 ms). Hosts that install signal handlers (GIMP's gimp_main) should
 *   make that call afterwards. If no core loads, calls return SP_ERR_UNSUPPORTED.
 */
#ifndef STARPLUGIN_H
#define STARPLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define SP_API __declspec(dllimport)
#else
#  define SP_API
#endif

/* Version of this header's ABI; compare with sp_abi_version() at run time. */
#define SP_ABI_VERSION 3   /* 2: sp_removal_options.cleanup; 3: sp_removal_options.keep_galaxies */

typedef enum sp_status {
    SP_OK = 0,
    SP_ERR_INVALID_ARGUMENT = 1, /* null pointer, bad size, stride, enum or range */
    SP_ERR_IO = 2,               /* a file could not be read or written */
    SP_ERR_MODEL = 3,            /* model or ONNX Runtime problem (missing library, bad model) */
    SP_ERR_CANCELLED = 4,        /* the progress callback returned 0 */
    SP_ERR_OUT_OF_MEMORY = 5,
    SP_ERR_UNSUPPORTED = 6,      /* valid request this build cannot do (e.g. DirectML on Linux) */
    SP_ERR_INTERNAL = 7          /* a bug: please report sp_last_error() */
} sp_status;

typedef enum sp_layout { SP_LAYOUT_INTERLEAVED = 0, SP_LAYOUT_PLANAR = 1 } sp_layout;

/* A float32 image. channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (alpha last).
 * Sample (x, y, c) lives at
 *   interleaved: data[y * row_stride + x * channels + c]   (row_stride >= width * channels)
 *   planar:      data[c * plane_stride + y * row_stride + x] (row_stride >= width,
 *                                                             plane_stride >= row_stride * height)
 * Strides count floats, not bytes. Values: white = 1.0 for integer-sourced data;
 * linear (unstretched) data of any range is detected and handled. */
typedef struct sp_image {
    float*  data;
    int32_t width;
    int32_t height;
    int32_t channels;
    int32_t layout;        /* sp_layout */
    int64_t row_stride;
    int64_t plane_stride;  /* planar only; ignored for interleaved */
} sp_image;

/* A region of interest in pixels; width or height 0 means the whole image. */
typedef struct sp_rect { int32_t x, y, width, height; } sp_rect;

/* Return non-zero to continue, 0 to cancel. fraction is in [0, 1]. */
typedef int (*sp_progress_fn)(double fraction, const char* stage, void* user);

typedef struct sp_engine sp_engine;

typedef enum sp_device { SP_DEVICE_AUTO = 0, SP_DEVICE_CPU = 1, SP_DEVICE_DIRECTML = 2, SP_DEVICE_CUDA = 3 } sp_device;
typedef enum sp_stretch { SP_STRETCH_AUTO = 0, SP_STRETCH_ALWAYS = 1, SP_STRETCH_NEVER = 2 } sp_stretch;
typedef enum sp_star_layer { SP_STARS_ADD = 0, SP_STARS_SCREEN = 1 } sp_star_layer;
typedef enum sp_reduce_mode { SP_REDUCE_SHRINK = 0, SP_REDUCE_SCALE = 1 } sp_reduce_mode;

/* Removal settings; zero-initialise for defaults (tile 0 = the model's, overlap -1 = the model's). */
typedef struct sp_removal_options {
    int32_t stretch;     /* sp_stretch */
    int32_t star_layer;  /* sp_star_layer: stars + starless = original (ADD) or screen(starless, stars) = original */
    int32_t tile;        /* 0 = model default */
    int32_t overlap;     /* 0 = model default, -1 = no overlap */
    int32_t batch;       /* tiles per inference call; 0 = 1 (CPU); more helps on GPUs */
    int32_t cleanup;     /* fill stars the network left behind: 0 = default (on), 1 = on, -1 = off */
    int32_t keep_galaxies; /* give back sources broader than the frame's stars (small galaxies
                              the network took): 0 = default (auto: only in galaxy fields, where
                              resolved sources carry most of the light), 1 = always, -1 = never */
} sp_removal_options;

/* Detection settings; zero-initialise for defaults (D 0.58, S/N 5, g 0.8..2.0 step 0.4). */
typedef struct sp_detect_options {
    float   threshold;      /* correlation threshold D in (-1, 1); 0 = default. Where the
                               sky is flat (noise only), D drops by 0.18 for sources below
                               S/N 20, as the CLI's default --flat-sky-relief */
    float   snr_threshold;  /* brightness threshold in local-noise units; 0 = default */
    float   g_min, g_max, g_step; /* Gaussian width sweep (sigma, px); 0 = defaults */
    int32_t design_sweep;   /* non-zero: g = 0.1 .. 2 step 0.05 */
} sp_detect_options;

/* One detected star. Coordinates are 0-based in full-image pixels, x = column,
 * y = row from the top. row/col: integer peak; x/y: refined centroid. */
typedef struct sp_star {
    double  x, y;
    double  flux;        /* background-subtracted, input units */
    double  fwhm;        /* pixels */
    double  snr;
    double  roundness;   /* 0 = round */
    float   coefficient; /* peak normalized correlation */
    float   brightness;  /* contrast-normalised peak value */
    float   width;       /* best Gaussian sigma of the sweep */
    int32_t row, col;
    int32_t saturated;
} sp_star;

/* Mock strong lens: singular isothermal ellipsoid + external shear, Sersic source. */
typedef struct sp_lens_params {
    double einstein_radius;  /* theta_E in pixels */
    double axis_ratio;       /* lens q in (0, 1]; 1 = SIS */
    double position_angle;   /* radians */
    double center_x, center_y; /* pixels; negative = image centre / brightest galaxy */
    double shear, shear_angle;
    double source_re;        /* Sersic effective radius, pixels */
    double source_n;         /* Sersic index */
    double source_q, source_angle;
    double source_dx, source_dy; /* source offset from the lens axis, pixels */
    double arc_snr;          /* target S/N of the arc; <= 0: use source_flux */
    double source_flux;      /* total source flux in image units when arc_snr <= 0 */
    double psf_fwhm;         /* pixels; <= 0 = estimate from the image */
    uint64_t seed;
} sp_lens_params;

typedef struct sp_lens_result {
    double magnification;
    double arc_snr;
    double einstein_radius_px;
    double center_x, center_y;
} sp_lens_result;

/* --- library --- */
SP_API const char* sp_version(void);          /* "0.1.0", static */
SP_API int32_t     sp_abi_version(void);      /* SP_ABI_VERSION of the library */
SP_API const char* sp_last_error(void);       /* this thread's last failure; "" if none */
SP_API const char* sp_status_string(int32_t status); /* static */

/* --- engine (star removal) ---
 * model_path NULL: models/starless-v1.onnx beside the library. threads 0: all cores. */
SP_API sp_status sp_engine_create(const char* model_path, int32_t device, int32_t threads, sp_engine** out);
SP_API sp_status sp_engine_device(const sp_engine* engine, int32_t* device); /* the provider actually used */
SP_API void      sp_engine_release(sp_engine* engine); /* NULL is fine */

/* Remove stars. Outputs are optional (NULL to skip) but at least one is required;
 * starless and stars must match input's size and channels, mask has 1 channel.
 * With a ROI only that rectangle is processed: outside it starless = input, stars = 0, mask = 0.
 * Alpha is copied untouched. */
SP_API sp_status sp_remove_stars(sp_engine* engine, const sp_image* input, const sp_rect* roi,
                                 const sp_removal_options* options,
                                 const sp_image* starless, const sp_image* stars, const sp_image* mask,
                                 sp_progress_fn progress, void* user);

/* Star reduction: amount in [0, 1]; the starless part is untouched. */
SP_API sp_status sp_reduce_stars(sp_engine* engine, const sp_image* input, const sp_rect* roi,
                                 const sp_removal_options* options, float amount, int32_t mode,
                                 const sp_image* output, sp_progress_fn progress, void* user);

/* --- detection --- Returns an array of *count stars; free it with sp_free_stars. */
SP_API sp_status sp_detect_stars(const sp_image* input, const sp_rect* roi, const sp_detect_options* options,
                                 sp_star** stars, int64_t* count, sp_progress_fn progress, void* user);
SP_API void      sp_free_stars(sp_star* stars); /* NULL is fine */

/* Render a star mask (1 channel, [0,1]) from a detection catalogue. */
SP_API sp_status sp_detect_mask(const sp_star* stars, int64_t count, const sp_image* mask);

/* --- mock lens --- Adds a lensed source into image in place (any channels; alpha kept). */
SP_API sp_status sp_render_mock_lens(const sp_image* image, const sp_lens_params* params, sp_lens_result* result);

#ifdef __cplusplus
}
#endif
#endif /* STARPLUGIN_H */
