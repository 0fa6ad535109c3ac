/*
 * starplugin.h - C API of libstarplugin: star removal, star reduction, star masks,
 * star detection and mock strong lenses for any native host (GIMP, G'MIC, Siril, ...).
 *
 * Conventions (after sep, SQLite and the ONNX Runtime C API):
 * - Every function that can fail returns an sp_status; SP_OK is 0. The message of
 *   the last failure on the calling thread is sp_last_error() (valid until that
 *   thread's next failing call).
 * - Objects (sp_engine, sp_options) are opaque handles with a matching release
 *   function. Memory that the library allocates for you is freed with the sp_free_*
 *   function named beside it.
 * - Images are described by sp_image: float32 samples, interleaved or planar, with
 *   explicit strides. The library reads and writes only inside the described extents;
 *   the caller guarantees those extents are valid memory. Sizes and strides are checked
 *   with overflow-safe arithmetic: a descriptor whose extent overflows, wraps, or spans
 *   more than SP_MAX_EXTENT floats is SP_ERR_INVALID_ARGUMENT, never a wild access.
 * - The first call loads the core built for this CPU (libstarplugin-avx2.so, else
 *   libstarplugin-baseline.so, beside libstarplugin.so) and starts the .NET runtime
 *   inside it (~20 ms). Hosts that install signal handlers (GIMP's gimp_main) should
 *   make that call afterwards. If no core loads, calls return SP_ERR_UNSUPPORTED.
 *
 * Threads
 * - Every function may be called from any thread. One sp_engine may be used from
 *   several threads at once; calls on one engine are serialised, separate engines run
 *   concurrently. Detection and lens rendering are stateless.
 * - Progress callbacks are delivered ONLY on the thread that made the call, never on a
 *   library worker thread (GIMP's gimp_progress_update and most GUI toolkits require
 *   this). While a call with a callback runs, its work runs on library threads and the
 *   calling thread waits and delivers the callbacks; updates that arrive faster than the
 *   callback returns are merged (the latest fraction wins). Returning 0 cancels: the call
 *   then returns SP_ERR_CANCELLED and leaves the output buffers untouched, even if the
 *   work had already finished. A callback may call any function of this API.
 * - sp_engine_release drops the caller's reference. The handle is invalid from that
 *   moment (new calls on it fail with SP_ERR_INVALID_ARGUMENT); calls already running on
 *   the engine finish normally, and the engine is freed when the last of them returns.
 * - Handles are never reused: a released or stale handle stays invalid for the life of
 *   the process, even after new engines are created, so releasing it twice is harmless.
 *
 * ABI policy (see also README.md, "C API")
 * - SP_ABI_VERSION counts append-only revisions of this header. The library reports its
 *   own with sp_abi_version(). Changes are additions only: new functions, new option
 *   keys, new enum values and status codes. A published function keeps its name,
 *   signature and meaning; a published struct keeps its size and layout for ever.
 * - Settings that can grow are keys of an opaque sp_options object (create, set,
 *   release), as in ONNX Runtime: a library reads only the keys the host set, so a new
 *   key costs old hosts nothing. The structs sp_removal_options and sp_detect_options are
 *   frozen at ABI 3 (the library reads exactly their ABI 3 size); they are kept for hosts
 *   built against ABI 3 and gain no fields.
 * - A host built against version N runs unchanged on a library of version N+k: every
 *   function and struct it uses is still there with the same layout and meaning. Keys it
 *   does not set keep their documented defaults (a later version may improve a default;
 *   set the key to pin a behaviour). It may receive a status code it does not know:
 *   treat any non-zero status as a failure and show sp_last_error().
 * - A host built against version N+k on a library of version N: check sp_abi_version()
 *   first and do not call functions added after N; setting an option key the library
 *   does not know returns SP_ERR_UNSUPPORTED (so a host can fall back), never a crash.
 * - Anything that cannot be added this way (removing or changing a function or struct)
 *   would ship under a new library name (libstarplugin.so.2), never as libstarplugin.so.
 * - Hosts built against ABI 1 or 2 (before this policy) are not supported: their
 *   sp_removal_options was shorter than ABI 3's.
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

/* Version of this header's ABI; compare with sp_abi_version() at run time.
 * 2: sp_removal_options.cleanup; 3: sp_removal_options.keep_galaxies;
 * 4: sp_options (opaque, keyed settings) with sp_remove, sp_reduce and sp_detect;
 *    reference-counted engines with handles that are never reused; progress callbacks
 *    on the calling thread; SP_MAX_EXTENT.
 * 5: sp_options key "binning". */
#define SP_ABI_VERSION 5

/* The most floats one sp_image descriptor may span, from data[0] to its last sample
 * (16 Gi floats, 64 GiB): far above any image the library accepts (2^30 samples), far
 * below what overflows 64-bit byte offsets. */
#define SP_MAX_EXTENT (INT64_C(1) << 34)

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
typedef enum sp_galaxies { SP_GALAXIES_AUTO = 0, SP_GALAXIES_ALWAYS = 1, SP_GALAXIES_NEVER = 2 } sp_galaxies;

/* Settings (ABI 4): an opaque object that holds keyed values, created with every key at
 * its default. A call reads the keys it uses and ignores the others, so one object can
 * serve removal, reduction and detection. The call copies what it reads when it starts;
 * changing the object afterwards does not affect a running call, but one object must
 * not be changed from two threads at once. NULL options means all defaults.
 *
 *   key               type    default   used by              meaning
 *   "stretch"         int     0         remove, reduce       sp_stretch: 0 auto (detect linear data), 1 always, 2 never
 *   "star_layer"      int     0         remove               sp_star_layer: 0 add (starless + stars = original),
 *                                                            1 screen (screen(starless, stars) = original)
 *   "tile"            int     0         remove, reduce       tile side in pixels, 0 = the model's (64..8192)
 *   "overlap"         int     -1        remove, reduce       tile overlap in pixels, -1 = the model's, 0 = none
 *   "batch"           int     1         remove, reduce       tiles per inference call (1..256); more helps on GPUs
 *   "cleanup"         int     1         remove, reduce       1: fill stars the network left behind and give back the glow it took; 0: network only
 *   "keep_galaxies"   int     0         remove, reduce       sp_galaxies: give back sources broader than the frame's
 *                                                            stars (small galaxies): 0 auto (in galaxy fields only),
 *                                                            1 always, 2 never
 *   "binning"         int     1         remove, reduce       bin the picture k x k for the removal and bring the star
 *                                                            layer back to full resolution, for oversampled pictures
 *                                                            (stars wider than about 2.7 px FWHM, which the network
 *                                                            otherwise keeps when bright): 1 never, 0 auto (k from the
 *                                                            stars' measured FWHM), 2..8 that factor. A factor is
 *                                                            lowered until the binned picture is 64 px a side or more.
 *                                                            Off by default: binned, fine structure of small nebulae
 *                                                            can go with the stars (ABI 5)
 *   "amount"          double  0.5       reduce               strength of the reduction, 0..1
 *   "reduce_mode"     int     0         reduce               sp_reduce_mode: 0 shrink, 1 scale
 *   "threshold"       double  0.58      detect               correlation threshold D in (-1, 1)
 *   "flat_sky_relief" double  0.18      detect               how far D drops where the sky is flat (0..1; 0 = one D)
 *   "snr"             double  5         detect               brightness threshold in local-noise units (> 0)
 *   "g_min", "g_max", "g_step"
 *                     double  0.8, 2.0, 0.4  detect          Gaussian width sweep (sigma, px)
 *   "design_sweep"    int     0         detect               1: g = 0.1 .. 2 step 0.05 (sets g_min, g_max, g_step)
 *   "saturation"      double  NaN       detect               saturation level in input units; NaN = detect clipping
 *
 * Values are checked when set: an unknown key is SP_ERR_UNSUPPORTED (a key from a newer
 * header on an older library), a value out of range or a non-integral value for an int
 * key is SP_ERR_INVALID_ARGUMENT; the object is then unchanged. sp_options_set_int works
 * for double keys too. */
typedef struct sp_options sp_options;

/* Removal settings of ABI 3 (frozen: the library reads exactly these 28 bytes, and this
 * struct gains no fields; new settings are sp_options keys). Zero-initialise for defaults
 * (tile 0 = the model's, overlap 0 = the model's). */
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

/* Detection settings of ABI 3 (frozen like sp_removal_options: 24 bytes); zero-initialise
 * for defaults (D 0.58, S/N 5, g 0.8..2.0 step 0.4). */
typedef struct sp_detect_options {
    float   threshold;      /* correlation threshold D in (-1, 1); 0 = default. Where the
                               sky is flat (noise only), D drops by 0.18 for sources below
                               S/N 20, as the CLI's default --flat-sky-relief */
    float   snr_threshold;  /* brightness threshold in local-noise units; 0 = default */
    float   g_min, g_max, g_step; /* Gaussian width sweep (sigma, px); 0 = defaults */
    int32_t design_sweep;   /* non-zero: g = 0.1 .. 2 step 0.05 */
} sp_detect_options;

/* One detected star (frozen: arrays of it keep this element size). Coordinates are 0-based in full-image pixels, x = column,
 * y = row of the buffer as passed (row 0 = the first row in memory). row/col: integer
 * peak; x/y: refined centroid. A FITS image passed in file order (as numpy and cfitsio
 * hold it, first FITS row first) gives y = FITS row - 1, as astropy, sep and photutils
 * count; add 1 for SExtractor's X_IMAGE/Y_IMAGE. A buffer flipped for display (GIMP)
 * gives y from the top. Mock-lens centres use the same frame. */
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

/* --- options (ABI 4) --- */
SP_API sp_status sp_options_create(sp_options** out);
SP_API void      sp_options_release(sp_options* options); /* NULL is fine; stale handles are ignored */
SP_API sp_status sp_options_set_int(sp_options* options, const char* key, int64_t value);
SP_API sp_status sp_options_set_double(sp_options* options, const char* key, double value);
SP_API sp_status sp_options_get(const sp_options* options, const char* key, double* value);

/* --- engine (star removal) ---
 * model_path NULL: models/starless-v1.onnx beside the library. threads 0: all cores. */
SP_API sp_status sp_engine_create(const char* model_path, int32_t device, int32_t threads, sp_engine** out);
SP_API sp_status sp_engine_device(const sp_engine* engine, int32_t* device); /* the provider actually used */
SP_API void      sp_engine_release(sp_engine* engine); /* NULL is fine; see "Threads" above */

/* Remove stars. Outputs are optional (NULL to skip) but at least one is required;
 * starless and stars must match input's size and channels, mask has 1 channel.
 * With a ROI only that rectangle is processed: outside it starless = input, stars = 0, mask = 0.
 * Alpha is copied untouched. Working memory: a float copy of the input (or ROI), one
 * float image per requested output, and the tile buffers. */
SP_API sp_status sp_remove(sp_engine* engine, const sp_image* input, const sp_rect* roi, const sp_options* options,
                           const sp_image* starless, const sp_image* stars, const sp_image* mask,
                           sp_progress_fn progress, void* user);

/* Star reduction (keys "amount" and "reduce_mode"); the starless part is untouched. */
SP_API sp_status sp_reduce(sp_engine* engine, const sp_image* input, const sp_rect* roi, const sp_options* options,
                           const sp_image* output, sp_progress_fn progress, void* user);

/* --- detection --- Returns an array of *count stars; free it with sp_free_stars. */
SP_API sp_status sp_detect(const sp_image* input, const sp_rect* roi, const sp_options* options,
                           sp_star** stars, int64_t* count, sp_progress_fn progress, void* user);
SP_API void      sp_free_stars(sp_star* stars); /* NULL is fine */

/* Render a star mask (1 channel, [0,1]) from a detection catalogue. */
SP_API sp_status sp_detect_mask(const sp_star* stars, int64_t count, const sp_image* mask);

/* --- mock lens --- Adds a lensed source into image in place (any channels; alpha kept). */
SP_API sp_status sp_render_mock_lens(const sp_image* image, const sp_lens_params* params, sp_lens_result* result);

/* --- ABI 3 entry points, kept for hosts built against ABI 3 ---
 * The same work as sp_remove, sp_reduce and sp_detect, with the frozen ABI 3 structs
 * (NULL = defaults). New hosts use sp_options. */
SP_API sp_status sp_remove_stars(sp_engine* engine, const sp_image* input, const sp_rect* roi,
                                 const sp_removal_options* options,
                                 const sp_image* starless, const sp_image* stars, const sp_image* mask,
                                 sp_progress_fn progress, void* user);
SP_API sp_status sp_reduce_stars(sp_engine* engine, const sp_image* input, const sp_rect* roi,
                                 const sp_removal_options* options, float amount, int32_t mode,
                                 const sp_image* output, sp_progress_fn progress, void* user);
SP_API sp_status sp_detect_stars(const sp_image* input, const sp_rect* roi, const sp_detect_options* options,
                                 sp_star** stars, int64_t* count, sp_progress_fn progress, void* user);

#ifdef __cplusplus
}
#endif
#endif /* STARPLUGIN_H */
