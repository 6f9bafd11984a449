/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for everything a VM config file controls: the TOML subset
 * parser and the config loader and validator behind it. Not part of the
 * default build. With libFuzzer (clang), `make fuzz` builds every target
 * against a sanitizer build of the library; then, with a scratch corpus
 * first (libFuzzer writes new inputs into its first directory):
 *
 *   build/fuzz/fuzz_toml -max_len=4096 build/fuzz/corpus-toml tests/data/config
 *
 * Without libFuzzer, add -DFUZZ_STANDALONE (and drop "fuzzer," from
 * -fsanitize) to get a program that runs the target over the files named on
 * its command line, e.g. to replay a crasher.
 *
 * The contract checked: a parse either succeeds with a tree or fails with
 * -AXVM_EPARSE / -AXVM_ENOMEM and a message that starts with the input's
 * name; the loader likewise. Anything else aborts (that is the finding).
 */
#include "config/toml.h"

#include <axvm/config.h>
#include <axvm/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct axvm_config cfg;
	struct toml_node *root = NULL;
	char err[AXVM_CONFIG_ERR_MAX];
	int ret;

	ret = toml_parse((const char *)data, size, "fuzz.toml", &root);
	if (ret == 0) {
		if (!root || root->type != TOML_TABLE)
			abort();
		toml_free(root);
	} else if ((ret != -AXVM_EPARSE && ret != -AXVM_ENOMEM) || root ||
		   strncmp(axvm_error_message(), "fuzz.toml:", 10) != 0) {
		abort();
	}

	ret = axvm_config_parse((const char *)data, size, "fuzz.toml", &cfg, err, sizeof(err));
	if (ret > 0 || (ret < 0 && strncmp(err, "fuzz.toml", 9) != 0))
		abort();
	/* A config that loads must also pass validation on its own. */
	if (ret == 0 && axvm_config_validate(&cfg, err, sizeof(err)) != 0)
		abort();
	return 0;
}

#ifdef FUZZ_STANDALONE
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		static uint8_t buf[1 << 20];
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
#endif
