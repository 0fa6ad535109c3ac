/*
 * StarPlugin for GIMP 3 (UNTESTED: Debian 12 has no libgimp-3.0; packaging/install.sh
 * builds this file only when pkg-config finds gimp-3.0). The same five filters as
 * the GIMP 2.10 shim, from the same sources: the procedures, their arguments,
 * defaults, ranges and help come from the filter table (native/hosts/filters.c),
 * the work on the image from native/hosts/gimp-filters.c. What is GIMP 3's own is
 * here: the GimpPlugIn class, arguments on GimpProcedureConfig (GIMP 3 remembers
 * the last values and repeats with them by itself) and GimpProcedureDialog.
 */
#include <string.h>
#include <stdio.h>
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include "filters.h"
#include "gimp-filters.h"

typedef struct _StarPlugin { GimpPlugIn parent_instance; } StarPlugin;
typedef struct _StarPluginClass { GimpPlugInClass parent_class; } StarPluginClass;
GType star_plugin_get_type(void);
G_DEFINE_TYPE(StarPlugin, star_plugin, GIMP_TYPE_PLUG_IN)

static GimpValueArray* run(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image, GimpDrawable** drawables,
                           GimpProcedureConfig* config, gpointer run_data);

/* --- registration, from the table --- */

static GList* query_procedures(GimpPlugIn* plug_in) {
    GList* list = NULL;
    gchar* dir = g_path_get_dirname(gimp_get_progname());
    gchar* help = g_build_filename(dir, "help", NULL);
    GFile* help_dir = g_file_new_for_path(help);
    gimp_plug_in_set_help_domain(plug_in, sph_help_domain, help_dir);
    g_object_unref(help_dir);
    g_free(help); g_free(dir);
    for (int i = 0; i < SPH_FILTER_COUNT; i++) list = g_list_append(list, g_strdup(sph_filters[i].proc));
    return list;
}

static gboolean set_i18n(GimpPlugIn* plug_in, const gchar* procedure, gchar** domain, gchar** catalog) {
    (void)plug_in; (void)procedure; (void)domain; (void)catalog;
    return FALSE; /* English only for now */
}

static GimpProcedure* create_procedure(GimpPlugIn* plug_in, const gchar* name) {
    const sph_filter* f = sph_filter_by_proc(name);
    if (!f) return NULL;
    GimpProcedure* p = gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, run, NULL, NULL);
    gimp_procedure_set_image_types(p, sph_image_types);
    gimp_procedure_set_sensitivity_mask(p, GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
    gimp_procedure_set_menu_label(p, f->menu_label);
    gimp_procedure_add_menu_path(p, sph_menu_path);
    gimp_procedure_set_documentation(p, f->blurb, f->help, f->proc);
    gimp_procedure_set_attribution(p, "StarPlugin contributors", "MIT", "2026");
    for (int k = 0; k < f->n_params; k++) {
        const sph_param* a = &f->params[k];
        switch (a->kind) {
        case SPH_CHOICE: {
            GimpChoice* choice = gimp_choice_new();
            for (int c = 0; c < a->n_choices; c++) gimp_choice_add(choice, a->choices[c].word, c, a->choices[c].label, NULL);
            gimp_procedure_add_choice_argument(p, a->name, a->label, a->tooltip, choice, a->choices[(int)a->def].word, G_PARAM_READWRITE);
            break;
        }
        case SPH_BOOL:
            gimp_procedure_add_boolean_argument(p, a->name, a->label, a->tooltip, a->def != 0, G_PARAM_READWRITE);
            break;
        case SPH_INT:
            gimp_procedure_add_int_argument(p, a->name, a->label, a->tooltip, a->zero_means ? 0 : (gint)a->min, (gint)a->max,
                                            (gint)a->def, G_PARAM_READWRITE);
            break;
        case SPH_FLOAT:
            gimp_procedure_add_double_argument(p, a->name, a->label, a->tooltip, a->min, a->max, a->def, G_PARAM_READWRITE);
            break;
        case SPH_FILE:
            gimp_procedure_add_file_argument(p, a->name, a->label, a->tooltip, GIMP_FILE_CHOOSER_ACTION_SAVE, TRUE, NULL, G_PARAM_READWRITE);
            break;
        case SPH_FIXED:
            break;
        }
    }
    if (f->result_name)
        gimp_procedure_add_int_return_value(p, f->result_name, f->result_name, f->result_blurb, 0, G_MAXINT, 0, G_PARAM_READWRITE);
    return p;
}

static void star_plugin_class_init(StarPluginClass* klass) {
    GimpPlugInClass* c = GIMP_PLUG_IN_CLASS(klass);
    c->query_procedures = query_procedures;
    c->create_procedure = create_procedure;
    c->set_i18n = set_i18n;
}

static void star_plugin_init(StarPlugin* self) { (void)self; }

/* The table's values from the procedure's config. */
static void values_from_config(const sph_filter* f, GimpProcedureConfig* config, sph_values* v) {
    sph_defaults(f, v);
    for (int k = 0; k < f->n_params; k++) {
        const sph_param* a = &f->params[k];
        switch (a->kind) {
        case SPH_CHOICE: {
            gchar* word = NULL;
            g_object_get(config, a->name, &word, NULL);
            for (int c = 0; c < a->n_choices; c++)
                if (word && !strcmp(word, a->choices[c].word)) v->v[k] = c;
            g_free(word);
            break;
        }
        case SPH_BOOL: { gboolean b = FALSE; g_object_get(config, a->name, &b, NULL); v->v[k] = b ? 1 : 0; break; }
        case SPH_INT: { gint i = 0; g_object_get(config, a->name, &i, NULL); v->v[k] = i; break; }
        case SPH_FLOAT: { gdouble d = 0; g_object_get(config, a->name, &d, NULL); v->v[k] = d; break; }
        case SPH_FILE: {
            GFile* file = NULL;
            g_object_get(config, a->name, &file, NULL);
            gchar* path = file ? g_file_get_path(file) : NULL;
            g_strlcpy(v->text, path ? path : "", sizeof v->text);
            g_free(path);
            if (file) g_object_unref(file);
            break;
        }
        case SPH_FIXED:
            break;
        }
    }
}

/* --- the host: GIMP 3 objects behind sph_host's functions --- */

typedef struct shim {
    sph_host host;
    GimpImage* image;
    GimpDrawable* drawable;
} shim;

#define SHIM(h) ((shim*)(h)->shim)

static GeglBuffer* drawable_buffer(sph_host* h) { return gimp_drawable_get_buffer(SHIM(h)->drawable); }
static GeglBuffer* shadow_buffer(sph_host* h) { return gimp_drawable_get_shadow_buffer(SHIM(h)->drawable); }

static void merge_shadow(sph_host* h) {
    gimp_drawable_merge_shadow(SHIM(h)->drawable, TRUE);
    gimp_drawable_update(SHIM(h)->drawable, h->bx, h->by, h->bw, h->bh);
}

static GeglBuffer* selection_buffer(sph_host* h) {
    if (gimp_selection_is_empty(SHIM(h)->image)) return NULL;
    return gimp_drawable_get_buffer(GIMP_DRAWABLE(gimp_image_get_selection(SHIM(h)->image)));
}

static GeglBuffer* selection_for_writing(sph_host* h) {
    gimp_selection_none(SHIM(h)->image);
    return gimp_drawable_get_buffer(GIMP_DRAWABLE(gimp_image_get_selection(SHIM(h)->image)));
}

static void selection_update(sph_host* h) {
    GimpImage* image = SHIM(h)->image;
    gimp_drawable_update(GIMP_DRAWABLE(gimp_image_get_selection(image)), 0, 0, gimp_image_get_width(image), gimp_image_get_height(image));
}

static sph_item add_layer(sph_host* h, const char* name, int addition, sph_item above) {
    shim* s = SHIM(h);
    GimpItem* anchor = above ? GIMP_ITEM(above) : GIMP_ITEM(s->drawable);
    GimpLayer* layer = gimp_layer_new(s->image, name, h->width, h->height, h->rgb ? GIMP_RGBA_IMAGE : GIMP_GRAYA_IMAGE, 100,
                                      addition ? GIMP_LAYER_MODE_ADDITION : GIMP_LAYER_MODE_NORMAL);
    /* Blend and composite in linear light, so that Addition adds what the filter subtracted. */
    gimp_layer_set_blend_space(layer, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR);
    gimp_layer_set_composite_space(layer, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR);
    if (GIMP_IS_LAYER(anchor))
        gimp_image_insert_layer(s->image, layer, GIMP_LAYER(gimp_item_get_parent(anchor)), gimp_image_get_item_position(s->image, anchor));
    else
        gimp_image_insert_layer(s->image, layer, NULL, 0); /* a channel or mask: new layers go on top */
    gimp_layer_set_offsets(layer, h->offset_x, h->offset_y);
    gimp_drawable_fill(GIMP_DRAWABLE(layer), GIMP_FILL_TRANSPARENT);
    return layer;
}

static sph_item add_channel(sph_host* h, const char* name) {
    shim* s = SHIM(h);
    GeglColor* black = gegl_color_new("black");
    GimpChannel* channel = gimp_channel_new(s->image, name, gimp_image_get_width(s->image), gimp_image_get_height(s->image), 50, black);
    g_object_unref(black);
    gimp_image_insert_channel(s->image, channel, NULL, 0);
    gimp_item_set_visible(GIMP_ITEM(channel), FALSE);
    return channel;
}

static GeglBuffer* item_buffer(sph_host* h, sph_item item) { (void)h; return gimp_drawable_get_buffer(GIMP_DRAWABLE(item)); }
static const Babl* item_format(sph_host* h, sph_item item) { (void)h; return gimp_drawable_get_format(GIMP_DRAWABLE(item)); }
static void item_update(sph_host* h, sph_item item, int x, int y, int w, int hh) { (void)h; gimp_drawable_update(GIMP_DRAWABLE(item), x, y, w, hh); }

static void undo_group(sph_host* h, int begin) {
    if (begin) gimp_image_undo_group_start(SHIM(h)->image);
    else gimp_image_undo_group_end(SHIM(h)->image);
}

static void progress_start(sph_host* h, const char* text) { (void)h; gimp_progress_init(text); }
static int progress_update(double fraction, void* host) { (void)host; return gimp_progress_update(fraction); }

static void host_init(shim* s, GimpImage* image, GimpDrawable* drawable) {
    sph_host* h = &s->host;
    memset(s, 0, sizeof *s);
    s->image = image; s->drawable = drawable;
    h->shim = s;
    h->width = gimp_drawable_get_width(drawable); h->height = gimp_drawable_get_height(drawable);
    gimp_drawable_get_offsets(drawable, &h->offset_x, &h->offset_y);
    h->rgb = gimp_drawable_is_rgb(drawable); h->alpha = gimp_drawable_has_alpha(drawable);
    if (!gimp_drawable_mask_intersect(drawable, &h->bx, &h->by, &h->bw, &h->bh)) h->bw = h->bh = 0;
    h->drawable_buffer = drawable_buffer; h->shadow_buffer = shadow_buffer; h->merge_shadow = merge_shadow;
    h->selection_buffer = selection_buffer; h->selection_for_writing = selection_for_writing; h->selection_update = selection_update;
    h->add_layer = add_layer; h->add_channel = add_channel;
    h->item_buffer = item_buffer; h->item_format = item_format; h->item_update = item_update;
    h->undo_group = undo_group; h->progress_start = progress_start; h->progress_update = progress_update;
}

/* --- the dialog: GimpProcedureDialog's controls, and a preview --- */

typedef struct dialog {
    const sph_filter* f;
    GimpProcedureConfig* config;
    GimpDrawable* drawable;
    GtkWidget* status;
    sph_preview* work;
} dialog;

static void on_preview(GimpPreview* preview, dialog* d) {
    gint x, y, w, h;
    sph_values v;
    values_from_config(d->f, d->config, &v);
    gimp_preview_get_position(preview, &x, &y);
    gimp_preview_get_size(preview, &w, &h);
    gboolean rgb = gimp_drawable_is_rgb(d->drawable), alpha = gimp_drawable_has_alpha(d->drawable);
    const Babl* display = babl_format(rgb ? (alpha ? "R'G'B'A u8" : "R'G'B' u8") : (alpha ? "Y'A u8" : "Y' u8"));
    int bpp = babl_format_get_bytes_per_pixel(display);
    guchar* buf = g_new(guchar, (gsize)w * h * bpp);
    GeglBuffer* drawable = gimp_drawable_get_buffer(d->drawable);
    char err[512] = "";
    int64_t count = 0;
    int status = sph_preview_render(d->work, d->f, &v, drawable, gimp_drawable_get_width(d->drawable), gimp_drawable_get_height(d->drawable),
                                    rgb, alpha, x, y, w, h, display, buf, &count, err, sizeof err);
    g_object_unref(drawable);
    if (status == SPH_OK) {
        gimp_preview_draw_buffer(preview, buf, w * bpp);
        gchar* text = d->f->id == SPH_DETECT ? g_strdup_printf("%" G_GINT64_FORMAT " stars in the preview", count) : g_strdup("");
        gtk_label_set_text(GTK_LABEL(d->status), text);
        g_free(text);
    } else gtk_label_set_text(GTK_LABEL(d->status), err);
    g_free(buf);
}

static gboolean run_dialog(GimpProcedure* procedure, const sph_filter* f, GimpProcedureConfig* config, GimpDrawable* drawable) {
    dialog d = { f, config, drawable, NULL, NULL };
    gimp_ui_init("starplugin");
    GtkWidget* dlg = gimp_procedure_dialog_new(procedure, config, f->title);
    GtkWidget* preview = NULL;
    if (f->preview) {
        GtkWidget* box = gtk_dialog_get_content_area(GTK_DIALOG(dlg));
        d.work = sph_preview_new();
        preview = gimp_drawable_preview_new_from_drawable(drawable);
        gtk_box_pack_start(GTK_BOX(box), preview, TRUE, TRUE, 0);
        d.status = gtk_label_new("");
        gtk_label_set_xalign(GTK_LABEL(d.status), 0.0);
        gtk_label_set_line_wrap(GTK_LABEL(d.status), TRUE);
        gtk_box_pack_start(GTK_BOX(box), d.status, FALSE, FALSE, 0);
        gtk_widget_show(preview);
        gtk_widget_show(d.status);
        g_signal_connect(preview, "invalidated", G_CALLBACK(on_preview), &d);
        g_signal_connect_swapped(config, "notify", G_CALLBACK(gimp_preview_invalidate), preview);
    }
    gimp_procedure_dialog_fill(GIMP_PROCEDURE_DIALOG(dlg), NULL);
    gboolean ok = gimp_procedure_dialog_run(GIMP_PROCEDURE_DIALOG(dlg));
    if (preview) g_signal_handlers_disconnect_by_func(config, G_CALLBACK(gimp_preview_invalidate), preview);
    gtk_widget_destroy(dlg);
    sph_preview_free(d.work);
    return ok;
}

/* Indexed images: a palette cannot hold the result. Ask to convert (undoable). */
static gboolean convert_indexed(GimpImage* image) {
    gimp_ui_init("starplugin");
    GtkWidget* ask = gtk_message_dialog_new(NULL, GTK_DIALOG_MODAL, GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                            "StarPlugin works on RGB and grey images.");
    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(ask),
        "This image is indexed (a palette of colours), which cannot hold the result. "
        "Convert it to RGB and continue? (Edit > Undo converts it back.)");
    gtk_dialog_add_buttons(GTK_DIALOG(ask), "_Cancel", GTK_RESPONSE_CANCEL, "Convert to _RGB", GTK_RESPONSE_OK, NULL);
    gboolean yes = gtk_dialog_run(GTK_DIALOG(ask)) == GTK_RESPONSE_OK;
    gtk_widget_destroy(ask);
    return yes && gimp_image_convert_rgb(image);
}

static GimpValueArray* failure(GimpProcedure* procedure, GimpPDBStatusType status, const char* message) {
    GError* e = message && *message ? g_error_new_literal(GIMP_PLUG_IN_ERROR, 0, message) : NULL;
    return gimp_procedure_new_return_values(procedure, status, e);
}

static GimpValueArray* run(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image, GimpDrawable** drawables,
                           GimpProcedureConfig* config, gpointer run_data) {
    (void)run_data;
    const sph_filter* f = sph_filter_by_proc(gimp_procedure_get_name(procedure));
    char err[1024] = "";
    sph_values v;
    int64_t count = 0;
    if (!f || !drawables || !drawables[0] || drawables[1])
        return failure(procedure, GIMP_PDB_CALLING_ERROR, "StarPlugin filters work on exactly one drawable");
    GimpDrawable* drawable = drawables[0];
    gegl_init(NULL, NULL);
    if (gimp_drawable_is_indexed(drawable)) {
        if (run_mode == GIMP_RUN_NONINTERACTIVE)
            return failure(procedure, GIMP_PDB_EXECUTION_ERROR,
                           "the image is indexed: convert it to RGB or grey first (Image > Mode, or gimp-image-convert-rgb)");
        if (!convert_indexed(image)) return failure(procedure, GIMP_PDB_CANCEL, NULL);
    }
    if (run_mode == GIMP_RUN_INTERACTIVE && !run_dialog(procedure, f, config, drawable))
        return failure(procedure, GIMP_PDB_CANCEL, NULL);
    values_from_config(f, config, &v);
    if (!sph_validate(f, &v, err, sizeof err)) return failure(procedure, GIMP_PDB_CALLING_ERROR, err);
    shim s;
    host_init(&s, image, drawable);
    int rc = sph_gimp_run(f, &v, &s.host, &count, err, sizeof err);
    if (run_mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
    if (rc == SPH_CANCELLED) return failure(procedure, GIMP_PDB_CANCEL, NULL);
    if (rc != SPH_OK) return failure(procedure, GIMP_PDB_EXECUTION_ERROR, err);
    if (f->id == SPH_DETECT && run_mode != GIMP_RUN_NONINTERACTIVE) {
        gchar* text = v.text[0] ? g_strdup_printf("Detect Stars found %" G_GINT64_FORMAT " stars; the catalogue is in %s.", count, v.text)
                                : g_strdup_printf("Detect Stars found %" G_GINT64_FORMAT " stars.", count);
        gimp_message(text);
        g_free(text);
    }
    GimpValueArray* result = gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, NULL);
    if (f->result_name) GIMP_VALUES_SET_INT(result, 1, (gint)count);
    return result;
}

GIMP_MAIN(star_plugin_get_type())
