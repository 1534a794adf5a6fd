/*
 * template - gnuplot script templates (the .gp files in plot/templates)
 * and their filling.
 *
 * The templates are compiled into the program (plot/EmbedTemplates.cmake)
 * rather than read from a data directory at run time: a gnuplot script can
 * run commands, so a template directory would be one more place whose
 * writers can run code as whoever draws the charts, and one more path to
 * get right when installing. Changing a template means rebuilding, which
 * CMake does on its own since the generated file depends on the templates.
 *
 * A placeholder is {{NAME}} (capitals, digits, underscores). Its value is
 * pasted as is: the caller makes it valid gnuplot text, and anything from
 * input must have gone through gnuplot_quote().
 */
#ifndef ARSTAT_TEMPLATE_H
#define ARSTAT_TEMPLATE_H

#include <stddef.h>

#include "strbuf.h"

struct template_file {
	const char *name; /* file name without .gp */
	const char *text; /* NUL-terminated */
};

/* The embedded templates; generated. Use template_get(). */
extern const struct template_file template_files[];
extern const size_t template_file_count;

struct template_var {
	const char *name;
	const char *value;
};

/* The text of template `name`, or NULL if there is none. */
const char *template_get(const char *name);

/*
 * Append text to out with every {{NAME}} replaced by its value from vars.
 * Returns 0, or -1 with the reason in err: a placeholder without a value,
 * a value that no placeholder uses (both mean template and code disagree),
 * an unclosed "{{", or out's cap reached.
 */
int template_render(const char *text, const struct template_var *vars, size_t nvars,
                    struct strbuf *out, struct strbuf *err);

#endif
