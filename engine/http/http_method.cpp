#include "engine/http/http_method.hpp"

#include <array>
#include <utility>

namespace lusifer {
namespace {

constexpr std::array<std::pair<HttpMethod, std::string_view>, 7> kNames = {{
    {HttpMethod::kGet, "GET"},
    {HttpMethod::kHead, "HEAD"},
    {HttpMethod::kPost, "POST"},
    {HttpMethod::kPut, "PUT"},
    {HttpMethod::kDelete, "DELETE"},
    {HttpMethod::kPatch, "PATCH"},
    {HttpMethod::kOptions, "OPTIONS"},
}};

}  // namespace

std::string_view method_name(HttpMethod method) noexcept {
  for (const auto& [m, name] : kNames) {
    if (m == method)
      return name;
  }
  return "GET";
}

std::optional<HttpMethod> parse_method(std::string_view name) noexcept {
  for (const auto& [m, n] : kNames) {
    if (n == name)
      return m;
  }
  return std::nullopt;
}

}  // namespace lusifer
