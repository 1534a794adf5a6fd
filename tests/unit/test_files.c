/* test_files - see test_files.h. */
#include "test_files.h"

#include <CUnit/Basic.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strbuf.h"

char *make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf p;

	strbuf_init(&p, 4096);
	strbuf_printf(&p, "%s/arstat-test.XXXXXX", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(p.data));
	return p.data;
}

void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	rmdir(dir);
}

char *slurp(const char *path, size_t *len)
{
	struct strbuf sb;
	char buf[4096];
	FILE *fp = fopen(path, "rb");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	strbuf_init(&sb, 1 << 26);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_append(&sb, buf, n);
	fclose(fp);
	*len = sb.len;
	if (sb.data == NULL)
		strbuf_append(&sb, "", 0);
	return sb.data;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

unsigned char *golden_hex(const char *name, size_t *len)
{
	const char *src = getenv("ARSTAT_SOURCE_DIR");
	struct strbuf path;
	char *text, *line;
	unsigned char *bytes;
	size_t tlen, n, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	strbuf_init(&path, 4096);
	strbuf_printf(&path, "%s/tests/unit/golden/%s", src, name);
	text = slurp(path.data, &tlen);
	strbuf_release(&path);
	/* Past the comment lines. */
	for (line = text; *line == '#';) {
		char *nl = strchr(line, '\n');

		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		line = nl + 1;
	}
	n = strcspn(line, "\r\n");
	CU_ASSERT_FATAL(n > 0 && n % 2 == 0);
	bytes = malloc(n / 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
	for (i = 0; i < n; i += 2) {
		int hi = hex_digit(line[i]), lo = hex_digit(line[i + 1]);

		CU_ASSERT_FATAL(hi >= 0 && lo >= 0);
		bytes[i / 2] = (unsigned char)(hi * 16 + lo);
	}
	free(text);
	*len = n / 2;
	return bytes;
}
