/*
 * table-dump.c - the filter table (filters.c) for whoever is not C:
 *   starplugin-table json        the table as JSON (the tests hold the G'MIC command
 *                                file and the command line's defaults against it)
 *   starplugin-table help DIR    GIMP help pages: DIR/en/gimp-help.xml and one page
 *                                per procedure (packaging/install.sh puts them beside
 *                                the plug-in, which registers DIR as its help domain)
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include "filters.h"

static void json_string(FILE* out, const char* s) {
    if (!s) { fputs("null", out); return; }
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

static const char* kind_name(sph_kind k) {
    switch (k) {
    case SPH_CHOICE: return "choice";
    case SPH_BOOL: return "bool";
    case SPH_INT: return "int";
    case SPH_FLOAT: return "float";
    case SPH_FILE: return "file";
    default: return "fixed";
    }
}

static void dump_json(FILE* out) {
    fputs("{\"menu_path\":", out); json_string(out, sph_menu_path);
    fputs(",\"image_types\":", out); json_string(out, sph_image_types);
    fputs(",\"help_domain\":", out); json_string(out, sph_help_domain);
    fputs(",\"filters\":[", out);
    for (int i = 0; i < SPH_FILTER_COUNT; i++) {
        const sph_filter* f = &sph_filters[i];
        fprintf(out, "%s{\"proc\":", i ? "," : ""); json_string(out, f->proc);
        fputs(",\"menu_label\":", out); json_string(out, f->menu_label);
        fputs(",\"title\":", out); json_string(out, f->title);
        fputs(",\"blurb\":", out); json_string(out, f->blurb);
        fputs(",\"help\":", out); json_string(out, f->help);
        fputs(",\"cli_command\":", out); json_string(out, f->cli_command);
        fputs(",\"gmic_command\":", out); json_string(out, f->gmic_command);
        fputs(",\"result_name\":", out); json_string(out, f->result_name);
        fprintf(out, ",\"preview\":%s,\"params\":[", f->preview ? "true" : "false");
        for (int k = 0; k < f->n_params; k++) {
            const sph_param* p = &f->params[k];
            fprintf(out, "%s{\"name\":", k ? "," : ""); json_string(out, p->name);
            fputs(",\"label\":", out); json_string(out, p->label);
            fputs(",\"tooltip\":", out); json_string(out, p->tooltip);
            fprintf(out, ",\"kind\":\"%s\",\"default\":%.17g,\"min\":%.17g,\"max\":%.17g,\"step\":%.17g,\"digits\":%d",
                    kind_name(p->kind), p->def, p->min, p->max, p->step, p->digits);
            fputs(",\"zero_means\":", out); json_string(out, p->zero_means);
            fputs(",\"cli\":", out); json_string(out, p->cli);
            fprintf(out, ",\"cli_negated\":%s,\"gmic_arg\":%d,\"choices\":[", p->cli_negated ? "true" : "false", p->gmic_arg);
            for (int c = 0; c < p->n_choices; c++) {
                fprintf(out, "%s{\"word\":", c ? "," : ""); json_string(out, p->choices[c].word);
                fputs(",\"label\":", out); json_string(out, p->choices[c].label);
                fputc('}', out);
            }
            fputs("]}", out);
        }
        fputs("]}", out);
    }
    fputs("]}\n", out);
}

static void html_text(FILE* out, const char* s) {
    for (; s && *s; s++) {
        if (*s == '<') fputs("&lt;", out);
        else if (*s == '>') fputs("&gt;", out);
        else if (*s == '&') fputs("&amp;", out);
        else if (*s == '_') continue; /* mnemonics */
        else fputc(*s, out);
    }
}

static const char* page_name(const sph_filter* f) { return f->proc + strlen("plug-in-starplugin-"); }

static int write_help(const char* dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/en", dir);
    if (mkdir(dir, 0755) && errno != EEXIST) { perror(dir); return 1; }
    if (mkdir(path, 0755) && errno != EEXIST) { perror(path); return 1; }
    snprintf(path, sizeof path, "%s/en/gimp-help.xml", dir);
    FILE* map = fopen(path, "w");
    if (!map) { perror(path); return 1; }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gimp-help>\n", map);
    for (int i = 0; i < SPH_FILTER_COUNT; i++) {
        const sph_filter* f = &sph_filters[i];
        fprintf(map, "  <item id=\"%s\" ref=\"%s.html\"/>\n", f->proc, page_name(f));
        snprintf(path, sizeof path, "%s/en/%s.html", dir, page_name(f));
        FILE* page = fopen(path, "w");
        if (!page) { perror(path); fclose(map); return 1; }
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", page);
        html_text(page, f->title);
        fputs(" - StarPlugin</title></head>\n<body>\n<h1>", page);
        html_text(page, f->title);
        fputs("</h1>\n<p><i>Filters &gt; Astronomy &gt; ", page);
        html_text(page, f->title);
        fputs("</i></p>\n<p>", page);
        for (const char* s = f->help; *s; s++) {
            if (s[0] == '\n' && s[1] == '\n') { fputs("</p>\n<p>", page); s++; }
            else { char c[2] = { *s, 0 }; html_text(page, c); }
        }
        fputs("</p>\n<h2>Settings</h2>\n<dl>\n", page);
        for (int k = 0; k < f->n_params; k++) {
            const sph_param* p = &f->params[k];
            if (!sph_is_registered(p)) continue;
            fputs("<dt>", page); html_text(page, p->label); fputs("</dt>\n<dd>", page);
            html_text(page, p->tooltip);
            if (p->kind == SPH_CHOICE) {
                fputs("<ul>", page);
                for (int c = 0; c < p->n_choices; c++) { fputs("<li>", page); html_text(page, p->choices[c].label); fputs("</li>", page); }
                fputs("</ul>", page);
            }
            fputs("</dd>\n", page);
        }
        fputs("</dl>\n<p>Scripts: the procedure <code>", page);
        html_text(page, f->proc);
        fputs("</code> takes the same settings in this order (see Help &gt; Procedure Browser).</p>\n</body></html>\n", page);
        fclose(page);
    }
    fputs("</gimp-help>\n", map);
    return fclose(map) ? 1 : 0;
}

int main(int argc, char** argv) {
    if (argc == 2 && !strcmp(argv[1], "json")) { dump_json(stdout); return 0; }
    if (argc == 3 && !strcmp(argv[1], "help")) return write_help(argv[2]);
    fprintf(stderr, "usage: %s json | help DIR\n", argv[0]);
    return 1;
}
