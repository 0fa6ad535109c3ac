/*
 * StarPlugin for GIMP 3 (UNTESTED: Debian 12 has no libgimp-3.0; packaging/install.sh
 * builds this file only when pkg-config finds gimp-3.0). The same five filters as the
 * GIMP 2.10 shim: only registration and run() differ (GimpPlugIn subclass,
 * GimpProcedureConfig); pixels go through GEGL and libstarplugin exactly as there.
 */
#include <string.h>
#include <math.h>
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include "starplugin.h"

#define PROC_REMOVE "plug-in-starplugin-remove-stars"
#define PROC_REDUCE "plug-in-starplugin-reduce-stars"
#define PROC_MASK   "plug-in-starplugin-star-mask"
#define PROC_DETECT "plug-in-starplugin-detect-stars"
#define PROC_LENS   "plug-in-starplugin-mock-lens"

typedef struct _StarPlugin { GimpPlugIn parent_instance; } StarPlugin;
typedef struct _StarPluginClass { GimpPlugInClass parent_class; } StarPluginClass;
GType star_plugin_get_type(void);
G_DEFINE_TYPE(StarPlugin, star_plugin, GIMP_TYPE_PLUG_IN)

static GimpValueArray* run(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image, GimpDrawable** drawables,
                           GimpProcedureConfig* config, gpointer run_data);

static GList* query_procedures(GimpPlugIn* plug_in) {
    (void)plug_in;
    GList* l = NULL;
    l = g_list_append(l, g_strdup(PROC_REMOVE)); l = g_list_append(l, g_strdup(PROC_REDUCE));
    l = g_list_append(l, g_strdup(PROC_MASK)); l = g_list_append(l, g_strdup(PROC_DETECT));
    l = g_list_append(l, g_strdup(PROC_LENS));
    return l;
}

static GimpProcedure* create_procedure(GimpPlugIn* plug_in, const gchar* name) {
    GimpProcedure* p = gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, run, NULL, NULL);
    gimp_procedure_set_image_types(p, "RGB*, GRAY*");
    gimp_procedure_set_sensitivity_mask(p, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
    gimp_procedure_add_menu_path(p, "<Image>/Filters/Astronomy");
    gimp_procedure_set_attribution(p, "StarPlugin contributors", "MIT", "2026");
    if (!strcmp(name, PROC_REMOVE)) {
        gimp_procedure_set_menu_label(p, "Remove _Stars...");
        gimp_procedure_set_documentation(p, "Remove stars (neural network)", "Removes stars and keeps nebulae and galaxies; respects the selection.", name);
        gimp_procedure_add_int_argument(p, "output", "Output", "0 default = in place; 1 in place; 2 new layers Starless and Stars", 0, 2, 0, G_PARAM_READWRITE);
        gimp_procedure_add_int_argument(p, "stretch", "Stretch", "0 auto; 1 always; 2 never", 0, 2, 0, G_PARAM_READWRITE);
        gimp_procedure_add_int_argument(p, "tile", "Tile", "Tile size, 0 = model default", 0, 2048, 0, G_PARAM_READWRITE);
    } else if (!strcmp(name, PROC_REDUCE)) {
        gimp_procedure_set_menu_label(p, "R_educe Stars...");
        gimp_procedure_set_documentation(p, "Reduce stars", "Shrinks and dims stars; the starless part is untouched.", name);
        gimp_procedure_add_double_argument(p, "amount", "Amount", "0..1", 0.0, 1.0, 0.5, G_PARAM_READWRITE);
        gimp_procedure_add_int_argument(p, "mode", "Mode", "0 default = shrink; 1 shrink; 2 scale", 0, 2, 0, G_PARAM_READWRITE);
    } else if (!strcmp(name, PROC_MASK)) {
        gimp_procedure_set_menu_label(p, "Star _Mask...");
        gimp_procedure_set_documentation(p, "Star mask", "A feathered star mask as a new layer or the selection.", name);
        gimp_procedure_add_int_argument(p, "output", "Output", "0 default = new layer; 1 new layer; 2 selection", 0, 2, 0, G_PARAM_READWRITE);
    } else if (!strcmp(name, PROC_DETECT)) {
        gimp_procedure_set_menu_label(p, "_Detect Stars...");
        gimp_procedure_set_documentation(p, "Detect stars", "Gaussian normalized correlation; overlay layer and optional CSV catalogue.", name);
        gimp_procedure_add_double_argument(p, "threshold", "Threshold", "Correlation threshold D; 0 = default 0.58", 0.0, 0.99, 0.0, G_PARAM_READWRITE);
        gimp_procedure_add_double_argument(p, "snr", "S/N", "Brightness threshold; 0 = default 5", 0.0, 1000.0, 0.0, G_PARAM_READWRITE);
        gimp_procedure_add_string_argument(p, "catalogue", "Catalogue", "CSV path, empty = none", "", G_PARAM_READWRITE);
    } else {
        gimp_procedure_set_menu_label(p, "Render Mock _Lens...");
        gimp_procedure_set_documentation(p, "Render mock lens", "SIE lens, Sersic source, around the central galaxy.", name);
        gimp_procedure_add_double_argument(p, "einstein-radius", "Einstein radius", "pixels", 0.5, 500.0, 8.0, G_PARAM_READWRITE);
        gimp_procedure_add_double_argument(p, "axis-ratio", "Axis ratio", "lens q", 0.05, 1.0, 0.8, G_PARAM_READWRITE);
        gimp_procedure_add_double_argument(p, "arc-snr", "Arc S/N", "target S/N", 1.0, 1000.0, 30.0, G_PARAM_READWRITE);
        gimp_procedure_add_double_argument(p, "source-radius", "Source radius", "pixels", 0.1, 100.0, 1.5, G_PARAM_READWRITE);
        gimp_procedure_add_int_argument(p, "seed", "Seed", "random seed", 1, 1000000, 1, G_PARAM_READWRITE);
    }
    return p;
}

static void star_plugin_class_init(StarPluginClass* klass) {
    GimpPlugInClass* c = GIMP_PLUG_IN_CLASS(klass);
    c->query_procedures = query_procedures;
    c->create_procedure = create_procedure;
}
static void star_plugin_init(StarPlugin* self) { (void)self; }

typedef struct { gint x, y, w, h, bx, by, bw, bh, channels; const Babl* format; float* data; } region_t;

static gboolean read_region(GimpDrawable* d, region_t* r) {
    if (!gimp_drawable_mask_intersect(d, &r->bx, &r->by, &r->bw, &r->bh)) return FALSE;
    gint dw = gimp_drawable_get_width(d), dh = gimp_drawable_get_height(d);
    r->x = MAX(0, r->bx - 32); r->y = MAX(0, r->by - 32);
    r->w = MIN(dw, r->bx + r->bw + 32) - r->x; r->h = MIN(dh, r->by + r->bh + 32) - r->y;
    gboolean rgb = gimp_drawable_is_rgb(d), alpha = gimp_drawable_has_alpha(d);
    r->channels = (rgb ? 3 : 1) + (alpha ? 1 : 0);
    r->format = babl_format(rgb ? (alpha ? "RGBA float" : "RGB float") : (alpha ? "YA float" : "Y float"));
    r->data = g_new(float, (gsize)r->w * r->h * r->channels);
    GeglBuffer* b = gimp_drawable_get_buffer(d);
    gegl_buffer_get(b, GEGL_RECTANGLE(r->x, r->y, r->w, r->h), 1.0, r->format, r->data, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    g_object_unref(b);
    return TRUE;
}

static sp_image as_image(float* data, gint w, gint h, gint c) {
    sp_image im; memset(&im, 0, sizeof im);
    im.data = data; im.width = w; im.height = h; im.channels = c; im.layout = SP_LAYOUT_INTERLEAVED; im.row_stride = (int64_t)w * c;
    return im;
}

static void write_shadow(GimpDrawable* d, const region_t* r, const float* data) {
    GeglBuffer* s = gimp_drawable_get_shadow_buffer(d);
    gint off = ((r->by - r->y) * r->w + (r->bx - r->x)) * r->channels;
    gegl_buffer_set(s, GEGL_RECTANGLE(r->bx, r->by, r->bw, r->bh), 0, r->format, data + off, r->w * r->channels * sizeof(float));
    gegl_buffer_flush(s);
    g_object_unref(s);
    gimp_drawable_merge_shadow(d, TRUE);
    gimp_drawable_update(d, r->bx, r->by, r->bw, r->bh);
}

static GimpLayer* new_layer(GimpImage* image, GimpDrawable* above, const char* name, GimpLayerMode mode, const region_t* r, const float* data, gint channels) {
    gboolean rgb = gimp_drawable_is_rgb(above);
    GimpLayer* l = gimp_layer_new(image, name, gimp_drawable_get_width(above), gimp_drawable_get_height(above), rgb ? GIMP_RGBA_IMAGE : GIMP_GRAYA_IMAGE, 100, mode);
    gimp_image_insert_layer(image, l, GIMP_LAYER(gimp_item_get_parent(GIMP_ITEM(above))), gimp_image_get_item_position(image, GIMP_ITEM(above)));
    gint out_ch = rgb ? 4 : 2, colour = rgb ? 3 : 1;
    float* px = g_new0(float, (gsize)r->bw * r->bh * out_ch);
    for (gint y = 0; y < r->bh; y++)
        for (gint x = 0; x < r->bw; x++) {
            const float* s = data + (((gsize)(y + r->by - r->y) * r->w) + (x + r->bx - r->x)) * channels;
            float* d = px + ((gsize)y * r->bw + x) * out_ch;
            for (gint c = 0; c < colour; c++) d[c] = s[MIN(c, channels - 1)];
            d[colour] = 1.0f;
        }
    GeglBuffer* b = gimp_drawable_get_buffer(GIMP_DRAWABLE(l));
    gegl_buffer_set(b, GEGL_RECTANGLE(r->bx, r->by, r->bw, r->bh), 0, babl_format(rgb ? "RGBA float" : "YA float"), px, GEGL_AUTO_ROWSTRIDE);
    g_object_unref(b);
    g_free(px);
    return l;
}

static int progress_cb(double f, const char* stage, void* user) { (void)stage; (void)user; return gimp_progress_update(f) ? 1 : 0; }

static GimpValueArray* fail(GimpProcedure* p, int rc) {
    if (rc == SP_ERR_CANCELLED) return gimp_procedure_new_return_values(p, GIMP_PDB_CANCEL, NULL);
    GError* e = g_error_new(GIMP_PLUG_IN_ERROR, 0, "StarPlugin: %s", sp_last_error());
    return gimp_procedure_new_return_values(p, GIMP_PDB_EXECUTION_ERROR, e);
}

static GimpValueArray* run(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image, GimpDrawable** drawables,
                           GimpProcedureConfig* config, gpointer run_data) {
    (void)run_data;
    const gchar* name = gimp_procedure_get_name(procedure);
    if (!drawables || !drawables[0] || drawables[1]) {
        GError* e = g_error_new(GIMP_PLUG_IN_ERROR, 0, "%s works on exactly one drawable", name);
        return gimp_procedure_new_return_values(procedure, GIMP_PDB_CALLING_ERROR, e);
    }
    GimpDrawable* d = drawables[0];
    gegl_init(NULL, NULL);
    if (run_mode == GIMP_RUN_INTERACTIVE) {
        gimp_ui_init("starplugin");
        GtkWidget* dlg = gimp_procedure_dialog_new(procedure, config, gimp_procedure_get_menu_label(procedure));
        gimp_procedure_dialog_fill(GIMP_PROCEDURE_DIALOG(dlg), NULL);
        gboolean ok = gimp_procedure_dialog_run(GIMP_PROCEDURE_DIALOG(dlg));
        gtk_widget_destroy(dlg);
        if (!ok) return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, NULL);
    }
    region_t r;
    if (!read_region(d, &r)) return gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, NULL);
    sp_image in = as_image(r.data, r.w, r.h, r.channels);
    gsize n = (gsize)r.w * r.h;
    int rc = SP_OK;
    gimp_progress_init(gimp_procedure_get_menu_label(procedure));
    if (!strcmp(name, PROC_DETECT) || !strcmp(name, PROC_LENS)) {
        if (!strcmp(name, PROC_DETECT)) {
            gdouble th, snr; gchar* cat = NULL;
            g_object_get(config, "threshold", &th, "snr", &snr, "catalogue", &cat, NULL);
            sp_detect_options o; memset(&o, 0, sizeof o); o.threshold = (float)th; o.snr_threshold = (float)snr;
            sp_rect roi = { r.bx - r.x, r.by - r.y, r.bw, r.bh };
            sp_star* stars = NULL; int64_t count = 0;
            rc = sp_detect_stars(&in, &roi, &o, &stars, &count, progress_cb, NULL);
            if (rc == SP_OK) {
                float* mask = g_new0(float, n);
                sp_image mk = as_image(mask, r.w, r.h, 1);
                rc = sp_detect_mask(stars, count, &mk);
                gimp_image_undo_group_start(image);
                if (rc == SP_OK) new_layer(image, d, "Detected Stars", GIMP_LAYER_MODE_NORMAL, &r, mask, 1);
                gimp_image_undo_group_end(image);
                if (cat && *cat) {
                    FILE* f = fopen(cat, "w");
                    if (f) {
                        fprintf(f, "row,col,coefficient,brightness,x,y,flux,fwhm,snr,roundness,width,saturated\n");
                        for (int64_t i = 0; i < count; i++)
                            fprintf(f, "%d,%d,%.4f,%.6f,%.3f,%.3f,%g,%.3f,%.2f,%.3f,%.2f,%d\n", stars[i].row + r.y, stars[i].col + r.x, stars[i].coefficient, stars[i].brightness,
                                    stars[i].x + r.x, stars[i].y + r.y, stars[i].flux, stars[i].fwhm, stars[i].snr, stars[i].roundness, stars[i].width, stars[i].saturated);
                        fclose(f);
                    }
                }
                g_free(mask); sp_free_stars(stars);
            }
            g_free(cat);
        } else {
            gdouble te, q, snr, re; gint seed;
            g_object_get(config, "einstein-radius", &te, "axis-ratio", &q, "arc-snr", &snr, "source-radius", &re, "seed", &seed, NULL);
            sp_lens_params p; memset(&p, 0, sizeof p);
            p.einstein_radius = te; p.axis_ratio = q; p.center_x = -1; p.center_y = -1; p.source_re = re; p.source_n = 1; p.source_q = 0.7;
            p.source_dx = te * 0.1; p.source_dy = te * 0.05; p.arc_snr = snr; p.seed = (uint64_t)seed;
            rc = sp_render_mock_lens(&in, &p, NULL);
            if (rc == SP_OK) { gimp_image_undo_group_start(image); write_shadow(d, &r, r.data); gimp_image_undo_group_end(image); }
        }
        g_free(r.data);
        return rc == SP_OK ? gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, NULL) : fail(procedure, rc);
    }

    sp_engine* engine = NULL;
    rc = sp_engine_create(g_getenv("STARPLUGIN_MODEL"), SP_DEVICE_AUTO, 0, &engine);
    if (rc != SP_OK) { g_free(r.data); return fail(procedure, rc); }
    float* out = g_new(float, n * r.channels);
    float* stars = g_new(float, n * r.channels);
    float* mask = g_new(float, n);
    sp_image o = as_image(out, r.w, r.h, r.channels), st = as_image(stars, r.w, r.h, r.channels), mk = as_image(mask, r.w, r.h, 1);
    if (!strcmp(name, PROC_REMOVE)) {
        gint output, stretch, tile;
        g_object_get(config, "output", &output, "stretch", &stretch, "tile", &tile, NULL);
        sp_removal_options opt; memset(&opt, 0, sizeof opt); opt.stretch = stretch; opt.tile = tile;
        rc = sp_remove_stars(engine, &in, NULL, &opt, &o, output == 2 ? &st : NULL, output == 2 ? &mk : NULL, progress_cb, NULL);
        if (rc == SP_OK) {
            gimp_image_undo_group_start(image);
            if (output == 2) {
                GimpLayer* sl = new_layer(image, d, "Starless", GIMP_LAYER_MODE_NORMAL, &r, out, r.channels);
                GimpLayer* sr = new_layer(image, GIMP_DRAWABLE(sl), "Stars", GIMP_LAYER_MODE_ADDITION, &r, stars, r.channels);
                GimpLayerMask* m = gimp_layer_create_mask(sr, GIMP_ADD_MASK_BLACK);
                gimp_layer_add_mask(sr, m);
                GeglBuffer* mb = gimp_drawable_get_buffer(GIMP_DRAWABLE(m));
                gegl_buffer_set(mb, GEGL_RECTANGLE(r.x, r.y, r.w, r.h), 0, babl_format("Y float"), mask, GEGL_AUTO_ROWSTRIDE);
                g_object_unref(mb);
            } else write_shadow(d, &r, out);
            gimp_image_undo_group_end(image);
        }
    } else if (!strcmp(name, PROC_REDUCE)) {
        gdouble amount; gint mode;
        g_object_get(config, "amount", &amount, "mode", &mode, NULL);
        rc = sp_reduce_stars(engine, &in, NULL, NULL, (float)amount, mode == 2 ? SP_REDUCE_SCALE : SP_REDUCE_SHRINK, &o, progress_cb, NULL);
        if (rc == SP_OK) { gimp_image_undo_group_start(image); write_shadow(d, &r, out); gimp_image_undo_group_end(image); }
    } else {
        gint output;
        g_object_get(config, "output", &output, NULL);
        rc = sp_remove_stars(engine, &in, NULL, NULL, NULL, NULL, &mk, progress_cb, NULL);
        if (rc == SP_OK) {
            gimp_image_undo_group_start(image);
            if (output == 2) {
                GimpSelection* sel = gimp_image_get_selection(image);
                gint ox, oy; gimp_drawable_get_offsets(d, &ox, &oy);
                gimp_selection_none(image);
                GeglBuffer* sb = gimp_drawable_get_buffer(GIMP_DRAWABLE(sel));
                gegl_buffer_set(sb, GEGL_RECTANGLE(r.x + ox, r.y + oy, r.w, r.h), 0, babl_format("Y float"), mask, GEGL_AUTO_ROWSTRIDE);
                g_object_unref(sb);
            } else new_layer(image, d, "Star Mask", GIMP_LAYER_MODE_NORMAL, &r, mask, 1);
            gimp_image_undo_group_end(image);
        }
    }
    sp_engine_release(engine);
    g_free(out); g_free(stars); g_free(mask); g_free(r.data);
    if (run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
    return rc == SP_OK ? gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, NULL) : fail(procedure, rc);
}

GIMP_MAIN(star_plugin_get_type())
