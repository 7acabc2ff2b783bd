#include <stdexcept>

#include <catch2/catch.hpp>

#include "engine/core/logging.hpp"
#include "engine/http/bearer_token.hpp"
#include "engine/http/http_headers.hpp"
#include "engine/http/http_method.hpp"
#include "engine/http/http_server.hpp"
#include "engine/http/incoming_message.hpp"
#include "engine/http/json_error.hpp"
#include "engine/http/network_address.hpp"

using namespace lusifer;

TEST_CASE("header lookup ignores case and keeps the first value", "[headers]") {
  HttpHeaders h;
  h.add("Content-Type", "application/json");
  h.add("X-Multi", "1");
  h.add("x-multi", "2");
  CHECK(h.find("content-type") == "application/json");
  CHECK(h.find("CONTENT-TYPE") == "application/json");
  CHECK(h.find("x-MULTI") == "1");
  CHECK_FALSE(h.find("missing").has_value());
  CHECK(h.size() == 3);
}

TEST_CASE("set replaces every field of that name, erase removes them", "[headers]") {
  HttpHeaders h;
  h.add("A", "1");
  h.add("b", "2");
  h.add("a", "3");
  h.set("A", "9");
  CHECK(h.size() == 2);
  CHECK(h.find("a") == "9");
  CHECK(h.fields().front().name == "A");
  h.set("new", "x");
  CHECK(h.find("NEW") == "x");
  CHECK(h.erase("B") == 1);
  CHECK_FALSE(h.contains("b"));
}

TEST_CASE("field names and values are validated against header injection", "[headers]") {
  CHECK(is_valid_field_name("X-Request-Id"));
  CHECK_FALSE(is_valid_field_name(""));
  CHECK_FALSE(is_valid_field_name("Bad Name"));
  CHECK_FALSE(is_valid_field_name("Bad:Name"));
  CHECK(is_valid_field_value("text/plain; charset=utf-8\twith tab"));
  CHECK_FALSE(is_valid_field_value("a\r\nInjected: yes"));
  CHECK_FALSE(is_valid_field_value(std::string_view("a\0b", 3)));
  CHECK(iequals("Bearer", "bEARER"));
  CHECK_FALSE(iequals("Bearer", "Bearer "));
}

TEST_CASE("methods round-trip through their names", "[method]") {
  for (auto m : {HttpMethod::kGet, HttpMethod::kHead, HttpMethod::kPost, HttpMethod::kPut,
                 HttpMethod::kDelete, HttpMethod::kPatch, HttpMethod::kOptions}) {
    CHECK(parse_method(method_name(m)) == m);
  }
  CHECK(method_name(HttpMethod::kPost) == "POST");
  CHECK_FALSE(parse_method("get").has_value());
  CHECK_FALSE(parse_method("BREW").has_value());
}

TEST_CASE("JSON error bodies have the OpenAI shape and escape the message", "[json_error]") {
  CHECK(json_error_body("too \"big\"", "request_too_large") ==
        R"({"error":{"message":"too \"big\"","type":"request_too_large"}})");
}

TEST_CASE("bearer tokens are checked exactly", "[auth]") {
  const BearerTokenCheck check("s3cret-token-value");
  CHECK(check.accepts("Bearer s3cret-token-value"));
  CHECK(check.accepts("bearer s3cret-token-value"));
  CHECK_FALSE(check.accepts("Bearer s3cret-token-valuE"));
  CHECK_FALSE(check.accepts("Bearer s3cret-token-value "));
  CHECK_FALSE(check.accepts("Bearer s3cret"));
  CHECK_FALSE(check.accepts("Basic s3cret-token-value"));
  CHECK_FALSE(check.accepts("s3cret-token-value"));
  CHECK_FALSE(check.accepts(""));
  // The token is registered for redaction.
  CHECK(redact_secrets("token s3cret-token-value") == "token [REDACTED]");
}

TEST_CASE("unusable bearer tokens are refused", "[auth]") {
  CHECK_THROWS_AS(BearerTokenCheck(""), std::invalid_argument);
  CHECK_THROWS_AS(BearerTokenCheck("has space"), std::invalid_argument);
  CHECK_THROWS_AS(BearerTokenCheck("line\nbreak"), std::invalid_argument);
}

TEST_CASE("loopback addresses are told apart from the rest", "[address]") {
  CHECK(is_loopback_address("127.0.0.1"));
  CHECK(is_loopback_address("127.1.2.3"));
  CHECK(is_loopback_address("::1"));
  CHECK(is_loopback_address("::ffff:127.0.0.1"));
  CHECK(is_loopback_address("localhost"));
  CHECK_FALSE(is_loopback_address("0.0.0.0"));
  CHECK_FALSE(is_loopback_address("::"));
  CHECK_FALSE(is_loopback_address("192.168.1.10"));
  CHECK_FALSE(is_loopback_address("128.0.0.1"));
  CHECK_FALSE(is_loopback_address("::ffff:10.0.0.1"));
  CHECK_FALSE(is_loopback_address("not an address"));
  CHECK_FALSE(is_loopback_address(""));
}

TEST_CASE("an empty responder refuses every completion", "[responder]") {
  const Responder empty;
  CHECK(empty.completed());
  CHECK_FALSE(empty.respond(HttpResponse::json_error(500, "x", "y")));
  CHECK_FALSE(empty.hang());
  CHECK_FALSE(empty.send_raw_and_close("raw"));
}

TEST_CASE("json_error responses carry status, type and JSON content type", "[responder]") {
  const auto r = HttpResponse::json_error(413, "too big", "request_too_large");
  CHECK(r.status == 413);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":{"message":"too big","type":"request_too_large"}})");
}

TEST_CASE("an incoming message refuses a declared body over its limit before reserving it",
          "[message]") {
  IncomingMessage over(100, 4);
  CHECK_FALSE(over.start_body(std::uint64_t{101}));
  CHECK(over.body().capacity() < 101);

  IncomingMessage within(100, 4);
  REQUIRE(within.start_body(std::uint64_t{100}));
  CHECK(within.body().capacity() >= 100);
  within.append_body("abc");
  within.append_body("de");
  CHECK(within.body() == "abcde");

  // No declared length (chunked, or until the connection closes): the
  // parser's running limit applies instead.
  IncomingMessage unknown(100, 4);
  CHECK(unknown.start_body(std::nullopt));

  IncomingMessage fields(100, 4);
  fields.add_field("Content-Type", "application/json");
  fields.add_field("x-multi", "1");
  fields.add_field("X-Multi", "2");
  REQUIRE(fields.headers().size() == 3);
  CHECK(fields.headers().fields()[0].name == "Content-Type");
  CHECK(fields.headers().find("x-multi") == "1");
}
