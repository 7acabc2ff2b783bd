#pragma once

// Absolute http:// and https:// URLs, split into what a connection needs
// (scheme, host, port) and what the request line carries (path and query).
//
// Deliberately strict: user information ("user:pass@host") is refused so that
// credentials never sit in a URL that ends up in logs, and bytes that must be
// percent-encoded (spaces, controls, non-ASCII) are refused rather than
// guessed at. Errors are std::invalid_argument with a message naming the
// problem. All functions are pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lusifer {

enum class UrlScheme { kHttp, kHttps };

struct Url {
  UrlScheme scheme = UrlScheme::kHttp;
  std::string host;  // lower-case; an IPv6 literal without its brackets
  std::uint16_t port = 80;
  std::string target = "/";  // path and query; never empty; the fragment is dropped

  bool is_ipv6_literal() const noexcept;
  bool has_default_port() const noexcept;
  // The Host header: host (bracketed if IPv6), with ":port" unless default.
  std::string host_header() const;
  // "scheme://host:port", identical for URLs that can share a connection.
  std::string origin() const;
};

std::string_view scheme_name(UrlScheme scheme) noexcept;

// Throws std::invalid_argument when `text` is not an absolute http(s) URL.
Url parse_url(std::string_view text);

// Splits a request target ("/a/b?x=1") at the first '?'.
struct TargetParts {
  std::string_view path;
  std::string_view query;  // without the '?'; empty when absent
};
TargetParts split_target(std::string_view target) noexcept;

// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in query
// strings). A '%' not followed by two hex digits is kept literally.
std::string percent_decode(std::string_view text, bool plus_is_space);

// The decoded value of the first `name` parameter in a query string
// ("a=1&b=2"); a parameter without '=' has an empty value. nullopt if absent.
std::optional<std::string> find_query_parameter(std::string_view query, std::string_view name);

}  // namespace lusifer
