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
