/*
 * libstarplugin.so - picks the core build for this CPU and forwards the C API to it.
 *
 * The core is C# compiled ahead of time (NativeAOT), which fixes the instruction set at
 * build time: the portable build runs the SIMD kernels without AVX2 (Vector256 is not
 * accelerated there), and detection ran 2.3x slower than with AVX2; a build for
 * x86-64-v3 (AVX2, FMA, BMI, ...; cpu_features.h) is fast but aborts the whole process on an older CPU, which
 * would take the host down with it. So two cores ship beside this file,
 *   libstarplugin-avx2.so      (x86-64-v3)
 *   libstarplugin-baseline.so  (the runtime's portable x64 baseline),
 * and on the first call this library loads the best one the CPU can run (dlopen, by the
 * directory this file was loaded from, found with dladdr), then forwards every call.
 * STARPLUGIN_CPU=baseline forces the portable core; STARPLUGIN_VERBOSE=1 names the core
 * loaded on stderr. If no core loads, every call fails with SP_ERR_UNSUPPORTED and
 * sp_last_error() says why: the host never crashes for it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "starplugin.h"
#include "cpu_features.h"

#if defined(__GNUC__)
#  define EXPORT __attribute__((visibility("default")))
#else
#  define EXPORT
#endif

/* The forwarded API: one X(return type, name, parameters, arguments, value on failure) each. */
#define SP_FUNCTIONS(X) \
    X(const char*, sp_version, (void), (), "unavailable") \
    X(int32_t, sp_abi_version, (void), (), SP_ABI_VERSION) \
    X(const char*, sp_last_error, (void), (), load_error) \
    X(const char*, sp_status_string, (int32_t status), (status), "library core unavailable") \
    X(sp_status, sp_options_create, (sp_options** out), (out), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_options_set_int, (sp_options* options, const char* key, int64_t value), (options, key, value), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_options_set_double, (sp_options* options, const char* key, double value), (options, key, value), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_options_get, (const sp_options* options, const char* key, double* value), (options, key, value), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_engine_create, (const char* model_path, int32_t device, int32_t threads, sp_engine** out), \
      (model_path, device, threads, out), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_engine_device, (const sp_engine* engine, int32_t* device), (engine, device), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_remove, (sp_engine* engine, const sp_image* input, const sp_rect* roi, const sp_options* options, \
      const sp_image* starless, const sp_image* stars, const sp_image* mask, sp_progress_fn progress, void* user), \
      (engine, input, roi, options, starless, stars, mask, progress, user), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_reduce, (sp_engine* engine, const sp_image* input, const sp_rect* roi, const sp_options* options, \
      const sp_image* output, sp_progress_fn progress, void* user), (engine, input, roi, options, output, progress, user), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_detect, (const sp_image* input, const sp_rect* roi, const sp_options* options, \
      sp_star** stars, int64_t* count, sp_progress_fn progress, void* user), \
      (input, roi, options, stars, count, progress, user), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_remove_stars, (sp_engine* engine, const sp_image* input, const sp_rect* roi, \
      const sp_removal_options* options, const sp_image* starless, const sp_image* stars, const sp_image* mask, \
      sp_progress_fn progress, void* user), (engine, input, roi, options, starless, stars, mask, progress, user), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_reduce_stars, (sp_engine* engine, const sp_image* input, const sp_rect* roi, \
      const sp_removal_options* options, float amount, int32_t mode, const sp_image* output, sp_progress_fn progress, void* user), \
      (engine, input, roi, options, amount, mode, output, progress, user), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_detect_stars, (const sp_image* input, const sp_rect* roi, const sp_detect_options* options, \
      sp_star** stars, int64_t* count, sp_progress_fn progress, void* user), \
      (input, roi, options, stars, count, progress, user), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_detect_mask, (const sp_star* stars, int64_t count, const sp_image* mask), (stars, count, mask), SP_ERR_UNSUPPORTED) \
    X(sp_status, sp_render_mock_lens, (const sp_image* image, const sp_lens_params* params, sp_lens_result* result), \
      (image, params, result), SP_ERR_UNSUPPORTED)

/* Functions without a result: nothing to report on failure (NULL handles are fine to drop). */
#define SP_VOID_FUNCTIONS(X) \
    X(sp_engine_release, (sp_engine* engine), (engine)) \
    X(sp_options_release, (sp_options* options), (options)) \
    X(sp_free_stars, (sp_star* stars), (stars))

static char load_error[8192] = ""; /* a path (up to 4096) and dlerror() */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;

#define DECLARE(ret, name, params, args, fail) static ret (*p_##name) params;
#define DECLARE_VOID(name, params, args) static void (*p_##name) params;
SP_FUNCTIONS(DECLARE)
SP_VOID_FUNCTIONS(DECLARE_VOID)

/* Whether the AVX2 core can run here (cpu_features.h lists what it checks and why);
 * if not, why not, for STARPLUGIN_VERBOSE. */
static char cpu_missing[256] = "";
static int cpu_runs_avx2_core(void)
{
#if defined(SP_HAVE_CPUID)
    sp_cpu_words words;
    sp_cpu_read(&words);
    return sp_cpu_missing_v3(&words, cpu_missing, sizeof cpu_missing) == 0;
#else
    snprintf(cpu_missing, sizeof cpu_missing, "not an x86-64 build");
    return 0;
#endif
}

static void* open_core(const char* dir, const char* name)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return NULL;
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h) snprintf(load_error, sizeof load_error, "StarPlugin: cannot load %s: %s", path, dlerror());
    return h;
}

static void load_core(void)
{
    Dl_info info;
    char dir[4096] = ".";
    if (dladdr((void*)&load_core, &info) && info.dli_fname) {
        snprintf(dir, sizeof dir, "%s", info.dli_fname);
        char* slash = strrchr(dir, '/');
        if (slash) *slash = '\0'; else snprintf(dir, sizeof dir, ".");
    }
    const char* forced = getenv("STARPLUGIN_CPU");
    int avx2 = cpu_runs_avx2_core() && !(forced && strcmp(forced, "baseline") == 0);
    const char* name = avx2 ? "libstarplugin-avx2.so" : "libstarplugin-baseline.so";
    void* h = open_core(dir, name);
    if (!h && avx2) { name = "libstarplugin-baseline.so"; h = open_core(dir, name); }
    if (!h) return;
#define RESOLVE(ret, fn, params, args, fail) \
    if (!(*(void**)&p_##fn = dlsym(h, #fn))) { snprintf(load_error, sizeof load_error, "StarPlugin: %s lacks %s", name, #fn); return; }
#define RESOLVE_VOID(fn, params, args) RESOLVE(void, fn, params, args, 0)
    SP_FUNCTIONS(RESOLVE)
    SP_VOID_FUNCTIONS(RESOLVE_VOID)
    const char* verbose = getenv("STARPLUGIN_VERBOSE");
    if (verbose && *verbose && strcmp(verbose, "0") != 0) {
        fprintf(stderr, "starplugin: core %s/%s\n", dir, name);
        if (cpu_missing[0]) fprintf(stderr, "starplugin: this CPU lacks for the AVX2 core: %s\n", cpu_missing);
    }
    load_error[0] = '\0';
    loaded = 1;
}

#define FORWARD(ret, name, params, args, fail) \
    EXPORT ret name params { pthread_once(&once, load_core); return loaded ? p_##name args : (fail); }
#define FORWARD_VOID(name, params, args) \
    EXPORT void name params { pthread_once(&once, load_core); if (loaded) p_##name args; }
SP_FUNCTIONS(FORWARD)
SP_VOID_FUNCTIONS(FORWARD_VOID)
