// Fuzzes what the environment server reads from clients (docs/env-api.md):
// the JSON bodies of create, reset, step and close, the catalog's request
// target and query, the session id in a path and the Authorization header.
//
// Input: byte 0 % 6 picks what the rest is:
//   0  a create body      (parse_create_request)
//   1  a reset body       (parse_reset_request)
//   2  a step body        (parse_step_request, then check_step_actions against
//                          a session described by bytes 1 and 2: bits 0-2 of
//                          byte 1 are the users - 1, bits 3-4 the slate size
//                          - 1, byte 2 which users are done)
//   3  a close body       (parse_close_request)
//   4  a request target   (split_target, parse_catalog_query and, when the
//                          query is accepted, render_catalog_page)
//   5  a header value     (BearerTokenCheck::accepts, is_valid_env_id)
// Beyond not crashing, the harness checks what env_protocol.hpp and
// env_error.hpp promise: parsing is pure (the same body gives the same
// answer twice, whatever the thread's parser read before); every refusal is
// a 400 whose rendered body is JSON naming its type; accepted values are in
// the documented ranges; ids in a list or slate are distinct; a checked step
// has one entry per user, null exactly for done users, full slates of
// catalog items for the others; a catalog page is JSON holding the asked
// window.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/text_encoding.hpp"
#include "engine/data/dataset.hpp"
#include "engine/envserver/env_error.hpp"
#include "engine/envserver/env_protocol.hpp"
#include "engine/http/bearer_token.hpp"
#include "engine/http/url.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;
using namespace lusifer::envserver;

constexpr std::string_view kToken = "s3cr3t-T0ken_for.fuzzing~";

// Ids that are negative, zero and beyond 32 bits; titles and texts that need
// escaping in JSON; one item without a year, genres and tags.
const Dataset& dataset() {
  static const Dataset kDataset = [] {
    DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "fuzz", RatingScale{0.5f, 5.0f, 0.5f});
    const int drama = builder.catalog().add_genre("Drama");
    const int comedy = builder.catalog().add_genre("Children's");
    const ExternalId ids[] = {1, 2, 3, 5, 8, 0, -7, 4'000'000'000};
    for (std::size_t i = 0; i < std::size(ids); ++i) {
      Item item;
      item.id = ids[i];
      item.title = i == 1 ? "Quote \" and \\ back\nslash (1999)" : "Film " + std::to_string(ids[i]);
      if (i != 2)
        item.year = 1990 + static_cast<int>(i);
      if (i != 2)
        item.genres = GenreMask{1} << (i % 2 == 0 ? drama : comedy);
      item.text = i == 3 ? std::string("ctrl \x01\x1f tab\t caf\xc3\xa9") : "text";
      builder.add_item(std::move(item));
    }
    builder.add_tag_application(0, "heist");
    builder.add_tag_application(0, "heist");
    builder.add_tag_application(3, "\"quoted\"");
    return builder.finish();
  }();
  return kDataset;
}

const BearerTokenCheck& token_check() {
  static const BearerTokenCheck kCheck(kToken);
  return kCheck;
}

std::string describe(const EnvError& e) {
  return std::string(error_type_name(e.kind)) + "|" + e.message + "|" + e.field;
}

// A refusal of a request is the client's fault: a 400 whose body is JSON.
void check_refusal(const EnvError& error) {
  LUSIFER_FUZZ_CHECK(http_status_of(error.kind) == 400, "a refused request is a 400");
  LUSIFER_FUZZ_CHECK(!error.message.empty(), "a refusal says what is wrong");
  const auto body = nlohmann::json::parse(render_error(error), nullptr, false);
  LUSIFER_FUZZ_CHECK(!body.is_discarded(), "an error renders as JSON");
  const auto& inner = body.at("error");
  LUSIFER_FUZZ_CHECK(inner.at("type") == std::string(error_type_name(error.kind)),
                     "the rendered type is the error's");
  // JsonWriter replaces invalid UTF-8 (a client's bytes quoted back) by U+FFFD.
  const auto verbatim = [](const nlohmann::json& rendered, const std::string& text) {
    return find_invalid_utf8(text) ? rendered.is_string() : rendered == text;
  };
  LUSIFER_FUZZ_CHECK(verbatim(inner.at("message"), error.message),
                     "the message is rendered verbatim");
  LUSIFER_FUZZ_CHECK(
      error.field.empty() ? inner.at("field").is_null() : verbatim(inner.at("field"), error.field),
      "the field is rendered verbatim, null when none");
}

// Ids at most once.
bool distinct(const std::vector<ExternalId>& ids) {
  std::unordered_set<ExternalId> seen(ids.begin(), ids.end());
  return seen.size() == ids.size();
}

std::string describe(const CreateRequest& r) {
  std::string out = std::to_string(r.user_count) + ":";
  for (const auto id : r.user_ids)
    out += std::to_string(id) + ",";
  out += "|" + (r.seed ? std::to_string(*r.seed) : "-");
  out += "|" + (r.horizon ? std::to_string(*r.horizon) : "-");
  out += "|" + (r.slate_size ? std::to_string(*r.slate_size) : "-");
  out += "|" + (r.reward ? std::to_string(static_cast<int>(*r.reward)) : "-");
  out += "|" + (r.leaving ? std::to_string(*r.leaving) : "-");
  return out;
}

std::string describe(const StepRequest& r) {
  std::string out;
  for (const auto& action : r.actions) {
    if (!action) {
      out += "null;";
      continue;
    }
    for (const auto id : *action)
      out += std::to_string(id) + ",";
    out += ";";
  }
  return out;
}

void fuzz_create(std::string_view body) {
  const auto first = parse_create_request(body);
  const auto again = parse_create_request(body);
  if (!first) {
    check_refusal(first.error());
    LUSIFER_FUZZ_CHECK(!again && describe(again.error()) == describe(first.error()),
                       "parsing a create body twice gives the same refusal");
    return;
  }
  LUSIFER_FUZZ_CHECK(again && describe(again.value()) == describe(first.value()),
                     "parsing a create body twice gives the same request");
  const CreateRequest& r = first.value();
  LUSIFER_FUZZ_CHECK(r.user_count >= 1, "a session has at least one user");
  LUSIFER_FUZZ_CHECK(r.user_count <= std::numeric_limits<std::uint32_t>::max(),
                     "a user count fits 32 bits");
  if (!r.user_ids.empty()) {
    LUSIFER_FUZZ_CHECK(r.user_count == r.user_ids.size(), "a user list sets the count");
    LUSIFER_FUZZ_CHECK(distinct(r.user_ids), "listed users are distinct");
  }
  if (r.horizon)
    LUSIFER_FUZZ_CHECK(*r.horizon >= 1 && *r.horizon <= kMaxHorizon, "the horizon is in range");
  if (r.slate_size) {
    LUSIFER_FUZZ_CHECK(*r.slate_size >= 1 && *r.slate_size <= kMaxSlateSize,
                       "the slate size is in range");
  }
}

void fuzz_reset(std::string_view body) {
  const auto first = parse_reset_request(body);
  const auto again = parse_reset_request(body);
  if (!first) {
    check_refusal(first.error());
    LUSIFER_FUZZ_CHECK(!again && describe(again.error()) == describe(first.error()),
                       "parsing a reset body twice gives the same refusal");
    return;
  }
  LUSIFER_FUZZ_CHECK(again && again.value().seed == first.value().seed,
                     "parsing a reset body twice gives the same seed");
}

void fuzz_step(std::string_view body, std::uint8_t shape, std::uint8_t done_mask) {
  const auto first = parse_step_request(body);
  const auto again = parse_step_request(body);
  if (!first) {
    check_refusal(first.error());
    LUSIFER_FUZZ_CHECK(!again && describe(again.error()) == describe(first.error()),
                       "parsing a step body twice gives the same refusal");
    return;
  }
  LUSIFER_FUZZ_CHECK(again && describe(again.value()) == describe(first.value()),
                     "parsing a step body twice gives the same actions");
  for (const auto& action : first.value().actions) {
    if (action)
      LUSIFER_FUZZ_CHECK(distinct(*action), "a parsed slate holds each item once");
  }

  const std::size_t users = 1 + (shape & 7u);
  const std::uint32_t slate_size = 1 + ((shape >> 3) & 3u);
  std::vector<bool> done(users);
  for (std::size_t u = 0; u < users; ++u)
    done[u] = ((done_mask >> u) & 1u) != 0;
  StepRequest request = first.value();
  const Catalog& catalog = dataset().catalog();
  if (const auto error = check_step_actions(request, slate_size, done, catalog)) {
    check_refusal(*error);
    LUSIFER_FUZZ_CHECK(
        error->kind == EnvErrorKind::kInvalidAction || error->kind == EnvErrorKind::kUnknownItem,
        "a step refused against its session is an invalid action or an unknown item");
    return;
  }
  LUSIFER_FUZZ_CHECK(request.actions.size() == users, "a checked step has one entry per user");
  for (std::size_t u = 0; u < users; ++u) {
    const auto& action = request.actions[u];
    LUSIFER_FUZZ_CHECK(action.has_value() == !done[u], "entries are null exactly for done users");
    if (!action)
      continue;
    LUSIFER_FUZZ_CHECK(action->size() == slate_size, "an active user's slate is full");
    for (const auto id : *action)
      LUSIFER_FUZZ_CHECK(catalog.find(id).has_value(), "slate items are in the catalog");
  }
}

void fuzz_close(std::string_view body) {
  const auto first = parse_close_request(body);
  const auto again = parse_close_request(body);
  LUSIFER_FUZZ_CHECK(first.has_value() == again.has_value(),
                     "parsing a close body twice gives the same answer");
  if (!first)
    return;
  check_refusal(*first);
  LUSIFER_FUZZ_CHECK(describe(*again) == describe(*first),
                     "parsing a close body twice gives the same refusal");
}

void fuzz_catalog(std::string_view target) {
  const auto parts = split_target(target);
  const auto parsed = parse_catalog_query(parts.query);
  if (!parsed) {
    check_refusal(parsed.error());
    return;
  }
  const CatalogQuery& query = parsed.value();
  LUSIFER_FUZZ_CHECK(query.limit >= 1 && query.limit <= kMaxCatalogLimit, "the limit is in range");
  LUSIFER_FUZZ_CHECK(query.offset <= std::numeric_limits<std::uint32_t>::max(),
                     "the offset fits 32 bits");
  const Catalog& catalog = dataset().catalog();
  const auto page = nlohmann::json::parse(render_catalog_page(catalog, query), nullptr, false);
  LUSIFER_FUZZ_CHECK(!page.is_discarded(), "a catalog page is JSON");
  const std::size_t total = catalog.size();
  const std::size_t expected =
      query.offset >= total ? 0 : std::min(query.limit, total - query.offset);
  LUSIFER_FUZZ_CHECK(page.at("total") == total, "the page tells the catalog's size");
  LUSIFER_FUZZ_CHECK(page.at("items").size() == expected, "the page holds the asked window");
}

void fuzz_header(std::string_view value) {
  constexpr std::string_view kScheme = "bearer ";
  bool scheme_matches = value.size() >= kScheme.size();
  for (std::size_t i = 0; scheme_matches && i < kScheme.size(); ++i) {
    const char c = value[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    scheme_matches = lower == kScheme[i];
  }
  const bool expected = scheme_matches && value.substr(kScheme.size()) == kToken;
  LUSIFER_FUZZ_CHECK(token_check().accepts(value) == expected,
                     "exactly \"Bearer <token>\" is accepted, the scheme in any case");

  const bool valid_id =
      !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      });
  LUSIFER_FUZZ_CHECK(is_valid_env_id(value) == valid_id, "env ids are 1..64 of [A-Za-z0-9_-]");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  (void)dataset();
  (void)token_check();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzInput input(data, size);
  switch (input.byte() % 6) {
    case 0:
      fuzz_create(input.rest());
      break;
    case 1:
      fuzz_reset(input.rest());
      break;
    case 2: {
      const std::uint8_t shape = input.byte();
      const std::uint8_t done = input.byte();
      fuzz_step(input.rest(), shape, done);
      break;
    }
    case 3:
      fuzz_close(input.rest());
      break;
    case 4:
      fuzz_catalog(input.rest());
      break;
    default:
      fuzz_header(input.rest());
      break;
  }
  return 0;
}
