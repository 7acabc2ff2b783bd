#pragma once

// The HTTP request methods lusifer speaks. A closed set: the server answers
// any other method with 501 before a handler sees it, and the client can only
// send these.

#include <optional>
#include <string_view>

namespace lusifer {

enum class HttpMethod { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions };

// "GET", "POST", ...
std::string_view method_name(HttpMethod method) noexcept;

// The method named exactly `name` (methods are case-sensitive, RFC 9110), or
// nullopt.
std::optional<HttpMethod> parse_method(std::string_view name) noexcept;

}  // namespace lusifer
