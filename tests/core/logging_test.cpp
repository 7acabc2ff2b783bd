#include <catch2/catch.hpp>

#include "engine/core/logging.hpp"

using namespace lusifer;

TEST_CASE("registered secrets are scrubbed from text", "[logging]") {
  redact_in_logs("sk-test-0123456789abcdef");
  CHECK(redact_secrets("Authorization: Bearer sk-test-0123456789abcdef (twice: sk-test-0123456789abcdef)") ==
        "Authorization: Bearer [REDACTED] (twice: [REDACTED])");
}

TEST_CASE("short strings are not treated as secrets", "[logging]") {
  redact_in_logs("abc");
  CHECK(redact_secrets("abc def") == "abc def");
}

TEST_CASE("log level and format names are checked", "[logging]") {
  CHECK(parse_log_level("warn") == 3);
  CHECK_THROWS_AS(parse_log_level("loud"), std::invalid_argument);
  CHECK(parse_log_format("json") == LogFormat::kJson);
  CHECK_THROWS_AS(parse_log_format("xml"), std::invalid_argument);
}
