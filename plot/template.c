#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

const char *template_get(const char *name)
{
	size_t i;

	for (i = 0; i < template_file_count; i++) {
		if (strcmp(template_files[i].name, name) == 0)
			return template_files[i].text;
	}
	return NULL;
}

static int template_is_name_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

int template_render(const char *text, const struct template_var *vars, size_t nvars,
                    struct strbuf *out, struct strbuf *err)
{
	unsigned char *used = xcalloc(nvars ? nvars : 1, 1);
	const char *p = text;
	size_t i;
	int rc = -1, full = 0;

	for (;;) {
		const char *open = strstr(p, "{{");
		const char *name, *close;
		size_t len;

		if (open == NULL) {
			full = strbuf_append_str(out, p) < 0;
			break;
		}
		if (strbuf_append(out, p, (size_t)(open - p)) < 0) {
			full = 1;
			goto out;
		}
		name = open + 2;
		for (close = name; template_is_name_char(*close); close++)
			;
		len = (size_t)(close - name);
		if (len == 0 || strncmp(close, "}}", 2) != 0) {
			strbuf_printf(err, "template: \"{{\" not followed by NAME}} at byte %zu",
			              (size_t)(open - text));
			goto out;
		}
		for (i = 0; i < nvars; i++) {
			if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
				break;
		}
		if (i == nvars) {
			strbuf_printf(err, "template: no value for {{%.*s}}", (int)len, name);
			goto out;
		}
		used[i] = 1;
		if (strbuf_append_str(out, vars[i].value) < 0) {
			full = 1;
			goto out;
		}
		p = close + 2;
	}
	if (full)
		goto out;
	for (i = 0; i < nvars; i++) {
		if (!used[i]) {
			strbuf_printf(err, "template: {{%s}} is not used", vars[i].name);
			goto out;
		}
	}
	rc = 0;
out:
	/* The cap is generous; reaching it means a chart got out of hand. */
	if (full)
		strbuf_printf(err, "template: script larger than %zu bytes", out->cap);
	free(used);
	return rc;
}
