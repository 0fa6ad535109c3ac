/*
 * engine.c - every libstarplugin call the hosts make (see engine.h): options from
 * the filter table's values, a worker thread, and progress handed back to the
 * calling thread.
 */
#include "engine.h"

#include <string.h>
#include <stdio.h>
#include <glib.h>
#include "starplugin.h"

struct sph_engine { sp_engine* sp; };

static double value(const sph_filter* f, const sph_values* v, const char* name) {
    int i = sph_param_index(f, name);
    g_assert(i >= 0);
    return v->v[i];
}

static const char* word(const sph_filter* f, const sph_values* v, const char* name) {
    int i = sph_param_index(f, name);
    g_assert(i >= 0 && f->params[i].kind == SPH_CHOICE);
    int k = (int)v->v[i];
    return k >= 0 && k < f->params[i].n_choices ? f->params[i].choices[k].word : f->params[i].choices[0].word;
}

static sp_image image_of(float* data, int w, int h, int channels) {
    sp_image im;
    memset(&im, 0, sizeof im);
    im.data = data; im.width = w; im.height = h; im.channels = channels;
    im.layout = SP_LAYOUT_INTERLEAVED; im.row_stride = (int64_t)w * channels;
    return im;
}

static void fail_text(char* err, size_t n, const char* what, const char* detail) {
    if (err && n) snprintf(err, n, "%s: %s", what, detail && *detail ? detail : "unknown error");
}

/* --- one call on a worker thread, its progress on the calling thread --- */

typedef int (*sp_call)(void* args, sp_progress_fn progress, void* user);

typedef struct runner {
    sp_call fn;
    void* args;
    gint permille;   /* latest progress, -1 = none yet */
    gint cancel;
    int status;
    char message[1024];
    GMutex lock;
    GCond finished;
    gboolean done;
} runner;

static int runner_progress(double fraction, const char* stage, void* user) {
    runner* r = user;
    (void)stage;
    g_atomic_int_set(&r->permille, (gint)CLAMP(fraction * 1000.0, 0.0, 1000.0));
    return !g_atomic_int_get(&r->cancel);
}

static gpointer runner_thread(gpointer data) {
    runner* r = data;
    int status = r->fn(r->args, runner_progress, r);
    /* sp_last_error() belongs to the thread that failed: copy it here. */
    if (status != SP_OK) g_strlcpy(r->message, sp_last_error(), sizeof r->message);
    g_mutex_lock(&r->lock);
    r->status = status;
    r->done = TRUE;
    g_cond_signal(&r->finished);
    g_mutex_unlock(&r->lock);
    return NULL;
}

static int run(sp_call fn, void* args, const sph_progress* progress, const char* what, char* err, size_t err_size) {
    runner r;
    memset(&r, 0, sizeof r);
    r.fn = fn; r.args = args; r.permille = -1;
    GThread* thread = NULL;
    if (progress && progress->update) {
        g_mutex_init(&r.lock);
        g_cond_init(&r.finished);
        thread = g_thread_try_new("starplugin", runner_thread, &r, NULL);
    }
    if (!thread) {
        r.status = fn(args, NULL, NULL);
        if (r.status != SP_OK) g_strlcpy(r.message, sp_last_error(), sizeof r.message);
    } else {
        int shown = -1;
        g_mutex_lock(&r.lock);
        while (!r.done) {
            gint64 until = g_get_monotonic_time() + 100 * G_TIME_SPAN_MILLISECOND;
            g_cond_wait_until(&r.finished, &r.lock, until);
            if (r.done) break;
            int now = g_atomic_int_get(&r.permille);
            if (now >= 0 && now != shown) {
                shown = now;
                g_mutex_unlock(&r.lock);
                int go = progress->update(now / 1000.0, progress->user);
                g_mutex_lock(&r.lock);
                if (!go) g_atomic_int_set(&r.cancel, 1);
            }
        }
        g_mutex_unlock(&r.lock);
        g_thread_join(thread);
        g_mutex_clear(&r.lock);
        g_cond_clear(&r.finished);
        if (r.status == SP_OK) progress->update(1.0, progress->user);
    }
    if (r.status == SP_OK) return SPH_OK;
    if (r.status == SP_ERR_CANCELLED) return SPH_CANCELLED;
    fail_text(err, err_size, what, r.message);
    return SPH_FAILED;
}

/* --- engine --- */

int sph_engine_open(sph_engine** out, char* err, size_t err_size) {
    sp_engine* sp = NULL;
    *out = NULL;
    if (sp_engine_create(g_getenv("STARPLUGIN_MODEL"), SP_DEVICE_AUTO, 0, &sp) != SP_OK) {
        fail_text(err, err_size, "cannot load the star removal model", sp_last_error());
        return SPH_FAILED;
    }
    *out = g_new0(sph_engine, 1);
    (*out)->sp = sp;
    return SPH_OK;
}

void sph_engine_close(sph_engine* engine) {
    if (!engine) return;
    sp_engine_release(engine->sp);
    g_free(engine);
}

/* --- removal family --- */

typedef struct removal_args {
    sp_engine* engine;
    sp_image in, starless, stars, mask;
    int has_starless, has_stars, has_mask;
    sp_options* options;
} removal_args;

static int call_remove(void* p, sp_progress_fn progress, void* user) {
    removal_args* a = p;
    return sp_remove(a->engine, &a->in, NULL, a->options, a->has_starless ? &a->starless : NULL,
                     a->has_stars ? &a->stars : NULL, a->has_mask ? &a->mask : NULL, progress, user);
}

static int call_reduce(void* p, sp_progress_fn progress, void* user) {
    removal_args* a = p;
    return sp_reduce(a->engine, &a->in, NULL, a->options, &a->starless, progress, user);
}

/* 1 if a call on this thread succeeded; else 0, with the library's message in err. */
static int succeeded(sp_status status, const char* what, char* err, size_t err_size) {
    if (status == SP_OK) return 1;
    fail_text(err, err_size, what, sp_last_error());
    return 0;
}

/* The removal keys of Remove Stars' values (v) in a new options object (*out, released by
 * the caller with sp_options_release; NULL on failure, with the message in err). */
static int removal_options(const sph_values* v, sp_options** out, const char* what, char* err, size_t err_size) {
    const sph_filter* f = &sph_filters[SPH_REMOVE];
    const char* stretch = word(f, v, "stretch");
    const char* galaxies = word(f, v, "keep-galaxies");
    const char* binning = word(f, v, "binning"); /* --bin's words: "auto" or the factor */
    sp_options* o = NULL;
    *out = NULL;
    if (!succeeded(sp_options_create(&o), what, err, err_size)) return 0;
    int ok = succeeded(sp_options_set_int(o, "stretch", !strcmp(stretch, "always") ? SP_STRETCH_ALWAYS : !strcmp(stretch, "never") ? SP_STRETCH_NEVER : SP_STRETCH_AUTO), what, err, err_size)
          && succeeded(sp_options_set_int(o, "star_layer", SP_STARS_ADD), what, err, err_size)
          && succeeded(sp_options_set_int(o, "tile", (int64_t)value(f, v, "tile")), what, err, err_size)
          && succeeded(sp_options_set_int(o, "cleanup", value(f, v, "cleanup") != 0), what, err, err_size)
          && succeeded(sp_options_set_int(o, "keep_galaxies", !strcmp(galaxies, "always") ? SP_GALAXIES_ALWAYS
                                                            : !strcmp(galaxies, "never") ? SP_GALAXIES_NEVER : SP_GALAXIES_AUTO), what, err, err_size)
          && succeeded(sp_options_set_int(o, "binning", !strcmp(binning, "auto") ? 0 : g_ascii_strtoll(binning, NULL, 10)), what, err, err_size);
    if (!ok) { sp_options_release(o); return 0; }
    *out = o;
    return 1;
}

int sph_remove(sph_engine* engine, const sph_pixels* in, const sph_values* v,
               float* starless, float* stars, float* mask, const sph_progress* progress, char* err, size_t err_size) {
    const char* what = "star removal failed";
    sph_values defaults;
    removal_args a;
    memset(&a, 0, sizeof a);
    a.engine = engine->sp;
    a.in = image_of(in->data, in->width, in->height, in->channels);
    a.starless = image_of(starless, in->width, in->height, in->channels); a.has_starless = starless != NULL;
    a.stars = image_of(stars, in->width, in->height, in->channels); a.has_stars = stars != NULL;
    a.mask = image_of(mask, in->width, in->height, 1); a.has_mask = mask != NULL;
    if (!v) { sph_defaults(&sph_filters[SPH_REMOVE], &defaults); v = &defaults; }
    if (!removal_options(v, &a.options, what, err, err_size)) return SPH_FAILED;
    int status = run(call_remove, &a, progress, what, err, err_size);
    sp_options_release(a.options);
    return status;
}

int sph_reduce(sph_engine* engine, const sph_pixels* in, const sph_values* v, float* out,
               const sph_progress* progress, char* err, size_t err_size) {
    const char* what = "star reduction failed";
    const sph_filter* f = &sph_filters[SPH_REDUCE];
    sph_values removal;
    removal_args a;
    memset(&a, 0, sizeof a);
    a.engine = engine->sp;
    a.in = image_of(in->data, in->width, in->height, in->channels);
    a.starless = image_of(out, in->width, in->height, in->channels);
    /* The star layer as Remove Stars finds it with its defaults. */
    sph_defaults(&sph_filters[SPH_REMOVE], &removal);
    if (!removal_options(&removal, &a.options, what, err, err_size)) return SPH_FAILED;
    int ok = succeeded(sp_options_set_double(a.options, "amount", value(f, v, "amount")), what, err, err_size)
          && succeeded(sp_options_set_int(a.options, "reduce_mode", !strcmp(word(f, v, "mode"), "scale") ? SP_REDUCE_SCALE : SP_REDUCE_SHRINK), what, err, err_size);
    int status = ok ? run(call_reduce, &a, progress, what, err, err_size) : SPH_FAILED;
    sp_options_release(a.options);
    return status;
}

int sph_mask(sph_engine* engine, const sph_pixels* in, float* mask, const sph_progress* progress, char* err, size_t err_size) {
    return sph_remove(engine, in, NULL, NULL, NULL, mask, progress, err, err_size);
}

/* --- detection --- */

typedef struct detect_args {
    sp_image in;
    sp_rect roi;
    sp_detect_options options;
    sp_star* stars;
    int64_t count;
} detect_args;

static int call_detect(void* p, sp_progress_fn progress, void* user) {
    detect_args* a = p;
    return sp_detect_stars(&a->in, &a->roi, &a->options, &a->stars, &a->count, progress, user);
}

int sph_detect(const sph_pixels* in, int rx, int ry, int rw, int rh, const sph_values* v,
               sph_star** stars, int64_t* count, const sph_progress* progress, char* err, size_t err_size) {
    const sph_filter* f = &sph_filters[SPH_DETECT];
    detect_args a;
    memset(&a, 0, sizeof a);
    a.in = image_of(in->data, in->width, in->height, in->channels);
    a.roi.x = rx; a.roi.y = ry; a.roi.width = rw; a.roi.height = rh;
    a.options.threshold = (float)value(f, v, "threshold");
    a.options.snr_threshold = (float)value(f, v, "snr");
    *stars = NULL; *count = 0;
    int status = run(call_detect, &a, progress, "star detection failed", err, err_size);
    if (status != SPH_OK) { sp_free_stars(a.stars); return status; }
    sph_star* out = g_new0(sph_star, MAX(a.count, 1));
    for (int64_t i = 0; i < a.count; i++) {
        const sp_star* s = &a.stars[i];
        sph_star* d = &out[i];
        d->x = s->x; d->y = s->y; d->flux = s->flux; d->fwhm = s->fwhm; d->snr = s->snr; d->roundness = s->roundness;
        d->coefficient = s->coefficient; d->brightness = s->brightness; d->width = s->width;
        d->row = s->row; d->col = s->col; d->saturated = s->saturated;
    }
    sp_free_stars(a.stars);
    *stars = out; *count = a.count;
    return SPH_OK;
}

void sph_free_stars(sph_star* stars) { g_free(stars); }

/* --- mock lens --- */

int sph_lens(const sph_pixels* in, const sph_values* v, char* err, size_t err_size) {
    const sph_filter* f = &sph_filters[SPH_LENS];
    sp_image im = image_of(in->data, in->width, in->height, in->channels);
    sp_lens_params p;
    sp_lens_result result;
    memset(&p, 0, sizeof p);
    p.einstein_radius = value(f, v, "einstein-radius");
    p.axis_ratio = value(f, v, "axis-ratio");
    p.center_x = -1; p.center_y = -1; /* the brightest galaxy near the centre */
    p.source_re = value(f, v, "source-radius");
    p.source_n = value(f, v, "source-index");
    p.source_q = value(f, v, "source-axis-ratio");
    p.source_dx = value(f, v, "source-offset-x");
    p.source_dy = value(f, v, "source-offset-y");
    p.arc_snr = value(f, v, "arc-snr");
    p.seed = (uint64_t)value(f, v, "seed");
    if (sp_render_mock_lens(&im, &p, &result) != SP_OK) {
        fail_text(err, err_size, "mock lens failed", sp_last_error());
        return SPH_FAILED;
    }
    return SPH_OK;
}
