/*
 * filters.h - the one description of StarPlugin's filters that every host shares:
 * procedure names, menu labels, help, and each parameter's type, default, range,
 * words and tooltip. The GIMP 2.10 and GIMP 3 shims register their procedures and
 * build their dialogs by walking this table, so they cannot drift apart; tests hold
 * the G'MIC command file and the command line's defaults against it
 * (tests/StarPlugin.Tests/Hosts/FilterTableTests.cs, through table-dump.c).
 *
 * Plain C: no GIMP, GLib or libstarplugin here.
 */
#ifndef STARPLUGIN_HOSTS_FILTERS_H
#define STARPLUGIN_HOSTS_FILTERS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPH_MAX_PARAMS 12
#define SPH_TEXT_MAX 1024

typedef enum sph_kind {
    SPH_CHOICE, /* an index into choices; the PDB carries the index */
    SPH_BOOL,   /* 0 or 1 */
    SPH_INT,
    SPH_FLOAT,
    SPH_FILE,   /* a path to write, "" = none (one per filter at most) */
    SPH_FIXED   /* not shown or registered: a constant the shims pass, kept here so the
                   tests can hold it against the command line's default */
} sph_kind;

typedef struct sph_choice {
    const char* word;   /* the command line's word for it (--stretch auto) */
    const char* label;  /* what the combo box shows */
} sph_choice;

typedef struct sph_param {
    const char* name;      /* PDB / GimpProcedureConfig name */
    const char* label;     /* dialog label, with a mnemonic */
    const char* tooltip;   /* in words an astrophotographer uses */
    sph_kind kind;
    double def, min, max;  /* CHOICE: index (min 0, max n-1); BOOL: 0/1 */
    double step;           /* slider step */
    int digits;            /* decimals shown */
    const char* zero_means; /* INT only: 0 is also accepted and means this ("Model's choice") */
    const sph_choice* choices;
    int n_choices;
    const char* cli;       /* the command-line option with the same meaning, NULL if none */
    int cli_negated;       /* BOOL whose option turns it off (--no-cleanup) */
    int gmic_arg;          /* 1-based position among the G'MIC command's arguments, 0 = none */
} sph_param;

typedef enum sph_filter_id { SPH_REMOVE, SPH_REDUCE, SPH_MASK, SPH_DETECT, SPH_LENS, SPH_FILTER_COUNT } sph_filter_id;

typedef struct sph_filter {
    sph_filter_id id;
    const char* proc;        /* PDB procedure name (also its help id) */
    const char* menu_label;  /* with mnemonic and "..." */
    const char* title;       /* dialog title */
    const char* blurb;       /* one line: the menu tooltip */
    const char* help;        /* paragraphs for the PDB browser and the help page */
    const char* cli_command; /* starplugin COMMAND */
    const char* gmic_command;
    const sph_param* params;
    int n_params;            /* including SPH_FIXED ones */
    const char* result_name; /* a value the procedure returns (INT32), NULL if none */
    const char* result_blurb;
    int preview;             /* the dialog shows a live preview */
} sph_filter;

typedef struct sph_values {
    double v[SPH_MAX_PARAMS];  /* by parameter index */
    char text[SPH_TEXT_MAX];   /* the SPH_FILE parameter's value */
} sph_values;

extern const char* const sph_menu_path;      /* "<Image>/Filters/Astronomy" */
extern const char* const sph_image_types;    /* what the procedures accept */
extern const char* const sph_help_domain;    /* GIMP help domain name */
extern const sph_filter sph_filters[SPH_FILTER_COUNT];

const sph_filter* sph_filter_by_proc(const char* proc); /* NULL if unknown */
int sph_param_index(const sph_filter* f, const char* name); /* -1 if unknown */
int sph_is_registered(const sph_param* p); /* shown and carried by the PDB (not SPH_FIXED) */

void sph_defaults(const sph_filter* f, sph_values* out);
/* Checks every value against the table. Returns 1 if all are valid; else 0 with a
 * message naming the parameter and its range in err. */
int sph_validate(const sph_filter* f, const sph_values* v, char* err, size_t err_size);

/* Last values as text, "name=value" lines: readable, and tolerant of a table that
 * grows (unknown names are ignored, missing ones keep their defaults). */
size_t sph_values_format(const sph_filter* f, const sph_values* v, char* buf, size_t size);
void   sph_values_parse(const sph_filter* f, const char* text, size_t len, sph_values* v);

#ifdef __cplusplus
}
#endif
#endif
