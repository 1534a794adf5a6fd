#include "kafka_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"

rd_kafka_conf_t *kafka_conf_new(const char *const *defaults, const struct cfg_kvlist *props,
                                struct strbuf *err)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	size_t i;

	for (i = 0; defaults != NULL && defaults[i] != NULL; i += 2) {
		if (rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], errstr, sizeof(errstr)) !=
		    RD_KAFKA_CONF_OK) {
			strbuf_printf(err, "kafka.%s: %s", defaults[i], errstr);
			goto fail;
		}
	}
	for (i = 0; props != NULL && i < props->n; i++) {
		if (rd_kafka_conf_set(conf, props->items[i].name, props->items[i].value, errstr,
		                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
			strbuf_printf(err, "kafka.%s: %s", props->items[i].name, errstr);
			goto fail;
		}
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int kafka_read_bootstrap_file(const char *path, char **out, struct strbuf *err)
{
	char line[4096];
	size_t len;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		strbuf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), fp) == NULL) {
		strbuf_printf(err, "%s: empty", path);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (len == 0) {
		strbuf_printf(err, "%s: empty first line", path);
		return -1;
	}
	*out = xstrdup(line);
	return 0;
}
