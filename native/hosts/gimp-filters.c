/*
 * gimp-filters.c - the filters' work on a GIMP drawable (see gimp-filters.h).
 *
 * Pixels are read inside the selection's bounds plus a margin of context, as float
 * in the drawable's tone curve, handed to libstarplugin (engine.c), and written
 * back: in place through the shadow buffer (GIMP blends it through the feathered
 * selection and records undo), or into new layers.
 */
#include "gimp-filters.h"

#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#define CONTEXT_MARGIN 32

typedef struct region {
    int x, y, w, h;     /* what is read: the bounds plus context, drawable coordinates */
    int bx, by, bw, bh; /* what is processed */
    int channels;
    const Babl* format; /* float, the drawable's colour model, tone curve and alpha */
    float* data;        /* interleaved */
} region;

/* The babl model of the drawable's own tone curve: perceptual (gamma) images give their
 * gamma values, linear ones their linear values. The library then sees the same numbers
 * as the command line reading the same file: 8-bit sRGB pictures are not mistaken for
 * dark linear data, and linear stacks stay linear. */
static const char* model_of(const Babl* drawable_format, int rgb, int alpha) {
    const char* encoding = babl_format_get_encoding(drawable_format);
    int perceptual = encoding && (strchr(encoding, '\'') || strchr(encoding, '~'));
    return perceptual ? (rgb ? (alpha ? "R'G'B'A" : "R'G'B'") : (alpha ? "Y'A" : "Y'"))
                      : (rgb ? (alpha ? "RGBA" : "RGB") : (alpha ? "YA" : "Y"));
}

static const Babl* with_type(const char* model, const char* type, const Babl* space) {
    char name[32];
    g_snprintf(name, sizeof name, "%s %s", model, type);
    return babl_format_with_space(name, space);
}

/* In the drawable's own colour space: its numbers, not a conversion of them. */
static const Babl* float_format(const Babl* drawable_format, int rgb, int alpha) {
    return with_type(model_of(drawable_format, rgb, alpha), "float", babl_format_get_space(drawable_format));
}

/* The rectangle (x, y, w, h) of buffer as float pixels of `model` in `space`, into dst,
 * as gegl_buffer_get to that float format gives them, but without babl's converter from
 * 8- or 16-bit numbers to float: babl 0.1.98 (GIMP 2.10's) times its lookup tables the
 * first time a process makes one, filling 366 MB to do so, about a second of every
 * filter call on a 2-core VM. Numbers as stored are read a band of rows at a time and
 * divided by 255 or 65535 here, as the command line reads files; half floats come
 * through double, exactly. For 8-bit data the values are those of babl's converter; for
 * 16-bit data babl's is in some formats a unit in the last place off (it multiplies by
 * 1/65535: R'G'B'A u16 in 512 of the 65536 levels), and these are the command line's. */
static void get_floats(GeglBuffer* buffer, int x, int y, int w, int h, const char* model, const Babl* space, float* dst) {
    const Babl* stored = babl_format_get_type(gegl_buffer_get_format(buffer), 0);
    const char* via = stored == babl_type("u8") ? "u8" : stored == babl_type("u16") ? "u16" : stored == babl_type("half") ? "double" : NULL;
    const Babl* format = via ? with_type(model, via, space) : NULL;
    /* Only numbers as stored are scaled here; anything else babl converts. */
    if (format && via[0] == 'u' && format != gegl_buffer_get_format(buffer)) format = NULL;
    size_t row = (size_t)w * (format ? babl_format_get_n_components(format) : 0);
    int band = format ? (int)MAX(1, MIN((size_t)h, ((size_t)1 << 17) / MAX(row, 1))) : 0;
    guchar* tmp = format ? g_try_malloc_n(row * band, (gsize)babl_format_get_bytes_per_pixel(format) / babl_format_get_n_components(format)) : NULL;
    if (!tmp) { /* other storage, or no memory for a band */
        gegl_buffer_get(buffer, GEGL_RECTANGLE(x, y, w, h), 1.0, with_type(model, "float", space), dst, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        return;
    }
    for (int b = 0; b < h; b += band) {
        int rows = MIN(band, h - b);
        gegl_buffer_get(buffer, GEGL_RECTANGLE(x, y + b, w, rows), 1.0, format, tmp, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        float* out = dst + (size_t)b * row;
        size_t n = row * rows;
        if (stored == babl_type("u8")) for (size_t i = 0; i < n; i++) out[i] = (float)tmp[i] / 255.0f;
        else if (stored == babl_type("u16")) for (size_t i = 0; i < n; i++) out[i] = (float)((const guint16*)tmp)[i] / 65535.0f;
        else for (size_t i = 0; i < n; i++) out[i] = (float)((const double*)tmp)[i];
    }
    g_free(tmp);
}

static float* try_floats(size_t count, char* err, size_t err_size) {
    float* p = g_try_malloc_n(count ? count : 1, sizeof(float));
    if (!p && err) snprintf(err, err_size, "not enough memory (%.0f MB needed)", count * 4.0 / 1e6);
    return p;
}

static int read_region(GeglBuffer* buffer, int dw, int dh, int rgb, int alpha, int bx, int by, int bw, int bh,
                       region* r, char* err, size_t err_size) {
    memset(r, 0, sizeof *r);
    r->bx = bx; r->by = by; r->bw = bw; r->bh = bh;
    r->x = MAX(0, bx - CONTEXT_MARGIN); r->y = MAX(0, by - CONTEXT_MARGIN);
    r->w = MIN(dw, bx + bw + CONTEXT_MARGIN) - r->x; r->h = MIN(dh, by + bh + CONTEXT_MARGIN) - r->y;
    r->channels = (rgb ? 3 : 1) + (alpha ? 1 : 0);
    r->format = float_format(gegl_buffer_get_format(buffer), rgb, alpha);
    r->data = try_floats((size_t)r->w * r->h * r->channels, err, err_size);
    if (!r->data) return 0;
    get_floats(buffer, r->x, r->y, r->w, r->h, model_of(gegl_buffer_get_format(buffer), rgb, alpha),
               babl_format_get_space(gegl_buffer_get_format(buffer)), r->data);
    return 1;
}

static sph_pixels pixels_of(const region* r, float* data) {
    sph_pixels p = { data, r->w, r->h, r->channels };
    return p;
}

/* The processed rectangle of data laid out like r (channels per pixel) into buffer. */
static void set_bounds(GeglBuffer* buffer, const region* r, const float* data, int channels, const Babl* format, int dx, int dy) {
    size_t offset = ((size_t)(r->by - r->y) * r->w + (size_t)(r->bx - r->x)) * channels;
    gegl_buffer_set(buffer, GEGL_RECTANGLE(r->bx + dx, r->by + dy, r->bw, r->bh), 0, format, data + offset,
                    (gint)((size_t)r->w * channels * sizeof(float)));
    gegl_buffer_flush(buffer);
}

/* --- new layers that add up to the original --- */

/* The selection's mask over the processed rectangle (1 where fully selected), or NULL. */
static float* selection_alpha(sph_host* h, const region* r) {
    GeglBuffer* sel = h->selection_buffer ? h->selection_buffer(h) : NULL;
    if (!sel) return NULL;
    float* a = g_try_malloc_n((size_t)r->bw * r->bh, sizeof(float));
    if (a) get_floats(sel, r->bx + h->offset_x, r->by + h->offset_y, r->bw, r->bh, "Y", babl_format_get_space(babl_format("Y float")), a);
    g_object_unref(sel);
    return a;
}

static void convert(const Babl* from, const Babl* to, const void* src, void* dst, long n) {
    babl_process(babl_fish(from, to), src, dst, n);
}

/*
 * Writes the Starless and Stars layers so that Starless with Stars above it in
 * Addition mode composites back to the drawable exactly, in the layers' own storage.
 * The network's star layer is not used for this: Stars is the difference between the
 * original and Starless *as stored*. In 8- and 16-bit images each Stars sample is
 * then nudged by whole levels until the composite, encoded as GIMP encodes it,
 * gives back the original level. Where the selection is feathered both layers carry
 * its value as alpha, and the composite is the original there too (up to rounding).
 */
static void set_level(guchar* store, size_t k, int levels, const guchar* from) {
    if (levels == 256) store[k] = from[k];
    else ((guint16*)store)[k] = ((const guint16*)from)[k];
}

static int level(const guchar* store, size_t k, int levels) {
    return levels == 256 ? store[k] : ((const guint16*)store)[k];
}

static void put_level(guchar* store, size_t k, int levels, int value) {
    if (levels == 256) store[k] = (guchar)value;
    else ((guint16*)store)[k] = (guint16)value;
}

/*
 * babl's decoding of every level of an 8- or 16-bit format into the linear float one, a
 * column per component, as gegl_buffer_get would decode the layers (and GIMP, compositing
 * them). For 8-bit R'G'B'A in sRGB, babl 0.1.98's own fish to float costs about a second
 * to make (it fills a 256 MB lookup table); its values are babl's sRGB curve in double,
 * rounded to float once (babl's gimp-8bit extension), which babl's double fish gives
 * without the table: equal for all 256 levels of every component with babl 0.1.98
 * (GimpLevelTableTests checks it against the babl installed). Any other format goes
 * through its own fish, on one pixel per level: 0.03-0.12 s for the other sRGB formats,
 * but as slow again for 8-bit R'G'B'A in another space (Adobe RGB, ProPhoto: 1.8-2.2 s).
 * Components decode independently: store and lin share one space, so no matrix.
 */
float* sph_gimp_level_table(const Babl* store, const Babl* lin, int comps, int levels) {
    float* table = g_try_malloc_n((size_t)levels * comps, sizeof(float));
    if (!table) return NULL;
    const Babl* space = babl_format_get_space(store);
    if (levels == 256 && comps == 4 && space == babl_space("sRGB") && store == babl_format_with_space("R'G'B'A u8", space) &&
        lin == babl_format_with_space("RGBA float", space)) {
        double wide[2 * 256 * 4];
        for (int i = 0; i < 256 * 4; i++) wide[i] = (i / 4) / 255.0;
        babl_process(babl_fish(babl_format_with_space("R'G'B'A double", space), babl_format_with_space("RGBA double", space)),
                     wide, wide + 256 * 4, 256);
        for (int i = 0; i < 256 * 4; i++) table[i] = (float)wide[256 * 4 + i];
        return table;
    }
    guchar* px = g_try_malloc_n((size_t)levels * comps, levels == 256 ? 1 : 2);
    if (!px) {
        g_free(table);
        return NULL;
    }
    for (int i = 0; i < levels; i++)
        for (int c = 0; c < comps; c++) put_level(px, (size_t)i * comps + c, levels, i);
    babl_process(babl_fish(store, lin), px, table, levels);
    g_free(px);
    return table;
}

/* n pixels of comps components as stored, into linear float through the level table. */
static void decode_levels(const float* table, int comps, int levels, const guchar* src, float* dst, size_t n) {
    for (size_t k = 0; k < n * comps; k++) dst[k] = table[(size_t)level(src, k, levels) * comps + k % comps];
}

static int write_exact_pair(sph_host* h, sph_item starless_layer, sph_item stars_layer, const region* r,
                            const float* starless, const float* sel, char* err, size_t err_size) {
    const Babl* store = h->item_format(h, starless_layer);
    int comps = babl_format_get_n_components(store), colour = comps - 1;
    const Babl* type = babl_format_get_type(store, 0);
    const Babl* lin = babl_format_with_space(comps == 4 ? "RGBA float" : "YA float", babl_format_get_space(store));
    int levels = type == babl_type("u8") ? 256 : type == babl_type("u16") ? 65536 : 0;
    size_t n = (size_t)r->bw * r->bh, bpp = (size_t)babl_format_get_bytes_per_pixel(store);
    GeglRectangle bounds = { r->bx, r->by, r->bw, r->bh };
    float* orig = try_floats(n * comps, err, err_size);
    float* sl = try_floats(n * comps, err, err_size);
    float* st = try_floats(n * comps, err, err_size);
    float* alpha = try_floats(n, err, err_size);
    guchar* o_store = g_try_malloc_n(n ? n : 1, bpp);
    guchar* sl_store = g_try_malloc_n(n ? n : 1, bpp);
    guchar* st_store = g_try_malloc_n(n ? n : 1, bpp);
    guchar* encoded = g_try_malloc_n(n ? n : 1, bpp);
    float* table = levels ? sph_gimp_level_table(store, lin, comps, levels) : NULL;
    int ok = orig && sl && st && alpha && o_store && sl_store && st_store && encoded && (table || !levels);
    if (!ok) {
        if (err) snprintf(err, err_size, "not enough memory for the new layers");
        goto done;
    }

    GeglBuffer* drawable = h->drawable_buffer(h);
    gegl_buffer_get(drawable, &bounds, 1.0, store, o_store, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    if (levels) decode_levels(table, comps, levels, o_store, orig, n);
    else gegl_buffer_get(drawable, &bounds, 1.0, lin, orig, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    g_object_unref(drawable);
    /* The library's starless image (the drawable's channels and tone curve) in the layers' linear space. */
    const Babl* fish = babl_fish(r->format, lin);
    for (int y = 0; y < r->bh; y++)
        babl_process(fish, starless + ((size_t)(y + r->by - r->y) * r->w + (size_t)(r->bx - r->x)) * r->channels,
                     sl + (size_t)y * r->bw * comps, r->bw);
    /* Alpha: the original's, through the selection. */
    for (size_t i = 0; i < n; i++) alpha[i] = orig[i * comps + colour] * (sel ? CLAMP(sel[i], 0.0f, 1.0f) : 1.0f);

    if (levels) {
        /* Starless in storage, never above the original (Addition only adds). */
        for (size_t i = 0; i < n; i++) sl[i * comps + colour] = 1.0f;
        convert(lin, store, sl, sl_store, (long)n);
        for (size_t k = 0; k < n * comps; k++)
            if ((int)(k % comps) != colour && level(sl_store, k, levels) > level(o_store, k, levels)) set_level(sl_store, k, levels, o_store);
        decode_levels(table, comps, levels, sl_store, sl, n); /* what Starless holds, in linear light */
        for (size_t i = 0; i < n; i++) {
            for (int c = 0; c < colour; c++) st[i * comps + c] = MAX(0.0f, orig[i * comps + c] - sl[i * comps + c]);
            st[i * comps + colour] = 1.0f;
        }
        convert(lin, store, st, st_store, (long)n);
        float* sum = orig; /* the original in linear light is not needed any more */
        for (int round = 0; round < 16; round++) {
            decode_levels(table, comps, levels, st_store, st, n);
            for (size_t i = 0; i < n; i++) {
                for (int c = 0; c < colour; c++) sum[i * comps + c] = sl[i * comps + c] + st[i * comps + c];
                sum[i * comps + colour] = 1.0f;
            }
            convert(lin, store, sum, encoded, (long)n);
            int changed = 0;
            for (size_t k = 0; k < n * comps; k++) {
                if ((int)(k % comps) == colour) continue;
                int e = level(encoded, k, levels), o = level(o_store, k, levels), s = level(st_store, k, levels);
                if (e < o && s < levels - 1) { put_level(st_store, k, levels, s + 1); changed = 1; }
                else if (e > o && s > 0) { put_level(st_store, k, levels, s - 1); changed = 1; }
            }
            if (!changed) break;
        }
        /* Both layers' alpha, encoded as the layers store it. */
        for (size_t i = 0; i < n; i++) {
            for (int c = 0; c < colour; c++) sum[i * comps + c] = 0.0f;
            sum[i * comps + colour] = alpha[i];
        }
        convert(lin, store, sum, encoded, (long)n);
        for (size_t i = 0; i < n; i++) {
            size_t k = i * comps + colour;
            set_level(sl_store, k, levels, encoded);
            set_level(st_store, k, levels, encoded);
        }
        GeglBuffer* b = h->item_buffer(h, starless_layer);
        gegl_buffer_set(b, &bounds, 0, store, sl_store, GEGL_AUTO_ROWSTRIDE);
        g_object_unref(b);
        b = h->item_buffer(h, stars_layer);
        gegl_buffer_set(b, &bounds, 0, store, st_store, GEGL_AUTO_ROWSTRIDE);
        g_object_unref(b);
    } else {
        /* Float storage: the difference itself; the sum is exact to a unit in the last place. */
        for (size_t i = 0; i < n; i++) {
            for (int c = 0; c < colour; c++) st[i * comps + c] = orig[i * comps + c] - sl[i * comps + c];
            st[i * comps + colour] = sl[i * comps + colour] = alpha[i];
        }
        GeglBuffer* b = h->item_buffer(h, starless_layer);
        gegl_buffer_set(b, &bounds, 0, lin, sl, GEGL_AUTO_ROWSTRIDE);
        g_object_unref(b);
        b = h->item_buffer(h, stars_layer);
        gegl_buffer_set(b, &bounds, 0, lin, st, GEGL_AUTO_ROWSTRIDE);
        g_object_unref(b);
    }
done:
    g_free(orig); g_free(sl); g_free(st); g_free(alpha);
    g_free(o_store); g_free(sl_store); g_free(st_store); g_free(encoded); g_free(table);
    return ok;
}

/* --- circles around detected stars --- */

typedef struct rings {
    sph_star* stars;  /* drawable coordinates, sorted by y */
    int64_t count;
    double max_radius;
} rings;

static double ring_radius(const sph_star* s) { return CLAMP(1.5 * s->fwhm + 2.0, 3.0, 60.0); }

static int by_y(const void* a, const void* b) {
    double d = ((const sph_star*)a)->y - ((const sph_star*)b)->y;
    return d < 0 ? -1 : d > 0;
}

static void rings_init(rings* rs, sph_star* stars, int64_t count) {
    rs->stars = stars; rs->count = count; rs->max_radius = 3;
    qsort(stars, (size_t)count, sizeof *stars, by_y);
    for (int64_t i = 0; i < count; i++) rs->max_radius = MAX(rs->max_radius, ring_radius(&stars[i]));
}

/*
 * Draws the rings that touch the rectangle (x0, y0, w, h) into its pixels (linear
 * float with `channels`, alpha last). blend = 0: a transparent overlay (colour and
 * alpha set where a ring passes); blend = 1: over the image itself (previews).
 * Saturated stars are red, the others green. Only the rectangle is touched, so the
 * overlay is drawn tile by tile.
 */
static void draw_rings(const rings* rs, int x0, int y0, int w, int h, float* px, int channels, int blend) {
    static const float green[3] = { 0.1f, 1.0f, 0.2f }, red[3] = { 1.0f, 0.1f, 0.1f };
    double top = y0 - rs->max_radius - 2, bottom = y0 + h + rs->max_radius + 2;
    int64_t lo = 0, hi = rs->count;
    while (lo < hi) { int64_t mid = (lo + hi) / 2; if (rs->stars[mid].y < top) lo = mid + 1; else hi = mid; }
    int colour = channels >= 3 ? 3 : 1, has_alpha = channels == 2 || channels == 4;
    for (int64_t i = lo; i < rs->count && rs->stars[i].y <= bottom; i++) {
        const sph_star* s = &rs->stars[i];
        double rad = ring_radius(s);
        int xa = MAX(x0, (int)floor(s->x - rad - 2)), xb = MIN(x0 + w - 1, (int)ceil(s->x + rad + 2));
        int ya = MAX(y0, (int)floor(s->y - rad - 2)), yb = MIN(y0 + h - 1, (int)ceil(s->y + rad + 2));
        const float* col = s->saturated ? red : green;
        for (int y = ya; y <= yb; y++)
            for (int x = xa; x <= xb; x++) {
                double d = hypot(x - s->x, y - s->y);
                float a = (float)CLAMP(1.25 - fabs(d - rad), 0.0, 1.0);
                if (a <= 0) continue;
                float* p = px + ((size_t)(y - y0) * w + (size_t)(x - x0)) * channels;
                if (blend) {
                    for (int c = 0; c < colour; c++) {
                        float target = colour == 3 ? col[c] : 0.2126f * col[0] + 0.7152f * col[1] + 0.0722f * col[2];
                        p[c] = p[c] * (1 - a) + target * a;
                    }
                } else if (!has_alpha || a > p[channels - 1]) {
                    for (int c = 0; c < colour; c++) p[c] = colour == 3 ? col[c] : 0.2126f * col[0] + 0.7152f * col[1] + 0.0722f * col[2];
                    if (has_alpha) p[channels - 1] = a;
                }
            }
    }
}

/* The overlay layer, tile by tile: memory is one tile, whatever the drawable's size. */
static void draw_overlay(GeglBuffer* layer, const rings* rs, int dw, int dh, const region* r) {
    int m = (int)ceil(rs->max_radius) + 3;
    int x = MAX(0, r->bx - m), y = MAX(0, r->by - m);
    GeglRectangle area = { x, y, MIN(dw, r->bx + r->bw + m) - x, MIN(dh, r->by + r->bh + m) - y };
    GeglBufferIterator* it = gegl_buffer_iterator_new(layer, &area, 0, babl_format("RGBA float"),
                                                      GEGL_ACCESS_READWRITE, GEGL_ABYSS_NONE, 1);
    while (gegl_buffer_iterator_next(it)) {
        GeglRectangle roi = it->items[0].roi;
        draw_rings(rs, roi.x, roi.y, roi.width, roi.height, it->items[0].data, 4, 0);
    }
}

/* --- catalogue --- */

static void csv_number(GString* s, const char* format, double v) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(s, g_ascii_formatd(buf, sizeof buf, format, v));
    g_string_append_c(s, ',');
}

int sph_write_catalogue(const char* path, const sph_star* stars, int64_t count, char* err, size_t err_size) {
    /* The CLI's columns (DetectCommand.CsvHeader). background stays empty: the frozen
     * sp_star record has no field for it. */
    GString* s = g_string_new("row,col,coefficient,brightness,x,y,flux,fwhm,snr,roundness,width,saturated,x_image,y_image,background\n");
    for (int64_t i = 0; i < count; i++) {
        const sph_star* t = &stars[i];
        g_string_append_printf(s, "%d,%d,", t->row, t->col);
        csv_number(s, "%.4f", t->coefficient); csv_number(s, "%.6f", t->brightness);
        csv_number(s, "%.3f", t->x); csv_number(s, "%.3f", t->y); csv_number(s, "%.6g", t->flux); /* .NET's G6 */
        csv_number(s, "%.3f", t->fwhm); csv_number(s, "%.2f", t->snr); csv_number(s, "%.3f", t->roundness);
        csv_number(s, "%.2f", t->width);
        g_string_append_printf(s, "%d,", t->saturated ? 1 : 0);
        csv_number(s, "%.3f", t->x + 1); csv_number(s, "%.3f", t->y + 1); /* SExtractor's 1-based X_IMAGE, Y_IMAGE */
        g_string_append_c(s, '\n');
    }
    GError* e = NULL;
    /* g_file_set_contents writes a temporary file and renames it: all or nothing. */
    gboolean ok = g_file_set_contents(path, s->str, (gssize)s->len, &e);
    g_string_free(s, TRUE);
    if (!ok) {
        if (err) snprintf(err, err_size, "cannot write the catalogue: %s", e ? e->message : path);
        g_clear_error(&e);
        return SPH_FAILED;
    }
    return SPH_OK;
}

/* --- the filters --- */

static int remove_stars(sph_host* h, const sph_filter* f, const sph_values* v, region* r, const sph_progress* pr, char* err, size_t n) {
    int layers = !strcmp(f->params[sph_param_index(f, "output")].choices[(int)v->v[sph_param_index(f, "output")]].word, "layers");
    size_t px = (size_t)r->w * r->h;
    float* starless = try_floats(px * r->channels, err, n);
    float* mask = layers ? try_floats(px, err, n) : NULL;
    int status = SPH_FAILED;
    sph_engine* engine = NULL;
    if (!starless || (layers && !mask)) goto done;
    if ((status = sph_engine_open(&engine, err, n)) != SPH_OK) goto done;
    sph_pixels in = pixels_of(r, r->data);
    status = sph_remove(engine, &in, v, starless, NULL, mask, pr, err, n);
    if (status != SPH_OK) goto done;
    h->undo_group(h, 1);
    if (!layers) {
        GeglBuffer* shadow = h->shadow_buffer(h);
        set_bounds(shadow, r, starless, r->channels, r->format, 0, 0);
        g_object_unref(shadow);
        h->merge_shadow(h);
    } else {
        sph_item sl = h->add_layer(h, "Starless", 0, NULL);
        sph_item st = h->add_layer(h, "Stars", 1, sl);
        float* sel = selection_alpha(h, r);
        if (!write_exact_pair(h, sl, st, r, starless, sel, err, n)) status = SPH_FAILED;
        g_free(sel);
        sph_item channel = h->add_channel(h, "Star Mask");
        GeglBuffer* cb = h->item_buffer(h, channel);
        set_bounds(cb, r, mask, 1, babl_format("Y float"), h->offset_x, h->offset_y);
        g_object_unref(cb);
        h->item_update(h, sl, r->bx, r->by, r->bw, r->bh);
        h->item_update(h, st, r->bx, r->by, r->bw, r->bh);
    }
    h->undo_group(h, 0);
done:
    sph_engine_close(engine);
    g_free(starless); g_free(mask);
    return status;
}

static int reduce_stars(sph_host* h, const sph_values* v, region* r, const sph_progress* pr, char* err, size_t n) {
    float* out = try_floats((size_t)r->w * r->h * r->channels, err, n);
    sph_engine* engine = NULL;
    int status = SPH_FAILED;
    if (!out) goto done;
    if ((status = sph_engine_open(&engine, err, n)) != SPH_OK) goto done;
    sph_pixels in = pixels_of(r, r->data);
    if ((status = sph_reduce(engine, &in, v, out, pr, err, n)) != SPH_OK) goto done;
    h->undo_group(h, 1);
    GeglBuffer* shadow = h->shadow_buffer(h);
    set_bounds(shadow, r, out, r->channels, r->format, 0, 0);
    g_object_unref(shadow);
    h->merge_shadow(h);
    h->undo_group(h, 0);
done:
    sph_engine_close(engine);
    g_free(out);
    return status;
}

static int star_mask(sph_host* h, const sph_filter* f, const sph_values* v, region* r, const sph_progress* pr, char* err, size_t n) {
    int k = sph_param_index(f, "output");
    int selection = !strcmp(f->params[k].choices[(int)v->v[k]].word, "selection");
    float* mask = try_floats((size_t)r->w * r->h, err, n);
    sph_engine* engine = NULL;
    int status = SPH_FAILED;
    if (!mask) goto done;
    if ((status = sph_engine_open(&engine, err, n)) != SPH_OK) goto done;
    sph_pixels in = pixels_of(r, r->data);
    if ((status = sph_mask(engine, &in, mask, pr, err, n)) != SPH_OK) goto done;
    h->undo_group(h, 1);
    if (selection) {
        GeglBuffer* sb = h->selection_for_writing(h);
        set_bounds(sb, r, mask, 1, babl_format("Y float"), h->offset_x, h->offset_y);
        g_object_unref(sb);
        h->selection_update(h);
    } else {
        sph_item layer = h->add_layer(h, "Star Mask", 0, NULL);
        GeglBuffer* lb = h->item_buffer(h, layer);
        /* Grey with alpha 1 inside the processed rectangle; GEGL makes it RGB for RGB images. */
        float* ya = try_floats((size_t)r->bw * r->bh * 2, err, n);
        if (ya) {
            for (int y = 0; y < r->bh; y++)
                for (int x = 0; x < r->bw; x++) {
                    size_t o = (size_t)y * r->bw + x;
                    ya[o * 2] = mask[(size_t)(y + r->by - r->y) * r->w + (x + r->bx - r->x)];
                    ya[o * 2 + 1] = 1.0f;
                }
            gegl_buffer_set(lb, GEGL_RECTANGLE(r->bx, r->by, r->bw, r->bh), 0, babl_format("YA float"), ya, GEGL_AUTO_ROWSTRIDE);
            g_free(ya);
        } else status = SPH_FAILED;
        g_object_unref(lb);
        h->item_update(h, layer, r->bx, r->by, r->bw, r->bh);
    }
    h->undo_group(h, 0);
done:
    sph_engine_close(engine);
    g_free(mask);
    return status;
}

static int detect_stars(sph_host* h, const sph_values* v, region* r, const sph_progress* pr, int64_t* count, char* err, size_t n) {
    sph_star* stars = NULL;
    sph_pixels in = pixels_of(r, r->data);
    int status = sph_detect(&in, r->bx - r->x, r->by - r->y, r->bw, r->bh, v, &stars, count, pr, err, n);
    if (status != SPH_OK) return status;
    for (int64_t i = 0; i < *count; i++) {
        stars[i].x += r->x; stars[i].y += r->y; stars[i].col += r->x; stars[i].row += r->y;
    }
    /* The catalogue first: if it cannot be written, nothing changes. */
    if (v->text[0]) status = sph_write_catalogue(v->text, stars, *count, err, n);
    if (status == SPH_OK) {
        rings rs;
        char name[64];
        rings_init(&rs, stars, *count);
        snprintf(name, sizeof name, "Detected Stars (%lld)", (long long)*count);
        h->undo_group(h, 1);
        sph_item layer = h->add_layer(h, name, 0, NULL);
        GeglBuffer* lb = h->item_buffer(h, layer);
        draw_overlay(lb, &rs, h->width, h->height, r);
        g_object_unref(lb);
        h->item_update(h, layer, 0, 0, h->width, h->height);
        h->undo_group(h, 0);
    }
    sph_free_stars(stars);
    return status;
}

static int mock_lens(sph_host* h, const sph_values* v, region* r, char* err, size_t n) {
    sph_pixels in = pixels_of(r, r->data);
    int status = sph_lens(&in, v, err, n);
    if (status != SPH_OK) return status;
    h->undo_group(h, 1);
    GeglBuffer* shadow = h->shadow_buffer(h);
    set_bounds(shadow, r, r->data, r->channels, r->format, 0, 0);
    g_object_unref(shadow);
    h->merge_shadow(h);
    h->undo_group(h, 0);
    return SPH_OK;
}

int sph_gimp_run(const sph_filter* f, const sph_values* v, sph_host* h, int64_t* count, char* err, size_t err_size) {
    region r;
    int64_t found = 0;
    if (err && err_size) err[0] = '\0';
    if (count) *count = 0;
    if (!sph_validate(f, v, err, err_size)) return SPH_FAILED;
    if (h->bw <= 0 || h->bh <= 0) return SPH_OK; /* the selection misses this drawable */
    GeglBuffer* buffer = h->drawable_buffer(h);
    int ok = read_region(buffer, h->width, h->height, h->rgb, h->alpha, h->bx, h->by, h->bw, h->bh, &r, err, err_size);
    g_object_unref(buffer);
    if (!ok) return SPH_FAILED;
    sph_progress pr = { h->progress_update, h };
    h->progress_start(h, f->title);
    int status;
    switch (f->id) {
    case SPH_REMOVE: status = remove_stars(h, f, v, &r, &pr, err, err_size); break;
    case SPH_REDUCE: status = reduce_stars(h, v, &r, &pr, err, err_size); break;
    case SPH_MASK: status = star_mask(h, f, v, &r, &pr, err, err_size); break;
    case SPH_DETECT: status = detect_stars(h, v, &r, &pr, &found, err, err_size); break;
    default: status = mock_lens(h, v, &r, err, err_size); break;
    }
    g_free(r.data);
    if (count) *count = found;
    return status;
}

/* --- previews --- */

struct sph_preview { sph_engine* engine; };

sph_preview* sph_preview_new(void) { return g_new0(sph_preview, 1); }

void sph_preview_free(sph_preview* p) {
    if (!p) return;
    sph_engine_close(p->engine);
    g_free(p);
}

int sph_preview_render(sph_preview* p, const sph_filter* f, const sph_values* v, GeglBuffer* drawable,
                       int dw, int dh, int rgb, int alpha, int x, int y, int w, int h,
                       const Babl* display, void* out, int64_t* count, char* err, size_t err_size) {
    region r;
    float* result = NULL;
    int status = SPH_OK;
    if (count) *count = 0;
    if (!sph_validate(f, v, err, err_size)) return SPH_FAILED;
    x = CLAMP(x, 0, dw); y = CLAMP(y, 0, dh); w = MIN(w, dw - x); h = MIN(h, dh - y);
    if (w <= 0 || h <= 0) return SPH_OK;
    if (!read_region(drawable, dw, dh, rgb, alpha, x, y, w, h, &r, err, err_size)) return SPH_FAILED;
    sph_pixels in = pixels_of(&r, r.data);
    if ((f->id == SPH_REMOVE || f->id == SPH_REDUCE || f->id == SPH_MASK) && !p->engine)
        status = sph_engine_open(&p->engine, err, err_size);
    if (status == SPH_OK) {
        size_t px = (size_t)r.w * r.h;
        switch (f->id) {
        case SPH_REMOVE:
            if ((result = try_floats(px * r.channels, err, err_size)))
                status = sph_remove(p->engine, &in, v, result, NULL, NULL, NULL, err, err_size);
            break;
        case SPH_REDUCE:
            if ((result = try_floats(px * r.channels, err, err_size)))
                status = sph_reduce(p->engine, &in, v, result, NULL, err, err_size);
            break;
        case SPH_MASK: {
            float* mask = try_floats(px, err, err_size);
            if (mask && (status = sph_mask(p->engine, &in, mask, NULL, err, err_size)) == SPH_OK) {
                result = r.data; /* the mask in every colour channel, opaque */
                for (size_t i = 0; i < px; i++)
                    for (int c = 0; c < r.channels; c++)
                        result[i * r.channels + c] = (alpha && c == r.channels - 1) ? 1.0f : mask[i];
            }
            g_free(mask);
            break;
        }
        case SPH_DETECT: {
            sph_star* stars = NULL;
            int64_t found = 0;
            status = sph_detect(&in, r.bx - r.x, r.by - r.y, r.bw, r.bh, v, &stars, &found, NULL, err, err_size);
            if (status == SPH_OK) {
                rings rs;
                rings_init(&rs, stars, found); /* region coordinates */
                draw_rings(&rs, 0, 0, r.w, r.h, r.data, r.channels, 1);
                result = r.data;
                if (count) *count = found;
            }
            sph_free_stars(stars);
            break;
        }
        default:
            status = sph_lens(&in, v, err, err_size);
            result = r.data;
            break;
        }
        if (!result && status == SPH_OK) status = SPH_FAILED;
    }
    if (status == SPH_OK) {
        const Babl* fish = babl_fish(r.format, display);
        size_t row_bytes = (size_t)w * babl_format_get_bytes_per_pixel(display);
        for (int j = 0; j < h; j++)
            babl_process(fish, result + ((size_t)(j + y - r.y) * r.w + (size_t)(x - r.x)) * r.channels,
                         (guchar*)out + (size_t)j * row_bytes, w);
    }
    if (result != r.data) g_free(result);
    g_free(r.data);
    return status;
}
