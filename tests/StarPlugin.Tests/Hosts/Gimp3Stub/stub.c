/*
 * What the GIMP 3 stand-in does (see libgimp/gimp.h): registration calls print what
 * they register, one line each; everything that would touch an image stops the
 * program (registration never calls it).
 */
#include <stdio.h>
#include <stdlib.h>
#include "libgimp/gimp.h"
#include "libgimp/gimpui.h"

struct _GimpProcedure { gchar* name; };
struct _GimpChoice { GString* words; };

G_DEFINE_ABSTRACT_TYPE(GimpPlugIn, gimp_plug_in, G_TYPE_OBJECT)
static void gimp_plug_in_class_init(GimpPlugInClass* klass) { (void)klass; }
static void gimp_plug_in_init(GimpPlugIn* self) { (void)self; }

GQuark gimp_plug_in_error_quark(void) { return g_quark_from_static_string("gimp-plug-in-error-quark"); }
const gchar* gimp_get_progname(void) { return "/stub/plug-ins/starplugin/starplugin"; }

void gimp_plug_in_set_help_domain(GimpPlugIn* plug_in, const gchar* domain_name, GFile* domain_uri) {
    (void)plug_in;
    gchar* path = g_file_get_path(domain_uri);
    printf("HELP %s %s\n", domain_name, path);
    g_free(path);
}

GimpProcedure* gimp_image_procedure_new(GimpPlugIn* plug_in, const gchar* name, GimpPDBProcType proc_type,
                                        GimpRunImageFunc run_func, gpointer run_data, GDestroyNotify run_data_destroy) {
    (void)plug_in; (void)run_data; (void)run_data_destroy;
    GimpProcedure* p = g_new0(GimpProcedure, 1);
    p->name = g_strdup(name);
    printf("PROC %s type=%d run=%s\n", name, proc_type, run_func ? "yes" : "no");
    return p;
}

const gchar* gimp_procedure_get_name(GimpProcedure* procedure) { return procedure->name; }
void gimp_procedure_set_image_types(GimpProcedure* p, const gchar* t) { printf("TYPES %s %s\n", p->name, t); }
void gimp_procedure_set_sensitivity_mask(GimpProcedure* p, gint m) { printf("SENSITIVE %s %d\n", p->name, m); }
void gimp_procedure_set_menu_label(GimpProcedure* p, const gchar* l) { printf("LABEL %s %s\n", p->name, l); }
void gimp_procedure_add_menu_path(GimpProcedure* p, const gchar* m) { printf("MENU %s %s\n", p->name, m); }
void gimp_procedure_set_documentation(GimpProcedure* p, const gchar* blurb, const gchar* help, const gchar* id) {
    printf("DOC %s %s|%d|%s\n", p->name, blurb, help ? (int)strlen(help) : 0, id);
}
void gimp_procedure_set_attribution(GimpProcedure* p, const gchar* a, const gchar* c, const gchar* d) { (void)p; (void)a; (void)c; (void)d; }

GimpChoice* gimp_choice_new(void) { GimpChoice* c = g_new0(GimpChoice, 1); c->words = g_string_new(NULL); return c; }
void gimp_choice_add(GimpChoice* choice, const gchar* nick, gint id, const gchar* label, const gchar* help) {
    (void)help;
    g_string_append_printf(choice->words, "%s%s=%d:%s", choice->words->len ? "|" : "", nick, id, label);
}

void gimp_procedure_add_choice_argument(GimpProcedure* p, const gchar* name, const gchar* nick, const gchar* blurb,
                                        GimpChoice* choice, const gchar* value, GParamFlags flags) {
    (void)nick; (void)blurb; (void)flags;
    printf("ARG %s %s choice %s %s\n", p->name, name, value, choice->words->str);
}
void gimp_procedure_add_boolean_argument(GimpProcedure* p, const gchar* name, const gchar* nick, const gchar* blurb,
                                         gboolean value, GParamFlags flags) {
    (void)nick; (void)blurb; (void)flags;
    printf("ARG %s %s bool %d\n", p->name, name, value);
}
void gimp_procedure_add_int_argument(GimpProcedure* p, const gchar* name, const gchar* nick, const gchar* blurb,
                                     gint min, gint max, gint value, GParamFlags flags) {
    (void)nick; (void)blurb; (void)flags;
    printf("ARG %s %s int %d %d %d\n", p->name, name, value, min, max);
}
void gimp_procedure_add_double_argument(GimpProcedure* p, const gchar* name, const gchar* nick, const gchar* blurb,
                                        gdouble min, gdouble max, gdouble value, GParamFlags flags) {
    (void)nick; (void)blurb; (void)flags;
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
    printf("ARG %s %s float %s %s %s\n", p->name, name, g_ascii_dtostr(a, sizeof a, value), g_ascii_dtostr(b, sizeof b, min), g_ascii_dtostr(c, sizeof c, max));
}
void gimp_procedure_add_file_argument(GimpProcedure* p, const gchar* name, const gchar* nick, const gchar* blurb,
                                      GimpFileChooserAction action, gboolean none_ok, GFile* default_file, GParamFlags flags) {
    (void)nick; (void)blurb; (void)flags;
    printf("ARG %s %s file %d %d %s\n", p->name, name, action, none_ok, default_file ? "set" : "none");
}
void gimp_procedure_add_int_return_value(GimpProcedure* p, const gchar* name, const gchar* nick, const gchar* blurb,
                                         gint min, gint max, gint value, GParamFlags flags) {
    (void)nick; (void)blurb; (void)flags; (void)value;
    printf("RETURN %s %s int %d %d\n", p->name, name, min, max);
}

int gimp_stub_main(GType plug_in_type) {
    GimpPlugIn* plug_in = g_object_new(plug_in_type, NULL);
    GimpPlugInClass* klass = G_TYPE_INSTANCE_GET_CLASS(plug_in, GIMP_TYPE_PLUG_IN, GimpPlugInClass);
    GList* names = klass->query_procedures(plug_in);
    for (GList* l = names; l; l = l->next) {
        gchar* domain = NULL; gchar* catalog = NULL;
        if (klass->set_i18n) printf("I18N %s %d\n", (char*)l->data, klass->set_i18n(plug_in, l->data, &domain, &catalog));
        if (!klass->create_procedure(plug_in, l->data)) printf("MISSING %s\n", (char*)l->data);
    }
    g_list_free_full(names, g_free);
    g_object_unref(plug_in);
    return 0;
}

/* Everything below runs an image or a dialog: never during registration. */
#define NOT_HERE(...) { g_error("%s: not available in the GIMP 3 stand-in", G_STRFUNC); }
GimpValueArray* gimp_procedure_new_return_values(GimpProcedure* p, GimpPDBStatusType s, GError* e) { (void)p; (void)s; (void)e; NOT_HERE(); }
void gimp_stub_values_set_int(GimpValueArray* a, gint i, gint v) { (void)a; (void)i; (void)v; NOT_HERE(); }
gboolean gimp_stub_is_layer(gconstpointer item) { (void)item; NOT_HERE(); }
GeglBuffer* gimp_drawable_get_buffer(GimpDrawable* d) { (void)d; NOT_HERE(); }
GeglBuffer* gimp_drawable_get_shadow_buffer(GimpDrawable* d) { (void)d; NOT_HERE(); }
const Babl* gimp_drawable_get_format(GimpDrawable* d) { (void)d; NOT_HERE(); }
gboolean gimp_drawable_merge_shadow(GimpDrawable* d, gboolean u) { (void)d; (void)u; NOT_HERE(); }
gboolean gimp_drawable_update(GimpDrawable* d, gint x, gint y, gint w, gint h) { (void)d; (void)x; (void)y; (void)w; (void)h; NOT_HERE(); }
gboolean gimp_drawable_fill(GimpDrawable* d, GimpFillType f) { (void)d; (void)f; NOT_HERE(); }
gint gimp_drawable_get_width(GimpDrawable* d) { (void)d; NOT_HERE(); }
gint gimp_drawable_get_height(GimpDrawable* d) { (void)d; NOT_HERE(); }
gboolean gimp_drawable_get_offsets(GimpDrawable* d, gint* x, gint* y) { (void)d; (void)x; (void)y; NOT_HERE(); }
gboolean gimp_drawable_is_rgb(GimpDrawable* d) { (void)d; NOT_HERE(); }
gboolean gimp_drawable_is_indexed(GimpDrawable* d) { (void)d; NOT_HERE(); }
gboolean gimp_drawable_has_alpha(GimpDrawable* d) { (void)d; NOT_HERE(); }
gboolean gimp_drawable_mask_intersect(GimpDrawable* d, gint* x, gint* y, gint* w, gint* h) { (void)d; (void)x; (void)y; (void)w; (void)h; NOT_HERE(); }
gboolean gimp_selection_is_empty(GimpImage* i) { (void)i; NOT_HERE(); }
gboolean gimp_selection_none(GimpImage* i) { (void)i; NOT_HERE(); }
GimpSelection* gimp_image_get_selection(GimpImage* i) { (void)i; NOT_HERE(); }
gint gimp_image_get_width(GimpImage* i) { (void)i; NOT_HERE(); }
gint gimp_image_get_height(GimpImage* i) { (void)i; NOT_HERE(); }
gboolean gimp_image_insert_layer(GimpImage* i, GimpLayer* l, GimpLayer* p, gint pos) { (void)i; (void)l; (void)p; (void)pos; NOT_HERE(); }
gboolean gimp_image_insert_channel(GimpImage* i, GimpChannel* c, GimpChannel* p, gint pos) { (void)i; (void)c; (void)p; (void)pos; NOT_HERE(); }
gint gimp_image_get_item_position(GimpImage* i, GimpItem* it) { (void)i; (void)it; NOT_HERE(); }
gboolean gimp_image_undo_group_start(GimpImage* i) { (void)i; NOT_HERE(); }
gboolean gimp_image_undo_group_end(GimpImage* i) { (void)i; NOT_HERE(); }
gboolean gimp_image_convert_rgb(GimpImage* i) { (void)i; NOT_HERE(); }
GimpItem* gimp_item_get_parent(GimpItem* i) { (void)i; NOT_HERE(); }
gboolean gimp_item_set_visible(GimpItem* i, gboolean v) { (void)i; (void)v; NOT_HERE(); }
GimpLayer* gimp_layer_new(GimpImage* i, const gchar* n, gint w, gint h, GimpImageType t, gdouble o, GimpLayerMode m) { (void)i; (void)n; (void)w; (void)h; (void)t; (void)o; (void)m; NOT_HERE(); }
gboolean gimp_layer_set_offsets(GimpLayer* l, gint x, gint y) { (void)l; (void)x; (void)y; NOT_HERE(); }
gboolean gimp_layer_set_blend_space(GimpLayer* l, GimpLayerColorSpace s) { (void)l; (void)s; NOT_HERE(); }
gboolean gimp_layer_set_composite_space(GimpLayer* l, GimpLayerColorSpace s) { (void)l; (void)s; NOT_HERE(); }
GimpChannel* gimp_channel_new(GimpImage* i, const gchar* n, gint w, gint h, gdouble o, GeglColor* c) { (void)i; (void)n; (void)w; (void)h; (void)o; (void)c; NOT_HERE(); }
gboolean gimp_progress_init(const gchar* m) { (void)m; NOT_HERE(); }
gboolean gimp_progress_update(gdouble p) { (void)p; NOT_HERE(); }
gboolean gimp_displays_flush(void) { NOT_HERE(); }
gboolean gimp_message(const gchar* m) { (void)m; NOT_HERE(); }
GtkWidget* gtk_dialog_get_content_area(GtkWidget* d) { (void)d; NOT_HERE(); }
void gtk_box_pack_start(GtkWidget* b, GtkWidget* c, gboolean e, gboolean f, guint p) { (void)b; (void)c; (void)e; (void)f; (void)p; NOT_HERE(); }
GtkWidget* gtk_label_new(const gchar* s) { (void)s; NOT_HERE(); }
void gtk_label_set_xalign(GtkWidget* l, gfloat x) { (void)l; (void)x; NOT_HERE(); }
void gtk_label_set_line_wrap(GtkWidget* l, gboolean w) { (void)l; (void)w; NOT_HERE(); }
void gtk_label_set_text(GtkWidget* l, const gchar* s) { (void)l; (void)s; NOT_HERE(); }
void gtk_widget_show(GtkWidget* w) { (void)w; NOT_HERE(); }
void gtk_widget_destroy(GtkWidget* w) { (void)w; NOT_HERE(); }
GtkWidget* gtk_message_dialog_new(GtkWindow* p, GtkDialogFlags f, GtkMessageType t, GtkButtonsType b, const gchar* m, ...) { (void)p; (void)f; (void)t; (void)b; (void)m; NOT_HERE(); }
void gtk_message_dialog_format_secondary_text(GtkWidget* d, const gchar* m, ...) { (void)d; (void)m; NOT_HERE(); }
void gtk_dialog_add_buttons(GtkWidget* d, const gchar* t, ...) { (void)d; (void)t; NOT_HERE(); }
gint gtk_dialog_run(GtkWidget* d) { (void)d; NOT_HERE(); }
gboolean gimp_ui_init(const gchar* p) { (void)p; NOT_HERE(); }
GtkWidget* gimp_procedure_dialog_new(GimpProcedure* p, GimpProcedureConfig* c, const gchar* t) { (void)p; (void)c; (void)t; NOT_HERE(); }
void gimp_procedure_dialog_fill(GtkWidget* d, ...) { (void)d; NOT_HERE(); }
gboolean gimp_procedure_dialog_run(GtkWidget* d) { (void)d; NOT_HERE(); }
GtkWidget* gimp_drawable_preview_new_from_drawable(GimpDrawable* d) { (void)d; NOT_HERE(); }
void gimp_preview_get_position(GimpPreview* p, gint* x, gint* y) { (void)p; (void)x; (void)y; NOT_HERE(); }
void gimp_preview_get_size(GimpPreview* p, gint* w, gint* h) { (void)p; (void)w; (void)h; NOT_HERE(); }
void gimp_preview_draw_buffer(GimpPreview* p, const guchar* b, gint r) { (void)p; (void)b; (void)r; NOT_HERE(); }
void gimp_preview_invalidate(GimpPreview* p) { (void)p; NOT_HERE(); }
