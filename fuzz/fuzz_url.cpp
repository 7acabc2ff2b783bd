// Fuzzes URL handling: base URLs from configs (parse_url) and the request
// targets and query strings that clients send to lusifer's servers
// (split_target, percent_decode, find_query_parameter).
//
// The whole input is the text. parse_url may refuse it with
// std::invalid_argument, as url.hpp documents; anything else it throws, and
// any crash, is a bug. An accepted URL must keep the header's promises (a
// lower-case host, a target that is never empty) and read back from its own
// origin() and target.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engine/http/url.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;

void fuzz_parse_url(std::string_view text) {
  Url url;
  try {
    url = parse_url(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  LUSIFER_FUZZ_CHECK(!url.host.empty(), "an accepted URL has a host");
  for (const char c : url.host)
    LUSIFER_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "the host is lower-case");
  LUSIFER_FUZZ_CHECK(!url.target.empty(), "the target is never empty");
  LUSIFER_FUZZ_CHECK(url.target.find('#') == std::string::npos, "the fragment is dropped");
  (void)url.host_header();

  if (url.target.front() == '/') {
    Url again;
    try {
      again = parse_url(url.origin() + url.target);
    } catch (const std::invalid_argument& e) {
      LUSIFER_FUZZ_CHECK(false,
                         std::string("a URL reads back from its origin and target: ") + e.what());
    }
    LUSIFER_FUZZ_CHECK(again.scheme == url.scheme && again.host == url.host &&
                           again.port == url.port && again.target == url.target,
                       "a URL reads back from its origin and target unchanged");
  }
}

void fuzz_target(std::string_view target) {
  const TargetParts parts = split_target(target);
  LUSIFER_FUZZ_CHECK(parts.path.size() + parts.query.size() <= target.size(),
                     "a target's parts are parts of it");
  for (const bool plus : {false, true}) {
    LUSIFER_FUZZ_CHECK(percent_decode(target, plus).size() <= target.size(),
                       "percent-decoding never lengthens text");
  }
  for (const std::string_view name : {"a", "user", "", "x y"}) {
    const auto value = find_query_parameter(parts.query, name);
    LUSIFER_FUZZ_CHECK(!value || value->size() <= parts.query.size(),
                       "a query parameter's value comes from the query");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz_parse_url(text);
  fuzz_target(text);
  return 0;
}
