#pragma once

// Process-wide logging through spdlog, as text for people or as one JSON
// object per line for log collectors.
//
// Secrets (API keys, bearer tokens) are registered with `redact_in_logs`
// before they are used; every log line is scrubbed of them after formatting,
// so a key can never reach a log even when it is part of a URL or an echoed
// server error.

#include <string>
#include <string_view>

namespace lusifer {

enum class LogFormat { kText, kJson };

// Parses "text" or "json"; throws std::invalid_argument otherwise.
LogFormat parse_log_format(std::string_view name);

// Parses trace, debug, info, warn, error, critical or off; throws
// std::invalid_argument otherwise.
int parse_log_level(std::string_view name);

// Replaces the default logger with one writing to stderr in `format`.
void configure_logging(std::string_view level, LogFormat format);

// Adds `secret` to the strings scrubbed from every log line. Empty strings
// and strings shorter than 8 bytes are ignored: they are not keys, and
// scrubbing them would mangle ordinary text.
void redact_in_logs(std::string secret);

// Replaces every registered secret in `text` by "[REDACTED]".
std::string redact_secrets(std::string text);

}  // namespace lusifer
