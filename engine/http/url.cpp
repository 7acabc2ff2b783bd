#include "engine/http/url.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/core/input_error.hpp"
#include "engine/http/http_headers.hpp"

namespace lusifer {
namespace {

[[noreturn]] void fail(std::string_view url, std::string_view problem) {
  throw std::invalid_argument(fmt::format("invalid URL {}: {}", quote_excerpt(url, 200), problem));
}

bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool is_ipv6_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view scheme_name(UrlScheme scheme) noexcept {
  return scheme == UrlScheme::kHttps ? "https" : "http";
}

bool Url::is_ipv6_literal() const noexcept {
  return host.find(':') != std::string::npos;
}

bool Url::has_default_port() const noexcept {
  return port == (scheme == UrlScheme::kHttps ? 443 : 80);
}

std::string Url::host_header() const {
  std::string out = is_ipv6_literal() ? "[" + host + "]" : host;
  if (!has_default_port()) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string Url::origin() const {
  if (is_ipv6_literal())
    return fmt::format("{}://[{}]:{}", scheme_name(scheme), host, port);
  return fmt::format("{}://{}:{}", scheme_name(scheme), host, port);
}

Url parse_url(std::string_view text) {
  Url url;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos)
    fail(text, "expected scheme://host");
  const auto scheme = text.substr(0, sep);
  if (iequals(scheme, "http")) {
    url.scheme = UrlScheme::kHttp;
    url.port = 80;
  } else if (iequals(scheme, "https")) {
    url.scheme = UrlScheme::kHttps;
    url.port = 443;
  } else {
    fail(text, "the scheme must be http or https");
  }

  std::string_view rest = text.substr(sep + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  if (authority.find('@') != std::string_view::npos) {
    fail(text, "user information (user:password@) is not accepted; pass credentials in headers");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      fail(text, "unterminated IPv6 literal");
    const auto literal = authority.substr(1, close - 1);
    if (literal.empty() || !std::all_of(literal.begin(), literal.end(), is_ipv6_char) ||
        literal.find(':') == std::string_view::npos) {
      fail(text, "malformed IPv6 literal");
    }
    url.host.assign(literal);
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        fail(text, "unexpected characters after the IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty())
        fail(text, "empty port");
    }
  } else {
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    if (host.empty())
      fail(text, "empty host");
    if (!std::all_of(host.begin(), host.end(), is_host_char)) {
      fail(text, "the host may only contain letters, digits, '-', '.' and '_'");
    }
    url.host.assign(host);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty())
        fail(text, "empty port");
    }
  }
  std::transform(url.host.begin(), url.host.end(), url.host.begin(), to_lower);

  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535 || port_text.size() > 5) {
      fail(text, "the port must be a number from 1 to 65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }

  if (const auto hash = tail.find('#'); hash != std::string_view::npos) {
    tail = tail.substr(0, hash);
  }
  for (const char ch : tail) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) {
      fail(text, "the path and query must percent-encode spaces, control and non-ASCII bytes");
    }
  }
  if (tail.empty() || tail.front() == '?') {
    url.target.reserve(tail.size() + 1);
    url.target.assign(1, '/');
    url.target.append(tail.data(), tail.size());
  } else {
    url.target.assign(tail);
  }
  return url;
}

TargetParts split_target(std::string_view target) noexcept {
  const auto q = target.find('?');
  if (q == std::string_view::npos)
    return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> find_query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    const auto key = percent_decode(pair.substr(0, eq), true);
    if (key == name) {
      return eq == std::string_view::npos ? std::string{}
                                          : percent_decode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace lusifer
