#include "input.h"

#include <string.h>

/* The formats an input may name; one file per format. */
static const struct {
	const char *name;
	input_parse_fn parse;
} input_formats[] = {
	{ "postfix", input_postfix_parse },
};

input_parse_fn input_format_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(input_formats) / sizeof(input_formats[0]); i++) {
		if (strcmp(input_formats[i].name, name) == 0)
			return input_formats[i].parse;
	}
	return NULL;
}
