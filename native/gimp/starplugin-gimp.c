/*
 * StarPlugin for GIMP 2.10: Filters > Astronomy > Remove Stars, Reduce Stars, Star
 * Mask, Detect Stars and Render Mock Lens.
 *
 * A thin shim over native/hosts: the procedures, their parameters and the dialogs'
 * controls come from the filter table (filters.c), the work on the image from
 * gimp-filters.c. What is GIMP 2.10's own is here: registration with
 * gimp_install_procedure, run() with its three run modes, last values through
 * gimp_set_data, and GTK 2 dialogs with a live preview.
 */
#include <string.h>
#include <stdio.h>
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>
#include "filters.h"
#include "gimp-filters.h"

static void query(void);
static void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals, GimpParam** return_vals);
const GimpPlugInInfo PLUG_IN_INFO = { NULL, NULL, query, run };
MAIN()

/* --- registration --- */

static GimpPDBArgType pdb_type(const sph_param* p) {
    switch (p->kind) {
    case SPH_FLOAT: return GIMP_PDB_FLOAT;
    case SPH_FILE: return GIMP_PDB_STRING;
    default: return GIMP_PDB_INT32;
    }
}

/* The PDB browser's text for a parameter: its values, then the tooltip. */
static gchar* pdb_description(const sph_param* p) {
    GString* s = g_string_new(NULL);
    gchar* label = gimp_strip_uline(p->label);
    g_string_append_printf(s, "%s: ", label);
    g_free(label);
    if (p->kind == SPH_CHOICE) {
        for (int k = 0; k < p->n_choices; k++)
            g_string_append_printf(s, "%s%d = %s", k ? ", " : "{ ", k, p->choices[k].label);
        g_string_append_printf(s, " } (default %d). ", (int)p->def);
    } else if (p->kind == SPH_BOOL) {
        g_string_append_printf(s, "0 = off, 1 = on (default %d). ", (int)p->def);
    } else if (p->kind == SPH_FILE) {
        g_string_append(s, "file name, \"\" = none. ");
    } else {
        char lo[32], hi[32], def[32];
        g_ascii_formatd(lo, sizeof lo, "%g", p->min); g_ascii_formatd(hi, sizeof hi, "%g", p->max);
        g_ascii_formatd(def, sizeof def, "%g", p->def);
        if (p->zero_means) g_string_append_printf(s, "0 = %s, or %s to %s (default %s). ", p->zero_means, lo, hi, def);
        else g_string_append_printf(s, "%s to %s (default %s). ", lo, hi, def);
    }
    g_string_append(s, p->tooltip);
    return g_string_free(s, FALSE);
}

static void query(void) {
    for (int i = 0; i < SPH_FILTER_COUNT; i++) {
        const sph_filter* f = &sph_filters[i];
        GimpParamDef args[3 + SPH_MAX_PARAMS];
        GimpParamDef result[1];
        gchar* descriptions[SPH_MAX_PARAMS];
        int n = 0;
        args[n++] = (GimpParamDef){ GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1), RUN-WITH-LAST-VALS (2) }" };
        args[n++] = (GimpParamDef){ GIMP_PDB_IMAGE, "image", "Input image" };
        args[n++] = (GimpParamDef){ GIMP_PDB_DRAWABLE, "drawable", "Input drawable" };
        int nd = 0;
        for (int k = 0; k < f->n_params; k++) {
            const sph_param* p = &f->params[k];
            if (!sph_is_registered(p)) continue;
            descriptions[nd] = pdb_description(p);
            args[n++] = (GimpParamDef){ pdb_type(p), (gchar*)p->name, descriptions[nd++] };
        }
        if (f->result_name) result[0] = (GimpParamDef){ GIMP_PDB_INT32, (gchar*)f->result_name, (gchar*)f->result_blurb };
        gimp_install_procedure(f->proc, f->blurb, f->help, "StarPlugin contributors", "MIT", "2026", f->menu_label,
                               sph_image_types, GIMP_PLUGIN, n, f->result_name ? 1 : 0, args, f->result_name ? result : NULL);
        gimp_plugin_menu_register(f->proc, sph_menu_path);
        for (int k = 0; k < nd; k++) g_free(descriptions[k]);
    }
    /* Help pages beside the plug-in (help/en/gimp-help.xml maps each procedure to its page). */
    gchar* dir = g_path_get_dirname(gimp_get_progname());
    gchar* help = g_build_filename(dir, "help", NULL);
    gchar* uri = g_filename_to_uri(help, NULL, NULL);
    if (uri) gimp_plugin_help_register(sph_help_domain, uri);
    g_free(uri); g_free(help); g_free(dir);
}

/* --- the host: GIMP 2.10 item IDs behind sph_host's functions --- */

typedef struct shim {
    sph_host host;
    gint32 image, drawable;
} shim;

#define SHIM(h) ((shim*)(h)->shim)
#define ID(item) ((gint32)GPOINTER_TO_INT(item))

static GeglBuffer* drawable_buffer(sph_host* h) { return gimp_drawable_get_buffer(SHIM(h)->drawable); }
static GeglBuffer* shadow_buffer(sph_host* h) { return gimp_drawable_get_shadow_buffer(SHIM(h)->drawable); }

static void merge_shadow(sph_host* h) {
    gimp_drawable_merge_shadow(SHIM(h)->drawable, TRUE);
    gimp_drawable_update(SHIM(h)->drawable, h->bx, h->by, h->bw, h->bh);
}

static GeglBuffer* selection_buffer(sph_host* h) {
    if (gimp_selection_is_empty(SHIM(h)->image)) return NULL;
    return gimp_drawable_get_buffer(gimp_image_get_selection(SHIM(h)->image));
}

static GeglBuffer* selection_for_writing(sph_host* h) {
    gimp_selection_none(SHIM(h)->image);
    return gimp_drawable_get_buffer(gimp_image_get_selection(SHIM(h)->image));
}

static void selection_update(sph_host* h) {
    gint32 image = SHIM(h)->image;
    gimp_drawable_update(gimp_image_get_selection(image), 0, 0, gimp_image_width(image), gimp_image_height(image));
}

static sph_item add_layer(sph_host* h, const char* name, int addition, sph_item above) {
    shim* s = SHIM(h);
    gint32 anchor = above ? ID(above) : s->drawable;
    gint32 layer = gimp_layer_new(s->image, name, h->width, h->height, h->rgb ? GIMP_RGBA_IMAGE : GIMP_GRAYA_IMAGE, 100,
                                  addition ? GIMP_LAYER_MODE_ADDITION : GIMP_LAYER_MODE_NORMAL);
    /* Blend and composite in linear light, so that Addition adds what the filter subtracted. */
    gimp_layer_set_blend_space(layer, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR);
    gimp_layer_set_composite_space(layer, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR);
    if (gimp_item_is_layer(anchor)) {
        gimp_image_insert_layer(s->image, layer, gimp_item_get_parent(anchor), gimp_image_get_item_position(s->image, anchor));
        gimp_layer_set_offsets(layer, h->offset_x, h->offset_y);
    } else {
        gimp_image_insert_layer(s->image, layer, 0, 0); /* a channel or mask: new layers go on top */
        gimp_layer_set_offsets(layer, h->offset_x, h->offset_y);
    }
    gimp_drawable_fill(layer, GIMP_FILL_TRANSPARENT);
    return GINT_TO_POINTER(layer);
}

static sph_item add_channel(sph_host* h, const char* name) {
    shim* s = SHIM(h);
    GimpRGB black = { 0, 0, 0, 1 };
    gint32 channel = gimp_channel_new(s->image, name, gimp_image_width(s->image), gimp_image_height(s->image), 50, &black);
    gimp_image_insert_channel(s->image, channel, 0, 0);
    gimp_item_set_visible(channel, FALSE);
    return GINT_TO_POINTER(channel);
}

static GeglBuffer* item_buffer(sph_host* h, sph_item item) { (void)h; return gimp_drawable_get_buffer(ID(item)); }
static const Babl* item_format(sph_host* h, sph_item item) { (void)h; return gimp_drawable_get_format(ID(item)); }
static void item_update(sph_host* h, sph_item item, int x, int y, int w, int hh) { (void)h; gimp_drawable_update(ID(item), x, y, w, hh); }

static void undo_group(sph_host* h, int begin) {
    if (begin) gimp_image_undo_group_start(SHIM(h)->image);
    else gimp_image_undo_group_end(SHIM(h)->image);
}

static void progress_start(sph_host* h, const char* text) { (void)h; gimp_progress_init(text); }
static int progress_update(double fraction, void* host) { (void)host; return gimp_progress_update(fraction); }

static void host_init(shim* s, gint32 image, gint32 drawable) {
    sph_host* h = &s->host;
    memset(s, 0, sizeof *s);
    s->image = image; s->drawable = drawable;
    h->shim = s;
    h->width = gimp_drawable_width(drawable); h->height = gimp_drawable_height(drawable);
    gimp_drawable_offsets(drawable, &h->offset_x, &h->offset_y);
    h->rgb = gimp_drawable_is_rgb(drawable); h->alpha = gimp_drawable_has_alpha(drawable);
    if (!gimp_drawable_mask_intersect(drawable, &h->bx, &h->by, &h->bw, &h->bh)) h->bw = h->bh = 0;
    h->drawable_buffer = drawable_buffer; h->shadow_buffer = shadow_buffer; h->merge_shadow = merge_shadow;
    h->selection_buffer = selection_buffer; h->selection_for_writing = selection_for_writing; h->selection_update = selection_update;
    h->add_layer = add_layer; h->add_channel = add_channel;
    h->item_buffer = item_buffer; h->item_format = item_format; h->item_update = item_update;
    h->undo_group = undo_group; h->progress_start = progress_start; h->progress_update = progress_update;
}

/* --- last values: text (filters.h), stored per procedure --- */

static void load_last_values(const sph_filter* f, sph_values* v) {
    gint size = gimp_get_data_size(f->proc);
    if (size <= 0 || size > 64 * 1024) return;
    gchar* text = g_malloc0(size + 1);
    if (gimp_get_data(f->proc, text)) sph_values_parse(f, text, (size_t)size, v);
    g_free(text);
}

static void save_last_values(const sph_filter* f, const sph_values* v) {
    char text[4096];
    size_t len = sph_values_format(f, v, text, sizeof text);
    gimp_set_data(f->proc, text, (guint32)len);
}

/* --- the dialog: one control per table row, and a preview --- */

typedef struct dialog {
    const sph_filter* f;
    sph_values* v;
    gint32 drawable;
    GtkWidget* window;
    GtkWidget* preview;
    GtkWidget* status;      /* under the preview: star count or error */
    sph_preview* work;
    gboolean rendered;      /* the preview has been computed once */
    gboolean settled;       /* a test tick has passed since, so all of it is on screen */
    GtkObject* scale[SPH_MAX_PARAMS];
    GtkWidget* entry[SPH_MAX_PARAMS];
} dialog;

static void invalidate(dialog* d) { if (d->preview) gimp_preview_invalidate(GIMP_PREVIEW(d->preview)); }

static int index_of(dialog* d, GtkWidget* w) { (void)d; return GPOINTER_TO_INT(g_object_get_data(G_OBJECT(w), "sph-index")); }

static void on_combo(GtkWidget* w, dialog* d) {
    gint value;
    if (gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(w), &value)) d->v->v[index_of(d, w)] = value;
    invalidate(d);
}

static void on_toggle(GtkWidget* w, dialog* d) {
    d->v->v[index_of(d, w)] = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w)) ? 1 : 0;
    invalidate(d);
}

static void on_scale(GtkAdjustment* adj, dialog* d) {
    int i = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(adj), "sph-index"));
    d->v->v[i] = d->f->params[i].kind == SPH_INT ? (double)(gint)(gtk_adjustment_get_value(adj) + 0.5) : gtk_adjustment_get_value(adj);
    invalidate(d);
}

/* "Model's choice" beside a scale that also accepts 0. */
static void on_zero(GtkWidget* w, dialog* d) {
    int i = index_of(d, w);
    gboolean zero = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w));
    gimp_scale_entry_set_sensitive(d->scale[i], !zero);
    d->v->v[i] = zero ? 0 : (double)(gint)(gtk_adjustment_get_value(GTK_ADJUSTMENT(d->scale[i])) + 0.5);
    invalidate(d);
}

static void on_entry(GtkWidget* w, dialog* d) {
    g_strlcpy(d->v->text, gtk_entry_get_text(GTK_ENTRY(w)), sizeof d->v->text);
}

static void on_browse(GtkWidget* button, dialog* d) {
    int i = index_of(d, button);
    GtkWidget* chooser = gtk_file_chooser_dialog_new("Save Catalogue", GTK_WINDOW(d->window), GTK_FILE_CHOOSER_ACTION_SAVE,
                                                     "_Cancel", GTK_RESPONSE_CANCEL, "_Save", GTK_RESPONSE_ACCEPT, NULL);
    GtkFileFilter* csv = gtk_file_filter_new();
    gtk_file_filter_set_name(csv, "CSV catalogue (*.csv)");
    gtk_file_filter_add_pattern(csv, "*.csv");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(chooser), csv);
    gtk_file_chooser_set_do_overwrite_confirmation(GTK_FILE_CHOOSER(chooser), TRUE);
    if (d->v->text[0]) gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(chooser), d->v->text);
    else gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(chooser), "stars.csv");
    if (gtk_dialog_run(GTK_DIALOG(chooser)) == GTK_RESPONSE_ACCEPT) {
        gchar* name = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(chooser));
        if (name) gtk_entry_set_text(GTK_ENTRY(d->entry[i]), name);
        g_free(name);
    }
    gtk_widget_destroy(chooser);
}

static void on_preview(GimpPreview* preview, dialog* d) {
    gint x, y, w, h;
    gimp_preview_get_position(preview, &x, &y);
    gimp_preview_get_size(preview, &w, &h);
    gboolean rgb = gimp_drawable_is_rgb(d->drawable), alpha = gimp_drawable_has_alpha(d->drawable);
    /* GimpDrawablePreview takes 8-bit pixels of the drawable's type. */
    const Babl* display = babl_format(rgb ? (alpha ? "R'G'B'A u8" : "R'G'B' u8") : (alpha ? "Y'A u8" : "Y' u8"));
    int bpp = babl_format_get_bytes_per_pixel(display);
    guchar* buf = g_new(guchar, (gsize)w * h * bpp);
    GeglBuffer* drawable = gimp_drawable_get_buffer(d->drawable);
    char err[512] = "";
    int64_t count = 0;
    int status = sph_preview_render(d->work, d->f, d->v, drawable, gimp_drawable_width(d->drawable), gimp_drawable_height(d->drawable),
                                    rgb, alpha, x, y, w, h, display, buf, &count, err, sizeof err);
    g_object_unref(drawable);
    d->rendered = TRUE;
    if (status == SPH_OK) {
        gimp_preview_draw_buffer(preview, buf, w * bpp);
        if (d->f->id == SPH_DETECT) {
            gchar* text = g_strdup_printf("%" G_GINT64_FORMAT " stars in the preview", count);
            gtk_label_set_text(GTK_LABEL(d->status), text);
            g_free(text);
        } else gtk_label_set_text(GTK_LABEL(d->status), "");
    } else gtk_label_set_text(GTK_LABEL(d->status), err);
    g_free(buf);
}

/* Automated tests and documentation screenshots: STARPLUGIN_TEST_DIALOG=ok or
 * cancel answers the dialog by itself once it (and its preview) is drawn; with
 * STARPLUGIN_TEST_SNAPSHOT=DIR it first saves DIR/<procedure>.png, of the whole
 * screen if STARPLUGIN_TEST_SNAPSHOT_SCREEN=1. */
static gboolean test_answer(gpointer data) {
    dialog* d = data;
    const gchar* dir = g_getenv("STARPLUGIN_TEST_SNAPSHOT");
    if (d->preview && !d->rendered) return G_SOURCE_CONTINUE;
    if (!d->settled) { d->settled = TRUE; return G_SOURCE_CONTINUE; }
    gdk_window_process_all_updates();
    gdk_flush();
    if (dir && *dir) {
        /* The dialog as GTK draws it, or the whole screen. */
        gboolean screen = !g_strcmp0(g_getenv("STARPLUGIN_TEST_SNAPSHOT_SCREEN"), "1");
        GdkDrawable* from = screen ? GDK_DRAWABLE(gdk_get_default_root_window()) : GDK_DRAWABLE(gtk_widget_get_snapshot(d->window, NULL));
        gint w, h;
        gdk_drawable_get_size(from, &w, &h);
        GdkPixbuf* shot = gdk_pixbuf_get_from_drawable(NULL, from, gdk_drawable_get_colormap(GDK_DRAWABLE(gtk_widget_get_window(d->window))),
                                                       0, 0, 0, 0, w, h);
        if (shot) {
            gchar* name = g_strdup_printf("%s/%s.png", dir, d->f->proc);
            gdk_pixbuf_save(shot, name, "png", NULL, NULL);
            g_free(name);
            g_object_unref(shot);
        }
        if (!screen) g_object_unref(from);
    }
    gtk_dialog_response(GTK_DIALOG(d->window), !strcmp(g_getenv("STARPLUGIN_TEST_DIALOG"), "ok") ? GTK_RESPONSE_OK : GTK_RESPONSE_CANCEL);
    return G_SOURCE_REMOVE;
}

static gboolean run_dialog(const sph_filter* f, sph_values* v, gint32 drawable) {
    dialog d;
    memset(&d, 0, sizeof d);
    d.f = f; d.v = v; d.drawable = drawable;
    gimp_ui_init("starplugin", FALSE);
    d.window = gimp_dialog_new(f->title, "starplugin", NULL, 0, gimp_standard_help_func, f->proc,
                               "_Cancel", GTK_RESPONSE_CANCEL, "_OK", GTK_RESPONSE_OK, NULL);
    gtk_dialog_set_alternative_button_order(GTK_DIALOG(d.window), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
    gimp_window_set_transient(GTK_WINDOW(d.window));
    GtkWidget* box = gtk_vbox_new(FALSE, 12);
    gtk_container_set_border_width(GTK_CONTAINER(box), 12);
    gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(d.window))), box, TRUE, TRUE, 0);

    if (f->preview) {
        d.work = sph_preview_new();
        d.preview = gimp_drawable_preview_new_from_drawable_id(drawable);
        gtk_box_pack_start(GTK_BOX(box), d.preview, TRUE, TRUE, 0);
        d.status = gtk_label_new("");
        gtk_misc_set_alignment(GTK_MISC(d.status), 0.0, 0.5);
        gtk_label_set_line_wrap(GTK_LABEL(d.status), TRUE);
        gtk_box_pack_start(GTK_BOX(box), d.status, FALSE, FALSE, 0);
        g_signal_connect(d.preview, "invalidated", G_CALLBACK(on_preview), &d);
    }

    GtkWidget* table = gtk_table_new(1, 3, FALSE); /* grows as rows are attached */
    gtk_table_set_row_spacings(GTK_TABLE(table), 6);
    gtk_table_set_col_spacings(GTK_TABLE(table), 6);
    gtk_box_pack_start(GTK_BOX(box), table, FALSE, FALSE, 0);
    int row = 0;
    for (int i = 0; i < f->n_params; i++) {
        const sph_param* p = &f->params[i];
        GtkWidget* w = NULL;
        switch (p->kind) {
        case SPH_CHOICE:
            w = g_object_new(GIMP_TYPE_INT_COMBO_BOX, NULL);
            for (int k = 0; k < p->n_choices; k++)
                gimp_int_combo_box_append(GIMP_INT_COMBO_BOX(w), GIMP_INT_STORE_VALUE, k, GIMP_INT_STORE_LABEL, p->choices[k].label, -1);
            gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(w), (gint)v->v[i]);
            gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, p->label, 0.0, 0.5, w, 2, FALSE);
            g_object_set_data(G_OBJECT(w), "sph-index", GINT_TO_POINTER(i));
            g_signal_connect(w, "changed", G_CALLBACK(on_combo), &d);
            break;
        case SPH_BOOL:
            w = gtk_check_button_new_with_mnemonic(p->label);
            gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w), v->v[i] != 0);
            gtk_table_attach(GTK_TABLE(table), w, 0, 3, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
            row++;
            g_object_set_data(G_OBJECT(w), "sph-index", GINT_TO_POINTER(i));
            g_signal_connect(w, "toggled", G_CALLBACK(on_toggle), &d);
            break;
        case SPH_INT:
        case SPH_FLOAT: {
            gboolean zero = p->zero_means && v->v[i] == 0;
            double shown = zero ? 512 : v->v[i];
            if (zero) shown = CLAMP(shown, p->min, p->max);
            GtkObject* adj = gimp_scale_entry_new(GTK_TABLE(table), 0, row++, p->label, 200, 6, shown, p->min, p->max,
                                                  p->step, p->step * 10, p->digits, TRUE, 0, 0, p->tooltip, NULL);
            d.scale[i] = adj;
            g_object_set_data(G_OBJECT(adj), "sph-index", GINT_TO_POINTER(i));
            g_signal_connect(adj, "value-changed", G_CALLBACK(on_scale), &d);
            if (p->zero_means) {
                GtkWidget* t = gtk_check_button_new_with_label(p->zero_means);
                gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(t), zero);
                gimp_scale_entry_set_sensitive(adj, !zero);
                gimp_help_set_help_data(t, p->tooltip, NULL);
                gtk_table_attach(GTK_TABLE(table), t, 1, 3, row, row + 1, GTK_FILL, GTK_FILL, 0, 0);
                row++;
                g_object_set_data(G_OBJECT(t), "sph-index", GINT_TO_POINTER(i));
                g_signal_connect(t, "toggled", G_CALLBACK(on_zero), &d);
                gtk_widget_show(t);
            }
            break;
        }
        case SPH_FILE: {
            GtkWidget* hbox = gtk_hbox_new(FALSE, 6);
            w = gtk_entry_new();
            gtk_entry_set_text(GTK_ENTRY(w), v->text);
            gtk_box_pack_start(GTK_BOX(hbox), w, TRUE, TRUE, 0);
            GtkWidget* browse = gtk_button_new_with_mnemonic("_Browse...");
            gtk_box_pack_start(GTK_BOX(hbox), browse, FALSE, FALSE, 0);
            gimp_help_set_help_data(browse, p->tooltip, NULL);
            d.entry[i] = w;
            gimp_table_attach_aligned(GTK_TABLE(table), 0, row++, p->label, 0.0, 0.5, hbox, 2, FALSE);
            g_object_set_data(G_OBJECT(w), "sph-index", GINT_TO_POINTER(i));
            g_object_set_data(G_OBJECT(browse), "sph-index", GINT_TO_POINTER(i));
            g_signal_connect(w, "changed", G_CALLBACK(on_entry), &d);
            g_signal_connect(browse, "clicked", G_CALLBACK(on_browse), &d);
            break;
        }
        case SPH_FIXED:
            break;
        }
        if (w) gimp_help_set_help_data(w, p->tooltip, NULL);
    }
    gtk_widget_show_all(d.window);
    if (g_getenv("STARPLUGIN_TEST_DIALOG")) g_timeout_add(1500, test_answer, &d);
    gboolean ok = gimp_dialog_run(GIMP_DIALOG(d.window)) == GTK_RESPONSE_OK;
    gtk_widget_destroy(d.window);
    sph_preview_free(d.work);
    return ok;
}

static gboolean answer_ok(gpointer dialog) {
    gtk_dialog_response(GTK_DIALOG(dialog), GTK_RESPONSE_OK);
    return G_SOURCE_REMOVE;
}

/* Indexed images: a palette cannot hold the result. Ask to convert (undoable). */
static gboolean convert_indexed(gint32 image) {
    gimp_ui_init("starplugin", FALSE);
    GtkWidget* ask = gtk_message_dialog_new(NULL, GTK_DIALOG_MODAL, GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                            "StarPlugin works on RGB and grey images.");
    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(ask),
        "This image is indexed (a palette of colours), which cannot hold the result. "
        "Convert it to RGB and continue? (Edit > Undo converts it back.)");
    gtk_dialog_add_buttons(GTK_DIALOG(ask), "_Cancel", GTK_RESPONSE_CANCEL, "Convert to _RGB", GTK_RESPONSE_OK, NULL);
    gimp_window_set_transient(GTK_WINDOW(ask));
    if (g_getenv("STARPLUGIN_TEST_DIALOG")) g_timeout_add(500, answer_ok, ask);
    gboolean yes = gtk_dialog_run(GTK_DIALOG(ask)) == GTK_RESPONSE_OK;
    gtk_widget_destroy(ask);
    return yes && gimp_image_convert_rgb(image);
}

/* --- run --- */

static void run(const gchar* name, gint nparams, const GimpParam* param, gint* nreturn_vals, GimpParam** return_vals) {
    static GimpParam values[2];
    static char err[1024];
    const sph_filter* f = sph_filter_by_proc(name);
    GimpRunMode mode = nparams > 0 ? (GimpRunMode)param[0].data.d_int32 : GIMP_RUN_NONINTERACTIVE;
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    sph_values v;
    int64_t count = 0;
    err[0] = '\0';
    *nreturn_vals = 1; *return_vals = values;
    values[0].type = GIMP_PDB_STATUS;
    /* The filters use GEGL's buffers only, never its operations: an empty module path
       spares every call loading its 48 operation modules (ffmpeg, OpenEXR, ...: 0.4 s
       on a 2-core VM). */
    g_setenv("GEGL_PATH", "", TRUE);
    /* babl 0.1.98 makes every fish listed in the user's babl cache (~/.cache/babl) when it
       starts, and a fish from 8- or 16-bit data to float fills a lookup table as it is
       made: once GIMP has written its cache, that was 1.1-1.4 s of every call on a 2-core
       VM, before any pixel. The plug-in makes the few fish it needs itself. babl still
       writes its cache when its last reference goes (babl_exit), and would then replace
       the user's with the plug-in's few fish: libgimpwidgets' destructor calls babl_exit
       after gimp_ui_init. So one reference is taken here and never given back. The
       variable is read only by babl_init, and is not left for anything the plug-in starts. */
    g_setenv("BABL_INHIBIT_CACHE", "1", TRUE);
    gegl_init(NULL, NULL);
    babl_init();
    g_unsetenv("BABL_INHIBIT_CACHE");
    /* Every call into libstarplugin (and so the .NET runtime's start) happens after
       gimp_main has installed its signal handlers. */
    if (!f || nparams < 3) {
        status = GIMP_PDB_CALLING_ERROR;
        g_snprintf(err, sizeof err, "%s: unknown procedure or too few arguments", name);
    } else {
        gint32 image = param[1].data.d_image, drawable = param[2].data.d_drawable;
        sph_defaults(f, &v);
        if (mode == GIMP_RUN_NONINTERACTIVE) {
            int expected = 3;
            for (int k = 0; k < f->n_params; k++) expected += sph_is_registered(&f->params[k]);
            if (nparams != expected) {
                status = GIMP_PDB_CALLING_ERROR;
                g_snprintf(err, sizeof err, "%s takes %d arguments, got %d", name, expected, nparams);
            } else {
                int a = 3;
                for (int k = 0; k < f->n_params; k++) {
                    const sph_param* p = &f->params[k];
                    if (!sph_is_registered(p)) continue;
                    const GimpParam* arg = &param[a++];
                    if (p->kind == SPH_FLOAT) v.v[k] = arg->data.d_float;
                    else if (p->kind == SPH_FILE) g_strlcpy(v.text, arg->data.d_string ? arg->data.d_string : "", sizeof v.text);
                    else v.v[k] = arg->data.d_int32;
                }
                if (!sph_validate(f, &v, err, sizeof err)) status = GIMP_PDB_CALLING_ERROR;
            }
        } else {
            /* Interactive and Repeat (Ctrl+F) both start from the last values. */
            load_last_values(f, &v);
            if (!sph_validate(f, &v, err, sizeof err)) { sph_defaults(f, &v); err[0] = '\0'; }
        }
        if (status == GIMP_PDB_SUCCESS && gimp_drawable_is_indexed(drawable)) {
            if (mode == GIMP_RUN_NONINTERACTIVE || !convert_indexed(image)) {
                status = mode == GIMP_RUN_NONINTERACTIVE ? GIMP_PDB_EXECUTION_ERROR : GIMP_PDB_CANCEL;
                if (mode == GIMP_RUN_NONINTERACTIVE)
                    g_snprintf(err, sizeof err, "the image is indexed: convert it to RGB or grey first (Image > Mode, or gimp-image-convert-rgb)");
            }
        }
        if (status == GIMP_PDB_SUCCESS && mode == GIMP_RUN_INTERACTIVE && !run_dialog(f, &v, drawable)) status = GIMP_PDB_CANCEL;
        if (status == GIMP_PDB_SUCCESS) {
            shim s;
            host_init(&s, image, drawable);
            int rc = sph_gimp_run(f, &v, &s.host, &count, err, sizeof err);
            if (rc == SPH_CANCELLED) status = GIMP_PDB_CANCEL;
            else if (rc != SPH_OK) status = GIMP_PDB_EXECUTION_ERROR;
            else if (mode != GIMP_RUN_NONINTERACTIVE) {
                save_last_values(f, &v);
                if (f->id == SPH_DETECT && v.text[0])
                    g_message("Detect Stars found %" G_GINT64_FORMAT " stars; the catalogue is in %s.", count, v.text);
                else if (f->id == SPH_DETECT)
                    g_message("Detect Stars found %" G_GINT64_FORMAT " stars.", count);
            }
            if (mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
        }
    }
    values[0].data.d_status = status;
    if (status == GIMP_PDB_SUCCESS && f && f->result_name) {
        *nreturn_vals = 2;
        values[1].type = GIMP_PDB_INT32;
        values[1].data.d_int32 = (gint32)count;
    } else if (err[0] && (status == GIMP_PDB_CALLING_ERROR || status == GIMP_PDB_EXECUTION_ERROR)) {
        /* GIMP shows the message ("Execution error for 'Remove Stars': ..."); scripts get it too. */
        *nreturn_vals = 2;
        values[1].type = GIMP_PDB_STRING;
        values[1].data.d_string = err;
    }
}
