#include "engine/core/logging.hpp"

#include <fmt/chrono.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <vector>

#include "engine/core/json_writer.hpp"

namespace lusifer {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

struct SecretRegistry {
  std::shared_mutex mutex;
  std::vector<std::string> secrets;
};

SecretRegistry& registry() {
  static SecretRegistry r;
  return r;
}

void scrub(std::string& text) {
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  for (const auto& secret : r.secrets) {
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
}

// One JSON object per line: {"time":..., "level":..., "logger":..., "thread":..., "message":...}.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(msg.payload.size() + 96);
    const auto since_epoch = msg.time.time_since_epoch();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
    JsonWriter json(line);
    json.begin_object()
        .field("time", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z",
                                   fmt::gmtime(std::chrono::system_clock::to_time_t(msg.time)),
                                   millis % 1000))
        .field("level", std::string_view(spdlog::level::to_string_view(msg.level).data(),
                                         spdlog::level::to_string_view(msg.level).size()))
        .field("logger", std::string_view(msg.logger_name.data(), msg.logger_name.size()))
        .field("thread", static_cast<std::uint64_t>(msg.thread_id))
        .field("message", std::string_view(msg.payload.data(), msg.payload.size()))
        .end_object();
    scrub(line);
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

// Formats with an spdlog pattern, then scrubs secrets from the result.
class RedactingPatternFormatter final : public spdlog::formatter {
 public:
  explicit RedactingPatternFormatter(std::string pattern)
      : pattern_(std::move(pattern)), inner_(pattern_) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t formatted;
    inner_.format(msg, formatted);
    std::string line(formatted.data(), formatted.size());
    scrub(line);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingPatternFormatter>(pattern_);
  }

 private:
  std::string pattern_;
  spdlog::pattern_formatter inner_;
};

}  // namespace

LogFormat parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  throw std::invalid_argument(fmt::format("unknown log format '{}' (expected text or json)", name));
}

int parse_log_level(std::string_view name) {
  static constexpr std::string_view kNames[] = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (name == kNames[i]) return static_cast<int>(i);
  }
  throw std::invalid_argument(fmt::format(
      "unknown log level '{}' (expected trace, debug, info, warn, error, critical or off)", name));
}

void configure_logging(std::string_view level, LogFormat format) {
  const auto lvl = static_cast<spdlog::level::level_enum>(parse_log_level(level));
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (format == LogFormat::kJson) {
    sink->set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    sink->set_formatter(std::make_unique<RedactingPatternFormatter>("[%H:%M:%S.%e] [%l] %v"));
  }
  auto logger = std::make_shared<spdlog::logger>("lusifer", std::move(sink));
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void redact_in_logs(std::string secret) {
  if (secret.size() < 8) return;
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  if (std::find(r.secrets.begin(), r.secrets.end(), secret) == r.secrets.end()) {
    r.secrets.push_back(std::move(secret));
  }
}

std::string redact_secrets(std::string text) {
  scrub(text);
  return text;
}

}  // namespace lusifer
