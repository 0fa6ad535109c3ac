/*
 * A stand-in for libgimp-3.0's <libgimp/gimp.h> (Debian 12 has no GIMP 3): the
 * declarations native/gimp3/starplugin-gimp3.c uses, as GIMP 3.0's API reference
 * gives them (developer.gimp.org/api/3.0). stub.c records what the shim registers, so
 * a test can compile the GIMP 3 shim here and hold its procedures against the table.
 * Not a GIMP: nothing here runs an image.
 */
#ifndef GIMP3_STUB_GIMP_H
#define GIMP3_STUB_GIMP_H

#include <glib-object.h>
#include <gio/gio.h>
#include <gegl.h>

G_BEGIN_DECLS

typedef struct _GimpPlugIn { GObject parent_instance; } GimpPlugIn;
typedef struct _GimpProcedure GimpProcedure;
typedef struct _GimpProcedureConfig GimpProcedureConfig;
typedef struct _GimpValueArray GimpValueArray;
typedef struct _GimpChoice GimpChoice;
typedef struct _GimpImage GimpImage;
typedef struct _GimpItem GimpItem;
typedef struct _GimpDrawable GimpDrawable;
typedef struct _GimpLayer GimpLayer;
typedef struct _GimpChannel GimpChannel;
typedef struct _GimpSelection GimpSelection;

typedef struct _GimpPlugInClass {
    GObjectClass parent_class;
    GList* (*query_procedures)(GimpPlugIn* plug_in);
    GList* (*init_procedures)(GimpPlugIn* plug_in);
    GimpProcedure* (*create_procedure)(GimpPlugIn* plug_in, const gchar* procedure_name);
    void (*quit)(GimpPlugIn* plug_in);
    gboolean (*set_i18n)(GimpPlugIn* plug_in, const gchar* procedure_name, gchar** gettext_domain, gchar** catalog_dir);
} GimpPlugInClass;

GType gimp_plug_in_get_type(void);
#define GIMP_TYPE_PLUG_IN (gimp_plug_in_get_type())
#define GIMP_PLUG_IN_CLASS(klass) (G_TYPE_CHECK_CLASS_CAST((klass), GIMP_TYPE_PLUG_IN, GimpPlugInClass))

typedef enum { GIMP_RUN_INTERACTIVE, GIMP_RUN_NONINTERACTIVE, GIMP_RUN_WITH_LAST_VALS } GimpRunMode;
typedef enum { GIMP_PDB_EXECUTION_ERROR, GIMP_PDB_CALLING_ERROR, GIMP_PDB_PASS_THROUGH, GIMP_PDB_SUCCESS, GIMP_PDB_CANCEL } GimpPDBStatusType;
typedef enum { GIMP_PDB_PROC_TYPE_INTERNAL, GIMP_PDB_PROC_TYPE_PLUGIN, GIMP_PDB_PROC_TYPE_PERSISTENT, GIMP_PDB_PROC_TYPE_TEMPORARY } GimpPDBProcType;
typedef enum { GIMP_PROCEDURE_SENSITIVE_DRAWABLE = 1 << 0, GIMP_PROCEDURE_SENSITIVE_DRAWABLES = 1 << 2,
               GIMP_PROCEDURE_SENSITIVE_NO_DRAWABLES = 1 << 3, GIMP_PROCEDURE_SENSITIVE_NO_IMAGE = 1 << 4 } GimpProcedureSensitivityMask;
typedef enum { GIMP_FILE_CHOOSER_ACTION_ANY = -1, GIMP_FILE_CHOOSER_ACTION_OPEN, GIMP_FILE_CHOOSER_ACTION_SAVE,
               GIMP_FILE_CHOOSER_ACTION_SELECT_FOLDER, GIMP_FILE_CHOOSER_ACTION_CREATE_FOLDER } GimpFileChooserAction;
typedef enum { GIMP_RGB_IMAGE, GIMP_RGBA_IMAGE, GIMP_GRAY_IMAGE, GIMP_GRAYA_IMAGE, GIMP_INDEXED_IMAGE, GIMP_INDEXEDA_IMAGE } GimpImageType;
typedef enum { GIMP_LAYER_MODE_NORMAL = 28, GIMP_LAYER_MODE_ADDITION = 33 } GimpLayerMode;
typedef enum { GIMP_LAYER_COLOR_SPACE_AUTO, GIMP_LAYER_COLOR_SPACE_RGB_LINEAR, GIMP_LAYER_COLOR_SPACE_RGB_PERCEPTUAL } GimpLayerColorSpace;
typedef enum { GIMP_FILL_FOREGROUND, GIMP_FILL_BACKGROUND, GIMP_FILL_CIELAB_MIDDLE_GRAY, GIMP_FILL_WHITE, GIMP_FILL_TRANSPARENT, GIMP_FILL_PATTERN } GimpFillType;

GQuark gimp_plug_in_error_quark(void);
#define GIMP_PLUG_IN_ERROR (gimp_plug_in_error_quark())

typedef GimpValueArray* (*GimpRunImageFunc)(GimpProcedure* procedure, GimpRunMode run_mode, GimpImage* image,
                                            GimpDrawable** drawables, GimpProcedureConfig* config, gpointer run_data);

#define GIMP_ITEM(obj) ((GimpItem*)(obj))
#define GIMP_DRAWABLE(obj) ((GimpDrawable*)(obj))
#define GIMP_LAYER(obj) ((GimpLayer*)(obj))
gboolean gimp_stub_is_layer(gconstpointer item);
#define GIMP_IS_LAYER(obj) (gimp_stub_is_layer(obj))

const gchar* gimp_get_progname(void);
void gimp_plug_in_set_help_domain(GimpPlugIn* plug_in, const gchar* domain_name, GFile* domain_uri);

GimpProcedure* gimp_image_procedure_new(GimpPlugIn* plug_in, const gchar* name, GimpPDBProcType proc_type,
                                        GimpRunImageFunc run_func, gpointer run_data, GDestroyNotify run_data_destroy);
const gchar* gimp_procedure_get_name(GimpProcedure* procedure);
void gimp_procedure_set_image_types(GimpProcedure* procedure, const gchar* image_types);
void gimp_procedure_set_sensitivity_mask(GimpProcedure* procedure, gint sensitivity_mask);
void gimp_procedure_set_menu_label(GimpProcedure* procedure, const gchar* menu_label);
void gimp_procedure_add_menu_path(GimpProcedure* procedure, const gchar* menu_path);
void gimp_procedure_set_documentation(GimpProcedure* procedure, const gchar* blurb, const gchar* help, const gchar* help_id);
void gimp_procedure_set_attribution(GimpProcedure* procedure, const gchar* authors, const gchar* copyright, const gchar* date);

GimpChoice* gimp_choice_new(void);
void gimp_choice_add(GimpChoice* choice, const gchar* nick, gint id, const gchar* label, const gchar* help);
void gimp_procedure_add_choice_argument(GimpProcedure* procedure, const gchar* name, const gchar* nick, const gchar* blurb,
                                        GimpChoice* choice, const gchar* value, GParamFlags flags);
void gimp_procedure_add_boolean_argument(GimpProcedure* procedure, const gchar* name, const gchar* nick, const gchar* blurb,
                                         gboolean value, GParamFlags flags);
void gimp_procedure_add_int_argument(GimpProcedure* procedure, const gchar* name, const gchar* nick, const gchar* blurb,
                                     gint min, gint max, gint value, GParamFlags flags);
void gimp_procedure_add_double_argument(GimpProcedure* procedure, const gchar* name, const gchar* nick, const gchar* blurb,
                                        gdouble min, gdouble max, gdouble value, GParamFlags flags);
void gimp_procedure_add_file_argument(GimpProcedure* procedure, const gchar* name, const gchar* nick, const gchar* blurb,
                                      GimpFileChooserAction action, gboolean none_ok, GFile* default_file, GParamFlags flags);
void gimp_procedure_add_int_return_value(GimpProcedure* procedure, const gchar* name, const gchar* nick, const gchar* blurb,
                                         gint min, gint max, gint value, GParamFlags flags);
GimpValueArray* gimp_procedure_new_return_values(GimpProcedure* procedure, GimpPDBStatusType status, GError* error);
void gimp_stub_values_set_int(GimpValueArray* args, gint index, gint value);
#define GIMP_VALUES_SET_INT(args, index, value) gimp_stub_values_set_int((args), (index), (value))

GeglBuffer* gimp_drawable_get_buffer(GimpDrawable* drawable);
GeglBuffer* gimp_drawable_get_shadow_buffer(GimpDrawable* drawable);
const Babl* gimp_drawable_get_format(GimpDrawable* drawable);
gboolean gimp_drawable_merge_shadow(GimpDrawable* drawable, gboolean undo);
gboolean gimp_drawable_update(GimpDrawable* drawable, gint x, gint y, gint width, gint height);
gboolean gimp_drawable_fill(GimpDrawable* drawable, GimpFillType fill_type);
gint gimp_drawable_get_width(GimpDrawable* drawable);
gint gimp_drawable_get_height(GimpDrawable* drawable);
gboolean gimp_drawable_get_offsets(GimpDrawable* drawable, gint* offset_x, gint* offset_y);
gboolean gimp_drawable_is_rgb(GimpDrawable* drawable);
gboolean gimp_drawable_is_indexed(GimpDrawable* drawable);
gboolean gimp_drawable_has_alpha(GimpDrawable* drawable);
gboolean gimp_drawable_mask_intersect(GimpDrawable* drawable, gint* x, gint* y, gint* width, gint* height);

gboolean gimp_selection_is_empty(GimpImage* image);
gboolean gimp_selection_none(GimpImage* image);
GimpSelection* gimp_image_get_selection(GimpImage* image);
gint gimp_image_get_width(GimpImage* image);
gint gimp_image_get_height(GimpImage* image);
gboolean gimp_image_insert_layer(GimpImage* image, GimpLayer* layer, GimpLayer* parent, gint position);
gboolean gimp_image_insert_channel(GimpImage* image, GimpChannel* channel, GimpChannel* parent, gint position);
gint gimp_image_get_item_position(GimpImage* image, GimpItem* item);
gboolean gimp_image_undo_group_start(GimpImage* image);
gboolean gimp_image_undo_group_end(GimpImage* image);
gboolean gimp_image_convert_rgb(GimpImage* image);
GimpItem* gimp_item_get_parent(GimpItem* item);
gboolean gimp_item_set_visible(GimpItem* item, gboolean visible);

GimpLayer* gimp_layer_new(GimpImage* image, const gchar* name, gint width, gint height, GimpImageType type, gdouble opacity, GimpLayerMode mode);
gboolean gimp_layer_set_offsets(GimpLayer* layer, gint offx, gint offy);
gboolean gimp_layer_set_blend_space(GimpLayer* layer, GimpLayerColorSpace blend_space);
gboolean gimp_layer_set_composite_space(GimpLayer* layer, GimpLayerColorSpace composite_space);
GimpChannel* gimp_channel_new(GimpImage* image, const gchar* name, gint width, gint height, gdouble opacity, GeglColor* color);

gboolean gimp_progress_init(const gchar* message);
gboolean gimp_progress_update(gdouble percentage);
gboolean gimp_displays_flush(void);
gboolean gimp_message(const gchar* message);

int gimp_stub_main(GType plug_in_type);
#define GIMP_MAIN(plug_in_type) int main(int argc, char** argv) { (void)argc; (void)argv; return gimp_stub_main(plug_in_type); }

G_END_DECLS
#endif
