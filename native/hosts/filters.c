/*
 * filters.c - the table of StarPlugin's filters (see filters.h) and the small helpers
 * every host needs around it: defaults, validation and last values as text.
 */
#include "filters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <locale.h>

const char* const sph_menu_path = "<Image>/Filters/Astronomy";
/* Indexed images are accepted so that the menu entries stay usable and the
 * filter can offer to convert (a palette cannot hold the result). */
const char* const sph_image_types = "RGB*, GRAY*, INDEXED*";
const char* const sph_help_domain = "org.starplugin.help";

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const sph_choice remove_output[] = {
    { "replace", "Replace the layer (starless)" },
    { "layers", "New layers: Starless + Stars (Addition) and a Star Mask channel" },
};
static const sph_choice stretch_choices[] = {
    { "auto", "Auto (detect linear data)" },
    { "always", "Always (the data is linear)" },
    { "never", "Never (the data is already stretched)" },
};
static const sph_choice galaxy_choices[] = {
    { "auto", "Auto (in galaxy fields)" },
    { "always", "Always keep them" },
    { "never", "Never (remove them too)" },
};
/* The command line's --bin words; the G'MIC command takes the factor itself (0 = auto). */
static const sph_choice binning_choices[] = {
    { "1", "Off (full resolution)" },
    { "auto", "Auto (from the stars' width)" },
    { "2", "2\u00d72" },
    { "3", "3\u00d73" },
    { "4", "4\u00d74" },
};
static const sph_choice reduce_modes[] = {
    { "shrink", "Shrink (smaller stars)" },
    { "scale", "Dim (same size, fainter)" },
};
static const sph_choice mask_output[] = {
    { "layer", "New layer" },
    { "selection", "Replace the selection" },
};

static const sph_param remove_params[] = {
    { "output", "_Output", "Replace: the layer becomes starless (Undo brings the stars back). "
      "New layers: a Starless layer and a Stars layer in Addition mode above it; together they add up to the "
      "original exactly, so stars and nebula can be processed apart and recombined. The star mask comes as a channel.",
      SPH_CHOICE, 0, 0, 1, 1, 0, NULL, remove_output, N(remove_output), NULL, 0, 0 },
    { "stretch", "_Stretch", "Linear data (a stack straight from integration, which still looks black) is stretched "
      "for the network and unstretched afterwards exactly. Auto recognises linear data; pick Always or Never if it guesses wrong.",
      SPH_CHOICE, 0, 0, 2, 1, 0, NULL, stretch_choices, N(stretch_choices), "--stretch", 0, 1 },
    { "cleanup", "_Fill leftover stars", "After the network, find the stars it left behind (the brightest cores, stars "
      "embedded in nebulosity) and fill them from the surrounding sky. Off gives the network's result alone.",
      SPH_BOOL, 1, 0, 1, 1, 0, NULL, NULL, 0, "--no-cleanup", 1, 2 },
    { "keep-galaxies", "Keep _galaxies", "Sources broader than the field's stars (small galaxies, planetary nebulae) are "
      "given back instead of removed. Auto does this only in galaxy fields, where such sources carry most of the light.",
      SPH_CHOICE, 0, 0, 2, 1, 0, NULL, galaxy_choices, N(galaxy_choices), "--keep-galaxies", 0, 3 },
    { "tile", "_Tile size", "The image goes through the network in overlapping square tiles of this many pixels; the "
      "result has no seams at any size. Larger tiles take more memory. The model's choice is the size it was trained at.",
      SPH_INT, 0, 64, 2048, 32, 0, "Model's choice", NULL, 0, "--tile", 0, 0 },
    /* Appended after the value range in G'MIC (argument 5), so that older calls keep working. */
    { "binning", "_Binning", "For oversampled pictures, whose stars are several pixels wide (a long focal length "
      "with small pixels): the network works on the picture binned 2\u00d72 or more, so that bright stars go whole "
      "instead of leaving a core or a disc behind, and the star layer comes back at full resolution. It costs fine "
      "detail of small nebulae, which can go with the stars. Off is right for most pictures; Auto bins only where "
      "the stars are wider than about 2.7 pixels.",
      SPH_CHOICE, 0, 0, 4, 1, 0, NULL, binning_choices, N(binning_choices), "--bin", 0, 5 },
};

static const sph_param reduce_params[] = {
    { "amount", "_Amount", "How strongly stars are reduced: 0 leaves them as they are, 1 takes them almost away. "
      "Nebulae and galaxies are untouched.",
      SPH_FLOAT, 0.5, 0, 1, 0.01, 2, NULL, NULL, 0, "--amount", 0, 1 },
    { "mode", "_Mode", "Shrink makes each star's disc smaller, like morphological star reduction. Dim keeps the size "
      "and scales the star's light down.",
      SPH_CHOICE, 0, 0, 1, 1, 0, NULL, reduce_modes, N(reduce_modes), "--mode", 0, 2 },
};

static const sph_param mask_params[] = {
    { "output", "_Output", "The mask is 1 on stars and fades to 0 around them, so edits through it blend smoothly. "
      "As the selection it is ready for Curves, Saturation or a blur on the stars alone.",
      SPH_CHOICE, 0, 0, 1, 1, 0, NULL, mask_output, N(mask_output), NULL, 0, 0 },
};

static const sph_param detect_params[] = {
    { "threshold", "_Correlation threshold", "How closely a spot must match a star's shape (normalized correlation with "
      "a Gaussian, up to 1). Lower finds fainter, less star-like sources; higher keeps only clean stars. Where the sky is "
      "flat it is lowered by 0.18 for faint sources, as on the command line.",
      SPH_FLOAT, 0.58, 0.05, 0.99, 0.01, 2, NULL, NULL, 0, "--threshold", 0, 1 },
    { "snr", "_Signal to noise", "How bright a star must be, in units of the local sky noise. 5 is a safe detection; "
      "3 finds more faint stars and some noise.",
      SPH_FLOAT, 5, 1, 100, 0.5, 1, NULL, NULL, 0, "--snr", 0, 2 },
    { "catalogue", "Save _catalogue", "A CSV file to write the stars to (x, y in 0-based pixels with y from the top, "
      "flux, FWHM, S/N, roundness, saturated). Empty: only draw them.",
      SPH_FILE, 0, 0, 0, 0, 0, NULL, NULL, 0, "--csv", 0, 0 },
};

static const sph_param lens_params[] = {
    { "einstein-radius", "_Einstein radius (px)", "Radius of the Einstein ring in pixels: how far from the lens "
      "galaxy's centre the arc forms.",
      SPH_FLOAT, 8, 1, 200, 0.5, 1, NULL, NULL, 0, "--theta-e", 0, 1 },
    { "axis-ratio", "Lens _axis ratio", "Shape of the lens galaxy's mass: 1 is round; smaller is more elongated and "
      "gives longer arcs.",
      SPH_FLOAT, 0.8, 0.1, 1, 0.01, 2, NULL, NULL, 0, "--q", 0, 2 },
    { "arc-snr", "Arc _S/N", "Signal to noise of the whole arc in this image; the source's brightness is set to reach it.",
      SPH_FLOAT, 30, 3, 500, 1, 1, NULL, NULL, 0, "--arc-snr", 0, 3 },
    { "source-radius", "Source _radius (px)", "Half-light radius of the background galaxy (Sersic profile) before lensing.",
      SPH_FLOAT, 1.5, 0.3, 50, 0.1, 2, NULL, NULL, 0, "--source-re", 0, 4 },
    { "seed", "Random s_eed", "The same seed gives the same arc and noise.",
      SPH_INT, 1, 1, 1000000, 1, 0, NULL, NULL, 0, "--seed", 0, 5 },
    /* The command line's defaults for what GIMP does not ask. */
    { "source-index", NULL, NULL, SPH_FIXED, 1, 1, 1, 0, 0, NULL, NULL, 0, "--source-n", 0, 0 },
    { "source-axis-ratio", NULL, NULL, SPH_FIXED, 0.7, 0.7, 0.7, 0, 0, NULL, NULL, 0, "--source-q", 0, 0 },
    { "source-offset-x", NULL, NULL, SPH_FIXED, 1, 1, 1, 0, 0, NULL, NULL, 0, "--source-offset#0", 0, 0 },
    { "source-offset-y", NULL, NULL, SPH_FIXED, 0.5, 0.5, 0.5, 0, 0, NULL, NULL, 0, "--source-offset#1", 0, 0 },
};

#define FITS(a) _Static_assert(N(a) <= SPH_MAX_PARAMS, #a ": more parameters than sph_values holds")
FITS(remove_params); FITS(reduce_params); FITS(mask_params); FITS(detect_params); FITS(lens_params);

const sph_filter sph_filters[SPH_FILTER_COUNT] = {
    { SPH_REMOVE, "plug-in-starplugin-remove-stars", "Remove _Stars...", "Remove Stars",
      "Remove the stars and keep nebulae and galaxies (neural network). RGB or grey; indexed images are converted first.",
      "Removes the stars of the layer with StarPlugin's neural network and keeps nebulae, dust and galaxies. "
      "Works on linear and stretched data, grey or RGB, at any precision, and respects the selection "
      "(feathered edges blend). Linear data is stretched for the network and unstretched exactly, so the sky "
      "keeps its values.\n\n"
      "Output: Replace turns the layer starless. New layers adds a Starless layer and a Stars layer in Addition "
      "mode, which add up to the original exactly, and a Star Mask channel.\n\n"
      "Fill leftover stars refills stars the network missed from the surrounding sky; Keep galaxies gives back "
      "sources broader than the field's stars. Binning is for oversampled pictures, whose stars are several "
      "pixels wide: off by default.",
      "remove", "starless", remove_params, N(remove_params), NULL, NULL, 1 },
    { SPH_REDUCE, "plug-in-starplugin-reduce-stars", "R_educe Stars...", "Reduce Stars",
      "Shrink or dim the stars; nebulae and galaxies stay as they are. RGB or grey; indexed images are converted first.",
      "Reduces the stars of the layer: the star layer found by the network is shrunk (smaller discs) or dimmed, "
      "then added back to the starless image, which itself is untouched. Amount 0 changes nothing, 1 almost "
      "removes the stars.",
      "reduce", "star_reduce", reduce_params, N(reduce_params), NULL, NULL, 1 },
    { SPH_MASK, "plug-in-starplugin-star-mask", "Star _Mask...", "Star Mask",
      "A feathered mask of the stars, as a new layer or as the selection. RGB or grey; indexed images are converted first.",
      "Builds a star mask from the star layer the network finds: 1 on stars, fading to 0 around them. As a new "
      "layer, or as the selection, ready for edits on the stars alone (or, inverted, on everything but the stars).",
      "mask", "star_mask", mask_params, N(mask_params), NULL, NULL, 1 },
    { SPH_DETECT, "plug-in-starplugin-detect-stars", "_Detect Stars...", "Detect Stars",
      "Find the stars, circle them on a new layer and optionally save a CSV catalogue. RGB or grey; indexed images are converted first.",
      "Finds stars by Gaussian normalized correlation and measures each one (centroid, flux, FWHM, S/N, "
      "roundness). Circles them on a new layer named with the count (saturated stars in red) and can save the "
      "catalogue as CSV, in the same columns as `starplugin detect --csv`. Returns the number of stars.",
      "detect", "star_detect", detect_params, N(detect_params), "count", "Number of stars found", 1 },
    { SPH_LENS, "plug-in-starplugin-mock-lens", "Render Mock _Lens...", "Render Mock Lens",
      "Render a strong-lens arc around the central galaxy, for training lens finders. RGB or grey; indexed images are converted first.",
      "Renders a simulated strong gravitational lens into the image: a singular isothermal ellipsoid centred on "
      "the brightest galaxy near the centre lenses a Sersic background galaxy into an arc, convolved with the "
      "image's own PSF and brought to the requested S/N.",
      "mock-lens", "mock_lens", lens_params, N(lens_params), NULL, NULL, 0 },
};

const sph_filter* sph_filter_by_proc(const char* proc) {
    for (int i = 0; i < SPH_FILTER_COUNT; i++)
        if (proc && !strcmp(sph_filters[i].proc, proc)) return &sph_filters[i];
    return NULL;
}

int sph_param_index(const sph_filter* f, const char* name) {
    for (int i = 0; i < f->n_params; i++)
        if (!strcmp(f->params[i].name, name)) return i;
    return -1;
}

int sph_is_registered(const sph_param* p) { return p->kind != SPH_FIXED; }

void sph_defaults(const sph_filter* f, sph_values* out) {
    memset(out, 0, sizeof *out);
    for (int i = 0; i < f->n_params; i++) out->v[i] = f->params[i].def;
}

int sph_validate(const sph_filter* f, const sph_values* v, char* err, size_t err_size) {
    for (int i = 0; i < f->n_params; i++) {
        const sph_param* p = &f->params[i];
        double x = v->v[i];
        if (p->kind == SPH_FILE || p->kind == SPH_FIXED) continue;
        int integral = p->kind != SPH_FLOAT;
        int ok = isfinite(x) && (!integral || x == floor(x)) &&
                 ((x >= p->min && x <= p->max) || (p->zero_means && x == 0));
        if (!ok) {
            if (p->kind == SPH_CHOICE)
                snprintf(err, err_size, "%s: %g is not one of its %d choices (0 to %d)", p->name, x, p->n_choices, p->n_choices - 1);
            else if (p->zero_means)
                snprintf(err, err_size, "%s must be 0 (%s) or from %g to %g, not %g", p->name, p->zero_means, p->min, p->max, x);
            else
                snprintf(err, err_size, "%s must be from %g to %g, not %g", p->name, p->min, p->max, x);
            return 0;
        }
    }
    return 1;
}

/* The text form is the same in every locale: '.' as the decimal point. (GIMP runs
 * plug-ins in the user's locale, where printf may write "0,5".) */
static void to_c_decimal(char* number) {
    const char* dp = localeconv()->decimal_point;
    size_t dl = strlen(dp);
    if (dl == 0 || !strcmp(dp, ".")) return;
    char* at = strstr(number, dp);
    if (!at) return;
    *at = '.';
    memmove(at + 1, at + dl, strlen(at + dl) + 1);
}

static int parse_c_decimal(const char* text, double* out) {
    char local[96]; char* stop;
    const char* dp = localeconv()->decimal_point;
    const char* dot = strchr(text, '.');
    size_t dl = strlen(dp), tl = strlen(text);
    if (tl + dl >= sizeof local) return 0;
    if (dot && dl > 0 && strcmp(dp, ".")) {
        size_t head = (size_t)(dot - text);
        memcpy(local, text, head); memcpy(local + head, dp, dl); strcpy(local + head + dl, dot + 1);
    } else strcpy(local, text);
    double x = strtod(local, &stop);
    if (stop == local || *stop != '\0') return 0;
    *out = x;
    return 1;
}

size_t sph_values_format(const sph_filter* f, const sph_values* v, char* buf, size_t size) {
    size_t used = 0;
    for (int i = 0; i < f->n_params && used < size; i++) {
        const sph_param* p = &f->params[i];
        int n;
        if (p->kind == SPH_FIXED) continue;
        if (p->kind == SPH_FILE) n = snprintf(buf + used, size - used, "%s=%s\n", p->name, v->text);
        else {
            n = snprintf(buf + used, size - used, "%s=%.17g\n", p->name, v->v[i]);
            if (n > 0 && used + (size_t)n < size) to_c_decimal(buf + used + strlen(p->name) + 1);
        }
        if (n < 0) break;
        used += (size_t)n;
    }
    return used < size ? used : size - 1;
}

void sph_values_parse(const sph_filter* f, const char* text, size_t len, sph_values* v) {
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n' && text[end] != '\0') end++;
        const char* eq = memchr(text + pos, '=', end - pos);
        if (eq) {
            char name[64];
            size_t nlen = (size_t)(eq - (text + pos));
            if (nlen < sizeof name) {
                memcpy(name, text + pos, nlen); name[nlen] = '\0';
                int i = sph_param_index(f, name);
                size_t vlen = end - (size_t)(eq + 1 - text);
                if (i >= 0 && f->params[i].kind == SPH_FILE) {
                    if (vlen >= SPH_TEXT_MAX) vlen = SPH_TEXT_MAX - 1;
                    memcpy(v->text, eq + 1, vlen); v->text[vlen] = '\0';
                } else if (i >= 0 && f->params[i].kind != SPH_FIXED && vlen < 64) {
                    char num[64]; double x;
                    memcpy(num, eq + 1, vlen); num[vlen] = '\0';
                    if (parse_c_decimal(num, &x)) v->v[i] = x;
                }
            }
        }
        pos = end + 1;
    }
}
