/*
 * gimp-filters.h - what the filters do to a GIMP image, written once for GIMP 2.10
 * and GIMP 3. Each shim fills an sph_host with the drawable's facts and a few
 * functions (libgimp 2.10 speaks in item IDs, GIMP 3 in objects; that is all that
 * differs), then calls sph_gimp_run. The pixel loops, the layer arithmetic and the
 * catalogue live here; libstarplugin is reached through engine.h.
 */
#ifndef STARPLUGIN_HOSTS_GIMP_FILTERS_H
#define STARPLUGIN_HOSTS_GIMP_FILTERS_H

#include <gegl.h>
#include "filters.h"
#include "engine.h"

typedef void* sph_item; /* a layer or channel, as the shim knows it */

typedef struct sph_host sph_host;
struct sph_host {
    void* shim;                 /* the shim's own state */
    /* The drawable. */
    int width, height;          /* size */
    int offset_x, offset_y;     /* position in the image */
    int rgb, alpha;
    int bx, by, bw, bh;         /* what to process: the selection's bounds inside the drawable */
    GeglBuffer* (*drawable_buffer)(sph_host* h);
    GeglBuffer* (*shadow_buffer)(sph_host* h);
    void (*merge_shadow)(sph_host* h); /* blends the shadow through the selection, records undo */
    /* The selection's mask in image coordinates, NULL when nothing is selected. */
    GeglBuffer* (*selection_buffer)(sph_host* h);
    /* Clears the selection and returns its buffer for writing (image coordinates). */
    GeglBuffer* (*selection_for_writing)(sph_host* h);
    void (*selection_update)(sph_host* h); /* after writing it */
    /* A new transparent RGBA/GRAYA layer of the drawable's size and position, above
     * `above` (NULL: above the drawable); addition = 1 for Addition mode (blended in
     * linear light), else Normal. */
    sph_item (*add_layer)(sph_host* h, const char* name, int addition, sph_item above);
    sph_item (*add_channel)(sph_host* h, const char* name); /* image-sized, hidden */
    GeglBuffer* (*item_buffer)(sph_host* h, sph_item item);
    const Babl* (*item_format)(sph_host* h, sph_item item);
    void (*item_update)(sph_host* h, sph_item item, int x, int y, int w, int h2);
    void (*undo_group)(sph_host* h, int begin);
    void (*progress_start)(sph_host* h, const char* text);
    int  (*progress_update)(double fraction, void* host); /* 0 = the user cancelled */
};

/* Runs filter f with values v on the host's drawable. Returns SPH_OK, SPH_CANCELLED or
 * SPH_FAILED (message in err). Detect Stars puts the number of stars in *count and,
 * when v names a catalogue, writes it (atomically; a failure is SPH_FAILED). */
int sph_gimp_run(const sph_filter* f, const sph_values* v, sph_host* h, int64_t* count, char* err, size_t err_size);

/* The linear float value of every level of an 8- or 16-bit format `store` as `lin`
 * (the same model in linear light, float, same space) would hold it, levels × comps
 * values (g_free them), as babl decodes them; NULL without memory. The new-layers output
 * decodes through it (see gimp-filters.c for why not through babl itself). */
float* sph_gimp_level_table(const Babl* store, const Babl* lin, int comps, int levels);

/* Live previews: the dialog keeps one sph_preview (it holds the model once loaded). */
typedef struct sph_preview sph_preview;
sph_preview* sph_preview_new(void);
void sph_preview_free(sph_preview* p);
/* Renders filter f on the drawable's rectangle (x, y, w, h) (read with context
 * around it) into out, w*h pixels of the babl format `display`. *count: stars found
 * in the rectangle (Detect Stars). */
int sph_preview_render(sph_preview* p, const sph_filter* f, const sph_values* v, GeglBuffer* drawable,
                       int dw, int dh, int rgb, int alpha, int x, int y, int w, int h,
                       const Babl* display, void* out, int64_t* count, char* err, size_t err_size);

/* The catalogue as `starplugin detect --csv` writes it (same columns and decimals). */
int sph_write_catalogue(const char* path, const sph_star* stars, int64_t count, char* err, size_t err_size);

#endif
