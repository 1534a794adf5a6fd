#include "kafka_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "secret.h"

/* librdkafka 2.0's properties (CONFIGURATION.md) that hold a password or a
 * private key. */
static const char *const kafka_conf_secrets[] = {
	"sasl.password",
	"ssl.key.password",
	"ssl.key.pem",
	"ssl.keystore.password",
	"sasl.oauthbearer.client.secret",
	NULL,
};

int kafka_conf_secret(const char *name)
{
	size_t i;

	for (i = 0; kafka_conf_secrets[i] != NULL; i++) {
		if (strcmp(name, kafka_conf_secrets[i]) == 0)
			return 1;
	}
	return 0;
}

rd_kafka_conf_t *kafka_conf_new(const char *const *defaults, const struct cfg_kvlist *props,
                                const struct cfg_kvlist *files, struct strbuf *err)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	struct strbuf secret;
	rd_kafka_conf_res_t res;
	size_t i;

	/* A cap past the longest secret: the buffer never grows (a realloc
	 * would leave a copy behind), and is wiped after each use. */
	strbuf_init(&secret, SECRET_MAX + 1);
	for (i = 0; defaults != NULL && defaults[i] != NULL; i += 2) {
		if (rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], errstr, sizeof(errstr)) !=
		    RD_KAFKA_CONF_OK) {
			strbuf_printf(err, "kafka.%s: %s", defaults[i], errstr);
			goto fail;
		}
	}
	for (i = 0; props != NULL && i < props->n; i++) {
		if (kafka_conf_secret(props->items[i].name)) {
			strbuf_printf(err, "kafka.%s: a secret is not taken from the configuration or the "
			              "command line; put it in a file only its owner can read and set "
			              "kafka_file.%s = PATH", props->items[i].name, props->items[i].name);
			goto fail;
		}
		if (rd_kafka_conf_set(conf, props->items[i].name, props->items[i].value, errstr,
		                      sizeof(errstr)) != RD_KAFKA_CONF_OK) {
			strbuf_printf(err, "kafka.%s: %s", props->items[i].name, errstr);
			goto fail;
		}
	}
	for (i = 0; files != NULL && i < files->n; i++) {
		size_t at = err->len;

		strbuf_printf(err, "kafka_file.%s: ", files->items[i].name);
		if (secret_read(files->items[i].value, &secret, err) < 0)
			goto fail;
		strbuf_truncate(err, at);
		res = rd_kafka_conf_set(conf, files->items[i].name, secret.data, errstr, sizeof(errstr));
		secret_wipe(&secret);
		strbuf_init(&secret, SECRET_MAX + 1);
		/* librdkafka's reason names the property, not its value. */
		if (res != RD_KAFKA_CONF_OK) {
			strbuf_printf(err, "kafka_file.%s: %s", files->items[i].name, errstr);
			goto fail;
		}
	}
	secret_wipe(&secret);
	return conf;
fail:
	secret_wipe(&secret);
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int kafka_conf_check(const struct cfg_kvlist *props, const struct cfg_kvlist *files,
                     struct strbuf *err)
{
	rd_kafka_conf_t *conf = kafka_conf_new(NULL, props, files, err);

	if (conf == NULL)
		return -1;
	rd_kafka_conf_destroy(conf);
	return 0;
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
