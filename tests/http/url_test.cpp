#include "engine/http/url.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

using namespace lusifer;

TEST_CASE("URLs are split into scheme, host, port and target", "[url]") {
  const auto u = parse_url("HTTPS://API.Example.com:8443/v1/chat/completions?x=1#frag");
  CHECK(u.scheme == UrlScheme::kHttps);
  CHECK(u.host == "api.example.com");
  CHECK(u.port == 8443);
  CHECK(u.target == "/v1/chat/completions?x=1");
  CHECK(u.host_header() == "api.example.com:8443");
  CHECK(u.origin() == "https://api.example.com:8443");
}

TEST_CASE("default ports and targets are filled in", "[url]") {
  const auto http = parse_url("http://localhost");
  CHECK(http.port == 80);
  CHECK(http.target == "/");
  CHECK(http.has_default_port());
  CHECK(http.host_header() == "localhost");

  const auto https = parse_url("https://example.org?q=a");
  CHECK(https.port == 443);
  CHECK(https.target == "/?q=a");
  CHECK(https.host_header() == "example.org");
}

TEST_CASE("IPv6 literals keep their address and are bracketed in Host", "[url]") {
  const auto u = parse_url("http://[::1]:9000/healthz");
  CHECK(u.host == "::1");
  CHECK(u.is_ipv6_literal());
  CHECK(u.port == 9000);
  CHECK(u.host_header() == "[::1]:9000");
  CHECK(u.origin() == "http://[::1]:9000");
}

TEST_CASE("malformed or unsupported URLs are refused with a reason", "[url]") {
  const char* bad[] = {
      "example.com/path",             // no scheme
      "ftp://example.com/",           // scheme
      "http:///path",                 // empty host
      "http://user:pw@example.com",   // credentials
      "http://example.com:0/",        // port range
      "http://example.com:65536/",    // port range
      "http://example.com:/",         // empty port
      "http://example.com:8a/",       // port digits
      "http://[::1/",                 // unterminated literal
      "http://[zz]/",                 // not an address
      "http://exa mple.com/",         // host characters
      "http://example.com/a b",       // unencoded space
      "http://example.com/\xc3\xa9",  // unencoded non-ASCII
  };
  for (const char* url : bad) {
    INFO(url);
    CHECK_THROWS_AS(parse_url(url), std::invalid_argument);
  }
  CHECK_THROWS_WITH(parse_url("http://u:secret@h/"), Catch::Contains("user information"));
}

TEST_CASE("targets split into path and query", "[url]") {
  auto parts = split_target("/a/b?x=1&y=2");
  CHECK(parts.path == "/a/b");
  CHECK(parts.query == "x=1&y=2");
  parts = split_target("/plain");
  CHECK(parts.path == "/plain");
  CHECK(parts.query.empty());
}

TEST_CASE("percent-decoding handles escapes, plus signs and stray percents", "[url]") {
  CHECK(percent_decode("a%20b%2Fc", false) == "a b/c");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("100%", false) == "100%");
  CHECK(percent_decode("%zz%4", false) == "%zz%4");
}

TEST_CASE("query parameters are found and decoded", "[url]") {
  const std::string_view q = "user=42&name=Ann+Lee&flag&e=%3D";
  CHECK(find_query_parameter(q, "user") == "42");
  CHECK(find_query_parameter(q, "name") == "Ann Lee");
  CHECK(find_query_parameter(q, "flag") == "");
  CHECK(find_query_parameter(q, "e") == "=");
  CHECK_FALSE(find_query_parameter(q, "missing").has_value());
  CHECK_FALSE(find_query_parameter("", "x").has_value());
}
