/*
 * StarPlugin for GIMP 2.10: Filters > Astronomy > Remove Stars, Reduce Stars,
 * Star Mask, Detect Stars and Render Mock Lens.
 *
 * A thin shim: run() reads the drawable (inside the selection's bounds, plus a
 * margin of context) as linear "RGBA float"/"YA float" through GEGL, calls
 * libstarplugin's C API, and writes the shadow buffer; gimp_drawable_merge_shadow
 * blends it through the (feathered) selection and records undo. Nothing here
 * knows how stars are removed.
 *
 * Non-interactive calls take every parameter from the PDB; an integer or enum of 0
 * means its default. Interactive calls show a small dialog.
 */
#include <string.h>
#include <stdio.h>
#include <math.h>
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include "starplugin.h"

#define PROC_REMOVE "plug-in-starplugin-remove-stars"
#define PROC_REDUCE "plug-in-starplugin-reduce-stars"
#define PROC_MASK   "plug-in-starplugin-star-mask"
#define PROC_DETECT "plug-in-starplugin-detect-stars"
#define PROC_LENS   "plug-in-starplugin-mock-lens"
#define MENU_PATH   "<Image>/Filters/Astronomy"
#define CONTEXT_MARGIN 32

static void query(void);
static void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals, GimpParam** return_vals);
const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };
MAIN()

static const GimpParamDef common_args[] = {
    { GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }" },
    { GIMP_PDB_IMAGE, "image", "Input image" },
    { GIMP_PDB_DRAWABLE, "drawable", "Input drawable" },
};

static void install(const char* name, const char* blurb, const char* help, const char* menu,
                    const GimpParamDef* extra, int nextra) {
    GimpParamDef args[16];
    memcpy(args, common_args, sizeof common_args);
    memcpy(args + 3, extra, sizeof(GimpParamDef) * nextra);
    gimp_install_procedure(name, blurb, help, "StarPlugin contributors", "MIT", "2026", menu,
                           "RGB*, GRAY*", GIMP_PLUGIN, 3 + nextra, 0, args, NULL);
    gimp_plugin_menu_register(name, MENU_PATH);
}

static void query(void) {
    static const GimpParamDef remove_args[] = {
        { GIMP_PDB_INT32, "output", "0 default = starless in place; 1 in place; 2 new layers 'Starless' and 'Stars' (Addition mode) with the star mask as layer mask" },
        { GIMP_PDB_INT32, "stretch", "0 auto (detect linear data); 1 always stretch; 2 never" },
        { GIMP_PDB_INT32, "tile", "Tile size in pixels, 0 = model default (256); 64..2048" },
        { GIMP_PDB_INT32, "cleanup", "0 default = on; 1 fill stars the network left behind; 2 off (network only)" },
        { GIMP_PDB_INT32, "keep-galaxies", "Give back sources broader than the stars (small galaxies): 0 default = auto (in galaxy fields only); 1 always; 2 never" },
    };
    static const GimpParamDef reduce_args[] = {
        { GIMP_PDB_FLOAT, "amount", "Reduction 0..1 (<= 0 = default 0.5)" },
        { GIMP_PDB_INT32, "mode", "0 default = shrink; 1 shrink (morphological); 2 scale (dim only)" },
    };
    static const GimpParamDef mask_args[] = {
        { GIMP_PDB_INT32, "output", "0 default = new layer 'Star Mask'; 1 new layer; 2 replace the selection" },
    };
    static const GimpParamDef detect_args[] = {
        { GIMP_PDB_FLOAT, "threshold", "Correlation threshold D in (0, 1); <= 0 = default 0.58" },
        { GIMP_PDB_FLOAT, "snr", "Brightness threshold in units of local noise; <= 0 = default 5" },
        { GIMP_PDB_STRING, "catalogue", "CSV file to write the catalogue to (empty = none)" },
    };
    static const GimpParamDef lens_args[] = {
        { GIMP_PDB_FLOAT, "einstein-radius", "Einstein radius in pixels (> 0)" },
        { GIMP_PDB_FLOAT, "axis-ratio", "Lens axis ratio q in (0, 1]; <= 0 = default 0.8" },
        { GIMP_PDB_FLOAT, "arc-snr", "Target S/N of the arc; <= 0 = default 30" },
        { GIMP_PDB_FLOAT, "source-radius", "Source effective radius in pixels; <= 0 = default 1.5" },
        { GIMP_PDB_INT32, "seed", "Random seed (0 = 1)" },
    };
    install(PROC_REMOVE, "Remove stars (neural network)", "Removes stars and keeps nebulae and galaxies. Works on linear and stretched data, grey or RGB, any precision; respects the selection.", "Remove _Stars...", remove_args, 5);
    install(PROC_REDUCE, "Reduce stars", "Shrinks and dims stars; the starless part of the image is untouched.", "R_educe Stars...", reduce_args, 2);
    install(PROC_MASK, "Star mask", "A feathered star mask in [0,1], as a new layer or as the selection.", "Star _Mask...", mask_args, 1);
    install(PROC_DETECT, "Detect stars", "Finds stars by Gaussian normalized correlation; draws circles on a new overlay layer and can write a CSV catalogue.", "_Detect Stars...", detect_args, 3);
    install(PROC_LENS, "Render mock lens", "Renders a strong-lens arc (SIE lens, Sersic source) into the image around the central galaxy.", "Render Mock _Lens...", lens_args, 5);
}

/* --- pixels --- */

typedef struct {
    gint x, y, w, h;        /* region read (bounds + context margin), image coordinates */
    gint bx, by, bw, bh;    /* selection bounds */
    gint channels;          /* with alpha */
    const Babl* format;
    float* data;            /* interleaved */
} region_t;

static gboolean read_region(gint32 drawable, region_t* r) {
    if (!gimp_drawable_mask_intersect(drawable, &r->bx, &r->by, &r->bw, &r->bh)) return FALSE;
    gint dw = gimp_drawable_width(drawable), dh = gimp_drawable_height(drawable);
    r->x = MAX(0, r->bx - CONTEXT_MARGIN); r->y = MAX(0, r->by - CONTEXT_MARGIN);
    r->w = MIN(dw, r->bx + r->bw + CONTEXT_MARGIN) - r->x; r->h = MIN(dh, r->by + r->bh + CONTEXT_MARGIN) - r->y;
    gboolean rgb = gimp_drawable_is_rgb(drawable), alpha = gimp_drawable_has_alpha(drawable);
    r->channels = (rgb ? 3 : 1) + (alpha ? 1 : 0);
    r->format = babl_format(rgb ? (alpha ? "RGBA float" : "RGB float") : (alpha ? "YA float" : "Y float"));
    r->data = g_new(float, (gsize)r->w * r->h * r->channels);
    GeglBuffer* buf = gimp_drawable_get_buffer(drawable);
    gegl_buffer_get(buf, GEGL_RECTANGLE(r->x, r->y, r->w, r->h), 1.0, r->format, r->data, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    g_object_unref(buf);
    return TRUE;
}

static sp_image as_image(float* data, gint w, gint h, gint channels) {
    sp_image im; memset(&im, 0, sizeof im);
    im.data = data; im.width = w; im.height = h; im.channels = channels;
    im.layout = SP_LAYOUT_INTERLEAVED; im.row_stride = (int64_t)w * channels;
    return im;
}

/* Writes the selection bounds of a processed region into the drawable's shadow buffer and merges it. */
static void write_shadow(gint32 drawable, const region_t* r, const float* data) {
    GeglBuffer* shadow = gimp_drawable_get_shadow_buffer(drawable);
    gint offset = ((r->by - r->y) * r->w + (r->bx - r->x)) * r->channels;
    gegl_buffer_set(shadow, GEGL_RECTANGLE(r->bx, r->by, r->bw, r->bh), 0, r->format, data + offset, r->w * r->channels * sizeof(float));
    gegl_buffer_flush(shadow);
    g_object_unref(shadow);
    gimp_drawable_merge_shadow(drawable, TRUE);
    gimp_drawable_update(drawable, r->bx, r->by, r->bw, r->bh);
}

static gint32 new_layer(gint32 image, gint32 drawable, const char* name, GimpLayerMode mode) {
    gint ox, oy;
    gimp_drawable_offsets(drawable, &ox, &oy);
    GimpImageType type = gimp_drawable_is_rgb(drawable) ? GIMP_RGBA_IMAGE : GIMP_GRAYA_IMAGE;
    gint32 layer = gimp_layer_new(image, name, gimp_drawable_width(drawable), gimp_drawable_height(drawable), type, 100, mode);
    gimp_image_insert_layer(image, layer, gimp_item_get_parent(drawable), gimp_image_get_item_position(image, drawable));
    gimp_layer_set_offsets(layer, ox, oy);
    return layer;
}

/* Writes interleaved data of `channels` (no alpha if channels is 1 or 3) into an RGBA/YA layer, alpha 1. */
static void fill_layer(gint32 layer, const region_t* r, const float* data, gint channels, gboolean rgb) {
    gint out_ch = rgb ? 4 : 2;
    float* px = g_new0(float, (gsize)r->bw * r->bh * out_ch);
    for (gint y = 0; y < r->bh; y++)
        for (gint x = 0; x < r->bw; x++) {
            const float* s = data + (((gsize)(y + r->by - r->y) * r->w) + (x + r->bx - r->x)) * channels;
            float* d = px + ((gsize)y * r->bw + x) * out_ch;
            gint colour = rgb ? 3 : 1;
            for (gint c = 0; c < colour; c++) d[c] = s[MIN(c, channels - 1)];
            d[colour] = 1.0f;
        }
    GeglBuffer* buf = gimp_drawable_get_buffer(layer);
    gegl_buffer_set(buf, GEGL_RECTANGLE(r->bx, r->by, r->bw, r->bh), 0, babl_format(rgb ? "RGBA float" : "YA float"), px, GEGL_AUTO_ROWSTRIDE);
    g_object_unref(buf);
    g_free(px);
    gimp_drawable_update(layer, r->bx, r->by, r->bw, r->bh);
}

/* --- progress --- */

static int progress_cb(double fraction, const char* stage, void* user) {
    (void)stage; (void)user;
    /* gimp_progress_update fails once the user has cancelled: stop the work then. */
    return gimp_progress_update(fraction) ? 1 : 0;
}

/* --- dialogs (interactive mode) --- */

static gboolean dialog(const char* title, const char* help_id, const char** labels, gdouble* values,
                       const gdouble* lo, const gdouble* hi, const gint* digits, gint n) {
    gimp_ui_init("starplugin", FALSE);
    GtkWidget* dlg = gimp_dialog_new(title, "starplugin", NULL, 0, gimp_standard_help_func, help_id,
                                     "_Cancel", GTK_RESPONSE_CANCEL, "_OK", GTK_RESPONSE_OK, NULL);
    GtkWidget* grid = gtk_table_new(n, 2, FALSE); /* GIMP 2.10 is GTK 2: no GtkGrid */
    gtk_table_set_row_spacings(GTK_TABLE(grid), 6); gtk_table_set_col_spacings(GTK_TABLE(grid), 12);
    gtk_container_set_border_width(GTK_CONTAINER(grid), 12);
    gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(dlg))), grid, TRUE, TRUE, 0);
    GtkWidget* spins[16];
    for (gint i = 0; i < n; i++) {
        gtk_table_attach_defaults(GTK_TABLE(grid), gtk_label_new(labels[i]), 0, 1, i, i + 1);
        spins[i] = gtk_spin_button_new_with_range(lo[i], hi[i], digits[i] ? 0.01 : 1);
        gtk_spin_button_set_digits(GTK_SPIN_BUTTON(spins[i]), digits[i]);
        gtk_spin_button_set_value(GTK_SPIN_BUTTON(spins[i]), values[i]);
        gtk_table_attach_defaults(GTK_TABLE(grid), spins[i], 1, 2, i, i + 1);
    }
    gtk_widget_show_all(dlg);
    gboolean ok = gimp_dialog_run(GIMP_DIALOG(dlg)) == GTK_RESPONSE_OK;
    if (ok) for (gint i = 0; i < n; i++) values[i] = gtk_spin_button_get_value(GTK_SPIN_BUTTON(spins[i]));
    gtk_widget_destroy(dlg);
    return ok;
}

/* --- procedures --- */

static sp_engine* engine_or_error(GimpPDBStatusType* status) {
    sp_engine* engine = NULL;
    if (sp_engine_create(g_getenv("STARPLUGIN_MODEL"), SP_DEVICE_AUTO, 0, &engine) != SP_OK) {
        g_message("StarPlugin: %s", sp_last_error());
        *status = GIMP_PDB_EXECUTION_ERROR;
        return NULL;
    }
    return engine;
}

static GimpPDBStatusType do_remove(gint32 image, gint32 drawable, gint output, gint stretch, gint tile, gint cleanup, gint keep_galaxies) {
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    region_t r;
    if (!read_region(drawable, &r)) return GIMP_PDB_SUCCESS; /* empty selection */
    sp_engine* engine = engine_or_error(&status);
    if (!engine) { g_free(r.data); return status; }
    gsize n = (gsize)r.w * r.h;
    float* starless = g_new(float, n * r.channels);
    float* stars = g_new(float, n * r.channels);
    float* mask = g_new(float, n);
    sp_image in = as_image(r.data, r.w, r.h, r.channels), sl = as_image(starless, r.w, r.h, r.channels),
             st = as_image(stars, r.w, r.h, r.channels), mk = as_image(mask, r.w, r.h, 1);
    sp_removal_options opt; memset(&opt, 0, sizeof opt);
    opt.stretch = stretch; opt.tile = tile; opt.cleanup = cleanup == 2 ? -1 : 1; opt.keep_galaxies = keep_galaxies == 1 ? 1 : keep_galaxies == 2 ? -1 : 0;
    gimp_progress_init("Removing stars");
    int rc = sp_remove_stars(engine, &in, NULL, &opt, &sl, output == 2 ? &st : NULL, output == 2 ? &mk : NULL, progress_cb, NULL);
    if (rc == SP_OK) {
        gimp_image_undo_group_start(image);
        if (output == 2) {
            gboolean rgb = gimp_drawable_is_rgb(drawable);
            gint32 l_starless = new_layer(image, drawable, "Starless", GIMP_LAYER_MODE_NORMAL);
            fill_layer(l_starless, &r, starless, r.channels, rgb);
            /* Inserted above Starless: Addition (linear light in GIMP 2.10) restores the original. */
            gint32 l_stars = new_layer(image, l_starless, "Stars", GIMP_LAYER_MODE_ADDITION);
            fill_layer(l_stars, &r, stars, r.channels, rgb);
            gint32 m = gimp_layer_create_mask(l_stars, GIMP_ADD_MASK_BLACK);
            gimp_layer_add_mask(l_stars, m);
            GeglBuffer* mb = gimp_drawable_get_buffer(m);
            gegl_buffer_set(mb, GEGL_RECTANGLE(r.x, r.y, r.w, r.h), 0, babl_format("Y float"), mask, GEGL_AUTO_ROWSTRIDE);
            g_object_unref(mb);
        } else {
            write_shadow(drawable, &r, starless);
        }
        gimp_image_undo_group_end(image);
    } else if (rc != SP_ERR_CANCELLED) {
        g_message("StarPlugin: %s", sp_last_error());
        status = GIMP_PDB_EXECUTION_ERROR;
    } else status = GIMP_PDB_CANCEL;
    sp_engine_release(engine);
    g_free(starless); g_free(stars); g_free(mask); g_free(r.data);
    return status;
}

static GimpPDBStatusType do_reduce(gint32 image, gint32 drawable, gdouble amount, gint mode) {
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    region_t r;
    if (!read_region(drawable, &r)) return status;
    sp_engine* engine = engine_or_error(&status);
    if (!engine) { g_free(r.data); return status; }
    float* out = g_new(float, (gsize)r.w * r.h * r.channels);
    sp_image in = as_image(r.data, r.w, r.h, r.channels), o = as_image(out, r.w, r.h, r.channels);
    gimp_progress_init("Reducing stars");
    int rc = sp_reduce_stars(engine, &in, NULL, NULL, (float)amount, mode == 2 ? SP_REDUCE_SCALE : SP_REDUCE_SHRINK, &o, progress_cb, NULL);
    if (rc == SP_OK) { gimp_image_undo_group_start(image); write_shadow(drawable, &r, out); gimp_image_undo_group_end(image); }
    else if (rc == SP_ERR_CANCELLED) status = GIMP_PDB_CANCEL;
    else { g_message("StarPlugin: %s", sp_last_error()); status = GIMP_PDB_EXECUTION_ERROR; }
    sp_engine_release(engine);
    g_free(out); g_free(r.data);
    return status;
}

static GimpPDBStatusType do_mask(gint32 image, gint32 drawable, gint output) {
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    region_t r;
    if (!read_region(drawable, &r)) return status;
    sp_engine* engine = engine_or_error(&status);
    if (!engine) { g_free(r.data); return status; }
    float* mask = g_new(float, (gsize)r.w * r.h);
    sp_image in = as_image(r.data, r.w, r.h, r.channels), mk = as_image(mask, r.w, r.h, 1);
    gimp_progress_init("Building star mask");
    int rc = sp_remove_stars(engine, &in, NULL, NULL, NULL, NULL, &mk, progress_cb, NULL);
    if (rc == SP_OK) {
        gimp_image_undo_group_start(image);
        if (output == 2) {
            gint32 sel = gimp_image_get_selection(image);
            GeglBuffer* sb = gimp_drawable_get_buffer(sel);
            gint ox, oy; gimp_drawable_offsets(drawable, &ox, &oy);
            gimp_selection_none(image);
            gegl_buffer_set(sb, GEGL_RECTANGLE(r.x + ox, r.y + oy, r.w, r.h), 0, babl_format("Y float"), mask, GEGL_AUTO_ROWSTRIDE);
            g_object_unref(sb);
            gimp_drawable_update(sel, 0, 0, gimp_image_width(image), gimp_image_height(image));
        } else {
            gint32 layer = new_layer(image, drawable, "Star Mask", GIMP_LAYER_MODE_NORMAL);
            region_t full = r;
            fill_layer(layer, &full, mask, 1, gimp_drawable_is_rgb(drawable));
        }
        gimp_image_undo_group_end(image);
    } else if (rc == SP_ERR_CANCELLED) status = GIMP_PDB_CANCEL;
    else { g_message("StarPlugin: %s", sp_last_error()); status = GIMP_PDB_EXECUTION_ERROR; }
    sp_engine_release(engine);
    g_free(mask); g_free(r.data);
    return status;
}

static GimpPDBStatusType do_detect(gint32 image, gint32 drawable, gdouble threshold, gdouble snr, const gchar* catalogue) {
    region_t r;
    if (!read_region(drawable, &r)) return GIMP_PDB_SUCCESS;
    sp_image in = as_image(r.data, r.w, r.h, r.channels);
    sp_detect_options opt; memset(&opt, 0, sizeof opt);
    opt.threshold = threshold > 0 ? (float)threshold : 0; opt.snr_threshold = snr > 0 ? (float)snr : 0;
    sp_rect roi = { r.bx - r.x, r.by - r.y, r.bw, r.bh };
    sp_star* stars = NULL; int64_t count = 0;
    gimp_progress_init("Detecting stars");
    int rc = sp_detect_stars(&in, &roi, &opt, &stars, &count, progress_cb, NULL);
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    if (rc == SP_OK) {
        gimp_image_undo_group_start(image);
        gint32 layer = new_layer(image, drawable, "Detected Stars", GIMP_LAYER_MODE_NORMAL);
        gint dw = gimp_drawable_width(drawable), dh = gimp_drawable_height(drawable);
        float* px = g_new0(float, (gsize)dw * dh * 4);
        for (int64_t i = 0; i < count; i++) {
            double cx = stars[i].x + r.x, cy = stars[i].y + r.y, rad = CLAMP(1.5 * stars[i].fwhm + 2, 3, 60);
            for (int k = 0; k < (int)(rad * 8); k++) {
                double a = 2 * G_PI * k / (rad * 8);
                gint x = (gint)(cx + rad * cos(a) + 0.5), y = (gint)(cy + rad * sin(a) + 0.5);
                if (x < 0 || y < 0 || x >= dw || y >= dh) continue;
                float* d = px + ((gsize)y * dw + x) * 4;
                d[0] = stars[i].saturated ? 1.0f : 0.1f; d[1] = stars[i].saturated ? 0.1f : 1.0f; d[2] = 0.2f; d[3] = 1.0f;
            }
        }
        GeglBuffer* buf = gimp_drawable_get_buffer(layer);
        /* The overlay is RGBA on colour images; on grey ones GEGL converts it to YA. */
        gegl_buffer_set(buf, GEGL_RECTANGLE(0, 0, dw, dh), 0, babl_format("RGBA float"), px, GEGL_AUTO_ROWSTRIDE);
        g_object_unref(buf);
        g_free(px);
        gimp_drawable_update(layer, 0, 0, dw, dh);
        gimp_image_undo_group_end(image);
        if (catalogue && *catalogue) {
            FILE* f = fopen(catalogue, "w");
            if (!f) { g_message("StarPlugin: cannot write %s", catalogue); status = GIMP_PDB_EXECUTION_ERROR; }
            else {
                fprintf(f, "row,col,coefficient,brightness,x,y,flux,fwhm,snr,roundness,width,saturated\n");
                for (int64_t i = 0; i < count; i++)
                    fprintf(f, "%d,%d,%.4f,%.6f,%.3f,%.3f,%g,%.3f,%.2f,%.3f,%.2f,%d\n", stars[i].row + r.y, stars[i].col + r.x,
                            stars[i].coefficient, stars[i].brightness, stars[i].x + r.x, stars[i].y + r.y, stars[i].flux,
                            stars[i].fwhm, stars[i].snr, stars[i].roundness, stars[i].width, stars[i].saturated);
                fclose(f);
            }
        }
        sp_free_stars(stars);
    } else if (rc == SP_ERR_CANCELLED) status = GIMP_PDB_CANCEL;
    else { g_message("StarPlugin: %s", sp_last_error()); status = GIMP_PDB_EXECUTION_ERROR; }
    g_free(r.data);
    return status;
}

static GimpPDBStatusType do_lens(gint32 image, gint32 drawable, gdouble theta_e, gdouble q, gdouble snr, gdouble re, gint seed) {
    region_t r;
    if (!read_region(drawable, &r)) return GIMP_PDB_SUCCESS;
    sp_image im = as_image(r.data, r.w, r.h, r.channels);
    sp_lens_params p; memset(&p, 0, sizeof p);
    p.einstein_radius = theta_e; p.axis_ratio = q > 0 ? q : 0.8; p.center_x = -1; p.center_y = -1;
    p.source_re = re > 0 ? re : 1.5; p.source_n = 1; p.source_q = 0.7; p.source_dx = theta_e * 0.1; p.source_dy = theta_e * 0.05;
    p.arc_snr = snr > 0 ? snr : 30; p.seed = seed > 0 ? (uint64_t)seed : 1;
    gimp_progress_init("Rendering mock lens");
    sp_lens_result res;
    if (sp_render_mock_lens(&im, &p, &res) != SP_OK) { g_message("StarPlugin: %s", sp_last_error()); g_free(r.data); return GIMP_PDB_EXECUTION_ERROR; }
    gimp_image_undo_group_start(image);
    write_shadow(drawable, &r, r.data);
    gimp_image_undo_group_end(image);
    g_free(r.data);
    return GIMP_PDB_SUCCESS;
}

static void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals, GimpParam** return_vals) {
    static GimpParam values[1];
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    GimpRunMode mode = (GimpRunMode)param[0].data.d_int32;
    gint32 image = param[1].data.d_image, drawable = param[2].data.d_drawable;
    *nreturn_vals = 1; *return_vals = values;
    gegl_init(NULL, NULL);
    /* Every call into libstarplugin (and so the .NET runtime's start) happens here,
       after gimp_main has installed its signal handlers. */
    if (!strcmp(name, PROC_REMOVE)) {
        gdouble v[5] = { nparams > 3 ? param[3].data.d_int32 : 0, nparams > 4 ? param[4].data.d_int32 : 0, nparams > 5 ? param[5].data.d_int32 : 0,
                         nparams > 6 ? param[6].data.d_int32 : 0, nparams > 7 ? param[7].data.d_int32 : 0 };
        if (mode == GIMP_RUN_INTERACTIVE) {
            const char* labels[] = { "Output (1 in place, 2 new layers)", "Stretch (0 auto, 1 always, 2 never)", "Tile size (0 = default)",
                                     "Residual cleanup (1 on, 2 off)", "Keep galaxies (0 auto, 1 always, 2 never)" };
            gdouble lo[] = { 1, 0, 0, 1, 0 }, hi[] = { 2, 2, 2048, 2, 2 }; gint dg[] = { 0, 0, 0, 0, 0 };
            if (v[0] == 0) v[0] = 1;
            if (v[3] == 0) v[3] = 1;
            if (!dialog("Remove Stars", PROC_REMOVE, labels, v, lo, hi, dg, 5)) status = GIMP_PDB_CANCEL;
        } else if (nparams < 8 || v[0] < 0 || v[0] > 2 || v[1] < 0 || v[1] > 2 || v[2] < 0 || v[2] > 2048 || v[3] < 0 || v[3] > 2 || v[4] < 0 || v[4] > 2)
            status = GIMP_PDB_CALLING_ERROR;
        if (status == GIMP_PDB_SUCCESS) status = do_remove(image, drawable, (gint)v[0], (gint)v[1], (gint)v[2], (gint)v[3], (gint)v[4]);
    } else if (!strcmp(name, PROC_REDUCE)) {
        gdouble v[2] = { nparams > 3 ? param[3].data.d_float : 0.5, nparams > 4 ? param[4].data.d_int32 : 0 };
        if (v[0] <= 0) v[0] = 0.5;
        if (mode == GIMP_RUN_INTERACTIVE) {
            const char* labels[] = { "Amount", "Mode (1 shrink, 2 scale)" };
            gdouble lo[] = { 0.01, 1 }, hi[] = { 1, 2 }; gint dg[] = { 2, 0 };
            if (v[1] == 0) v[1] = 1;
            if (!dialog("Reduce Stars", PROC_REDUCE, labels, v, lo, hi, dg, 2)) status = GIMP_PDB_CANCEL;
        } else if (nparams < 5 || v[0] > 1 || v[1] < 0 || v[1] > 2) status = GIMP_PDB_CALLING_ERROR;
        if (status == GIMP_PDB_SUCCESS) status = do_reduce(image, drawable, v[0], (gint)v[1]);
    } else if (!strcmp(name, PROC_MASK)) {
        gdouble v[1] = { nparams > 3 ? param[3].data.d_int32 : 0 };
        if (mode == GIMP_RUN_INTERACTIVE) {
            const char* labels[] = { "Output (1 new layer, 2 selection)" };
            gdouble lo[] = { 1 }, hi[] = { 2 }; gint dg[] = { 0 };
            if (v[0] == 0) v[0] = 1;
            if (!dialog("Star Mask", PROC_MASK, labels, v, lo, hi, dg, 1)) status = GIMP_PDB_CANCEL;
        } else if (nparams < 4 || v[0] < 0 || v[0] > 2) status = GIMP_PDB_CALLING_ERROR;
        if (status == GIMP_PDB_SUCCESS) status = do_mask(image, drawable, (gint)v[0]);
    } else if (!strcmp(name, PROC_DETECT)) {
        gdouble v[2] = { nparams > 3 ? param[3].data.d_float : 0, nparams > 4 ? param[4].data.d_float : 0 };
        const gchar* cat = nparams > 5 ? param[5].data.d_string : NULL;
        if (mode == GIMP_RUN_INTERACTIVE) {
            const char* labels[] = { "Correlation threshold D", "S/N threshold" };
            gdouble lo[] = { 0.05, 1 }, hi[] = { 0.99, 100 }; gint dg[] = { 2, 1 };
            if (v[0] <= 0) v[0] = 0.58;
            if (v[1] <= 0) v[1] = 5;
            if (!dialog("Detect Stars", PROC_DETECT, labels, v, lo, hi, dg, 2)) status = GIMP_PDB_CANCEL;
        } else if (nparams < 6 || v[0] >= 1) status = GIMP_PDB_CALLING_ERROR;
        if (status == GIMP_PDB_SUCCESS) status = do_detect(image, drawable, v[0], v[1], cat);
    } else if (!strcmp(name, PROC_LENS)) {
        gdouble v[5] = { nparams > 3 ? param[3].data.d_float : 8, nparams > 4 ? param[4].data.d_float : 0.8,
                         nparams > 5 ? param[5].data.d_float : 30, nparams > 6 ? param[6].data.d_float : 1.5, nparams > 7 ? param[7].data.d_int32 : 1 };
        if (mode == GIMP_RUN_INTERACTIVE) {
            const char* labels[] = { "Einstein radius (px)", "Lens axis ratio q", "Arc S/N", "Source radius (px)", "Seed" };
            gdouble lo[] = { 1, 0.1, 3, 0.3, 1 }, hi[] = { 200, 1, 500, 50, 100000 }; gint dg[] = { 1, 2, 1, 2, 0 };
            if (v[0] <= 0) v[0] = 8;
            if (!dialog("Render Mock Lens", PROC_LENS, labels, v, lo, hi, dg, 5)) status = GIMP_PDB_CANCEL;
        } else if (nparams < 8 || v[0] <= 0 || v[1] > 1) status = GIMP_PDB_CALLING_ERROR;
        if (status == GIMP_PDB_SUCCESS) status = do_lens(image, drawable, v[0], v[1], v[2], v[3], (gint)v[4]);
    } else status = GIMP_PDB_CALLING_ERROR;

    if (mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
    values[0].type = GIMP_PDB_STATUS;
    values[0].data.d_status = status;
}
