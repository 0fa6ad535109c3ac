/* A stand-in for libgimp-3.0's <libgimp/gimpui.h> and the GTK 3 calls the GIMP 3 shim
 * makes (see gimp.h): declarations only, GTK 3 signatures. */
#ifndef GIMP3_STUB_GIMPUI_H
#define GIMP3_STUB_GIMPUI_H

#include "gimp.h"

G_BEGIN_DECLS

typedef struct _GtkWidget GtkWidget;
typedef struct _GtkWindow GtkWindow;
typedef struct _GimpPreview GimpPreview;
typedef enum { GTK_DIALOG_MODAL = 1 << 0 } GtkDialogFlags;
typedef enum { GTK_MESSAGE_INFO, GTK_MESSAGE_WARNING, GTK_MESSAGE_QUESTION, GTK_MESSAGE_ERROR } GtkMessageType;
typedef enum { GTK_BUTTONS_NONE, GTK_BUTTONS_OK } GtkButtonsType;
enum { GTK_RESPONSE_OK = -5, GTK_RESPONSE_CANCEL = -6 };
#define GTK_DIALOG(w) ((GtkWidget*)(w))
#define GTK_BOX(w) ((GtkWidget*)(w))
#define GTK_LABEL(w) ((GtkWidget*)(w))
#define GTK_MESSAGE_DIALOG(w) ((GtkWidget*)(w))
#define GIMP_PROCEDURE_DIALOG(w) ((GtkWidget*)(w))
#define GIMP_PREVIEW(w) ((GimpPreview*)(w))

GtkWidget* gtk_dialog_get_content_area(GtkWidget* dialog);
void gtk_box_pack_start(GtkWidget* box, GtkWidget* child, gboolean expand, gboolean fill, guint padding);
GtkWidget* gtk_label_new(const gchar* str);
void gtk_label_set_xalign(GtkWidget* label, gfloat xalign);
void gtk_label_set_line_wrap(GtkWidget* label, gboolean wrap);
void gtk_label_set_text(GtkWidget* label, const gchar* str);
void gtk_widget_show(GtkWidget* widget);
void gtk_widget_destroy(GtkWidget* widget);
GtkWidget* gtk_message_dialog_new(GtkWindow* parent, GtkDialogFlags flags, GtkMessageType type, GtkButtonsType buttons,
                                  const gchar* message_format, ...) G_GNUC_PRINTF(5, 6);
void gtk_message_dialog_format_secondary_text(GtkWidget* message_dialog, const gchar* message_format, ...) G_GNUC_PRINTF(2, 3);
void gtk_dialog_add_buttons(GtkWidget* dialog, const gchar* first_button_text, ...) G_GNUC_NULL_TERMINATED;
gint gtk_dialog_run(GtkWidget* dialog);

gboolean gimp_ui_init(const gchar* prog_name);
GtkWidget* gimp_procedure_dialog_new(GimpProcedure* procedure, GimpProcedureConfig* config, const gchar* title);
void gimp_procedure_dialog_fill(GtkWidget* dialog, ...) G_GNUC_NULL_TERMINATED;
gboolean gimp_procedure_dialog_run(GtkWidget* dialog);
GtkWidget* gimp_drawable_preview_new_from_drawable(GimpDrawable* drawable);
void gimp_preview_get_position(GimpPreview* preview, gint* x, gint* y);
void gimp_preview_get_size(GimpPreview* preview, gint* width, gint* height);
void gimp_preview_draw_buffer(GimpPreview* preview, const guchar* buffer, gint rowstride);
void gimp_preview_invalidate(GimpPreview* preview);

G_END_DECLS
#endif
