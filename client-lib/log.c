#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-private.h"

static void log_stderr(enum iosurface_log_level level, const char *message) {
	// Not stdio: a standard error whose reader is gone must not raise SIGPIPE.
	char line[560];
	int len = snprintf(line, sizeof(line), "libiosurface: %s\n", message);
	if (len > 0) {
		ios_write_nosignal(STDERR_FILENO, line,
				(size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
	}
}

static enum iosurface_log_level log_level = IOSURFACE_LOG_SILENT;
static iosurface_log_func_t log_handler = log_stderr;
static bool log_configured;

static enum iosurface_log_level level_from_env(void) {
	const char *env = getenv("IOSURFACE_LOG_LEVEL");
	if (env == NULL || env[0] == '\0') {
		// Refusals are worth a line by default: a caller of IOSurface's void setters or of
		// a creation that returns NULL has no other way to learn why.
		return IOSURFACE_LOG_WARNING;
	}
	static const char *const names[] = { "silent", "error", "warning", "info", "debug" };
	for (int i = 0; i < 5; i++) {
		if (strcmp(env, names[i]) == 0) {
			return (enum iosurface_log_level)i;
		}
	}
	int n = atoi(env);
	return n < 0 ? IOSURFACE_LOG_SILENT : n > IOSURFACE_LOG_DEBUG ? IOSURFACE_LOG_DEBUG : n;
}

IOSURFACE_EXPORT void iosurface_set_log_handler(enum iosurface_log_level level,
		iosurface_log_func_t handler) {
	log_level = level;
	log_handler = handler != NULL ? handler : log_stderr;
	log_configured = true;
}

void ios_log(enum iosurface_log_level level, const char *fmt, ...) {
	// Reading the environment once is racy only in the benign sense: both threads agree.
	if (!log_configured) {
		log_level = level_from_env();
		log_configured = true;
	}
	if (level == IOSURFACE_LOG_SILENT || level > log_level) {
		return;
	}
	char message[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	log_handler(level, message);
}
