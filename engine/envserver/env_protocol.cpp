#include "engine/envserver/env_protocol.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <unordered_set>

#include <fmt/format.h>
#include <simdjson.h>

#include "engine/core/input_error.hpp"
#include "engine/core/json_writer.hpp"
#include "engine/http/url.hpp"
#include "engine/llm/json_type_phrase.hpp"

namespace lusifer::envserver {
namespace {

namespace dom = simdjson::dom;

// ---- reading JSON ------------------------------------------------------------

std::string_view json_failure(simdjson::error_code error) noexcept {
  switch (error) {
    case simdjson::EMPTY:
      return "the body holds no JSON value";
    case simdjson::UTF8_ERROR:
      return "the body is not valid UTF-8";
    case simdjson::DEPTH_ERROR:
      return "the JSON is nested too deeply";
    case simdjson::UNCLOSED_STRING:
      return "a JSON string is not closed";
    case simdjson::NUMBER_ERROR:
      return "a JSON number is malformed";
    case simdjson::NUMBER_OUT_OF_RANGE:
      return "a JSON number is out of range";
    case simdjson::STRING_ERROR:
      return "a JSON string has an invalid escape or control character";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "a JSON literal (true, false, null) is malformed";
    case simdjson::CAPACITY:
    case simdjson::MEMALLOC:
      return "the body is too large to parse";
    default:
      return "the body is not valid JSON";
  }
}

// Parses `body` with this thread's parser. The element is valid until the
// thread parses again.
EnvResult<dom::element> parse_json(std::string_view body) {
  thread_local dom::parser parser;
  thread_local std::string buffer;
  const std::size_t needed = body.size() + simdjson::SIMDJSON_PADDING;
  try {
    if (buffer.size() < needed)
      buffer.resize(needed);
  } catch (const std::bad_alloc&) {
    return EnvError(EnvErrorKind::kInvalidJson, "the body is too large to parse");
  }
  if (!body.empty())
    std::memcpy(buffer.data(), body.data(), body.size());
  std::memset(buffer.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  const auto error = parser.parse(buffer.data(), body.size(), false).get(root);
  if (error != simdjson::SUCCESS)
    return EnvError(EnvErrorKind::kInvalidJson, std::string(json_failure(error)));
  return root;
}

// "an integer 7", "a string \"x\"", "an object": what was found, shortly.
std::string found_phrase(dom::element value) {
  const auto type = value.type();
  if (type == dom::element_type::ARRAY || type == dom::element_type::OBJECT ||
      type == dom::element_type::NULL_VALUE) {
    return std::string(llm::json_type_phrase(type));
  }
  return fmt::format("{} {}", llm::json_type_phrase(type),
                     quote_excerpt(simdjson::minify(value), 40));
}

std::string where(std::string_view path) {
  return path.empty() ? std::string("the body") : std::string(path);
}

EnvError wrong_type(std::string_view path, std::string_view expected, dom::element found) {
  return EnvError(
      EnvErrorKind::kWrongType,
      fmt::format("expected {} for {}, found {}", expected, where(path), found_phrase(found)),
      std::string(path));
}

EnvError invalid_value(std::string_view path, std::string_view expected, std::string_view found) {
  return EnvError(EnvErrorKind::kInvalidValue,
                  fmt::format("expected {} for {}, found {}", expected, path, found),
                  std::string(path));
}

std::string index_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

// The members of an object, each key at most once and known to `names`.
template <std::size_t N>
class ObjectReader {
 public:
  explicit ObjectReader(const std::array<std::string_view, N>& names) : names_(names) {}

  // Reads `value`, which must be an object; an empty `path` is the body.
  std::optional<EnvError> read(dom::element value, std::string_view path) {
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS)
      return wrong_type(path, "a JSON object", value);
    for (const dom::key_value_pair member : object) {
      const auto it = std::find(names_.begin(), names_.end(), member.key);
      if (it == names_.end()) {
        const auto known = N == 0 ? std::string("it takes none")
                                  : fmt::format("the fields are {}", fmt::join(names_, ", "));
        return EnvError(EnvErrorKind::kUnknownField,
                        fmt::format("unknown field {} in {} ({})", quote_excerpt(member.key, 64),
                                    where(path), known),
                        std::string(member.key));
      }
      const auto index = static_cast<std::size_t>(it - names_.begin());
      if (values_[index]) {
        return EnvError(EnvErrorKind::kDuplicateField,
                        fmt::format("field {} appears more than once", member.key),
                        std::string(member.key));
      }
      values_[index] = member.value;
    }
    return std::nullopt;
  }

  std::optional<dom::element> get(std::string_view name) const {
    const auto it = std::find(names_.begin(), names_.end(), name);
    return values_[static_cast<std::size_t>(it - names_.begin())];
  }

 private:
  const std::array<std::string_view, N>& names_;
  std::array<std::optional<dom::element>, N> values_{};
};

// An unsigned integer within [min, max].
EnvResult<std::uint64_t> read_unsigned(dom::element value, std::string_view path, std::uint64_t min,
                                       std::uint64_t max) {
  std::uint64_t number = 0;
  switch (value.type()) {
    case dom::element_type::INT64: {
      const std::int64_t signed_number = value.get_int64().value_unsafe();
      if (signed_number < 0) {
        return invalid_value(path, fmt::format("an integer from {} to {}", min, max),
                             std::to_string(signed_number));
      }
      number = static_cast<std::uint64_t>(signed_number);
      break;
    }
    case dom::element_type::UINT64:
      number = value.get_uint64().value_unsafe();
      break;
    default:
      return wrong_type(path, "an integer", value);
  }
  if (number < min || number > max) {
    return invalid_value(path, fmt::format("an integer from {} to {}", min, max),
                         std::to_string(number));
  }
  return number;
}

EnvResult<ExternalId> read_id(dom::element value, std::string_view path) {
  switch (value.type()) {
    case dom::element_type::INT64:
      return ExternalId{value.get_int64().value_unsafe()};
    case dom::element_type::UINT64:
      return invalid_value(path, "an id that fits a signed 64-bit integer",
                           std::to_string(value.get_uint64().value_unsafe()));
    default:
      return wrong_type(path, "an integer id", value);
  }
}

EnvResult<bool> read_bool(dom::element value, std::string_view path) {
  bool flag = false;
  if (value.get_bool().get(flag) != simdjson::SUCCESS)
    return wrong_type(path, "true or false", value);
  return flag;
}

// A slate: an array of distinct integer ids.
EnvResult<std::vector<ExternalId>> read_slate(dom::element value, std::string_view path) {
  dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS)
    return wrong_type(path, "an array of item ids or null", value);
  std::vector<ExternalId> slate;
  slate.reserve(array.size());
  // A set, not a scan of the slate: a hostile body may hold a huge slate.
  std::unordered_set<ExternalId> seen;
  seen.reserve(array.size());
  for (const dom::element entry : array) {
    auto id = read_id(entry, index_path(path, slate.size()));
    if (!id)
      return std::move(id).error();
    if (!seen.insert(id.value()).second) {
      return EnvError(
          EnvErrorKind::kInvalidAction,
          fmt::format("item {} appears more than once in the slate {}", id.value(), path),
          index_path(path, slate.size()));
    }
    slate.push_back(id.value());
  }
  return slate;
}

constexpr std::array<std::string_view, 6> kCreateFields = {"users",      "seed",   "horizon",
                                                           "slate_size", "reward", "leaving"};
constexpr std::array<std::string_view, 1> kResetFields = {"seed"};
constexpr std::array<std::string_view, 1> kStepFields = {"actions"};
constexpr std::array<std::string_view, 0> kCloseFields = {};

bool is_blank(std::string_view body) noexcept {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// ---- writing JSON ------------------------------------------------------------

void write_float(JsonWriter& json, float number) {
  if (!std::isfinite(number)) {
    json.null();
    return;
  }
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, number).ptr;
  json.raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void write_observation(JsonWriter& json, const UserObservation& obs) {
  json.begin_object();
  json.field("user_id", std::int64_t{obs.user_id});
  json.field("profile", obs.profile);
  json.field("profile_version", std::int64_t{obs.profile_version});
  json.key("recent").begin_array();
  for (const auto& r : obs.recent) {
    json.begin_object().field("item_id", std::int64_t{r.item_id}).key("rating");
    write_float(json, r.rating);
    json.end_object();
  }
  json.end_array();
  if (obs.features) {
    json.key("features").begin_array();
    for (const float f : *obs.features)
      write_float(json, f);
    json.end_array();
  }
  json.end_object();
}

void write_info(JsonWriter& json, const StepInfo& info) {
  json.begin_object();
  json.field("active", info.active);
  json.key("ratings").begin_array();
  for (const auto& r : info.ratings) {
    json.begin_object().field("item_id", std::int64_t{r.item_id}).key("rating");
    write_float(json, r.rating);
    if (r.calibrated) {
      json.key("calibrated");
      write_float(json, *r.calibrated);
    }
    json.field("explanation", r.explanation);
    json.end_object();
  }
  json.end_array();
  json.key("missing").begin_array();
  for (const auto id : info.missing)
    json.value(std::int64_t{id});
  json.end_array();
  json.field("profile_change", info.profile_change);
  json.field("late", info.late);
  json.field("failure", info.failure);
  json.field("leave_reason", info.leave_reason);
  json.end_object();
}

}  // namespace

// ---- requests ----------------------------------------------------------------

EnvResult<CreateRequest> parse_create_request(std::string_view body) {
  if (is_blank(body))
    return EnvError(EnvErrorKind::kInvalidJson, "the body is empty; expected a JSON object");
  auto root = parse_json(body);
  if (!root)
    return std::move(root).error();
  ObjectReader reader(kCreateFields);
  if (auto error = reader.read(root.value(), ""))
    return std::move(*error);

  CreateRequest request;
  const auto users = reader.get("users");
  if (!users) {
    return EnvError(EnvErrorKind::kMissingField,
                    "missing field users (a number of users, or a list of user ids)", "users");
  }
  if (users->type() == dom::element_type::ARRAY) {
    dom::array list = users->get_array().value_unsafe();
    if (list.size() == 0)
      return invalid_value("users", "at least one user id", "an empty list");
    request.user_ids.reserve(list.size());
    std::unordered_set<ExternalId> seen;
    seen.reserve(list.size());
    for (const dom::element entry : list) {
      const auto path = index_path("users", request.user_ids.size());
      auto id = read_id(entry, path);
      if (!id)
        return std::move(id).error();
      if (!seen.insert(id.value()).second) {
        return EnvError(EnvErrorKind::kInvalidValue,
                        fmt::format("user {} appears more than once in users", id.value()), path);
      }
      request.user_ids.push_back(id.value());
    }
    request.user_count = request.user_ids.size();
  } else if (users->type() == dom::element_type::INT64 ||
             users->type() == dom::element_type::UINT64) {
    auto count = read_unsigned(*users, "users", 1, std::numeric_limits<std::uint32_t>::max());
    if (!count)
      return std::move(count).error();
    request.user_count = static_cast<std::size_t>(count.value());
  } else {
    return wrong_type("users", "a number of users or a list of user ids", *users);
  }

  if (const auto seed = reader.get("seed")) {
    auto value = read_unsigned(*seed, "seed", 0, std::numeric_limits<std::uint64_t>::max());
    if (!value)
      return std::move(value).error();
    request.seed = value.value();
  }
  if (const auto horizon = reader.get("horizon")) {
    auto value = read_unsigned(*horizon, "horizon", 1, kMaxHorizon);
    if (!value)
      return std::move(value).error();
    request.horizon = static_cast<std::uint32_t>(value.value());
  }
  if (const auto slate = reader.get("slate_size")) {
    auto value = read_unsigned(*slate, "slate_size", 1, kMaxSlateSize);
    if (!value)
      return std::move(value).error();
    request.slate_size = static_cast<std::uint32_t>(value.value());
  }
  if (const auto reward = reader.get("reward")) {
    std::string_view name;
    if (reward->get_string().get(name) != simdjson::SUCCESS)
      return wrong_type("reward", "a string", *reward);
    const auto kind = parse_reward_kind(name);
    if (!kind) {
      return invalid_value("reward", "one of rating, normalized-rating, click",
                           quote_excerpt(name, 40));
    }
    request.reward = *kind;
  }
  if (const auto leaving = reader.get("leaving")) {
    auto value = read_bool(*leaving, "leaving");
    if (!value)
      return std::move(value).error();
    request.leaving = value.value();
  }
  return request;
}

EnvResult<ResetRequest> parse_reset_request(std::string_view body) {
  ResetRequest request;
  if (is_blank(body))
    return request;
  auto root = parse_json(body);
  if (!root)
    return std::move(root).error();
  ObjectReader reader(kResetFields);
  if (auto error = reader.read(root.value(), ""))
    return std::move(*error);
  if (const auto seed = reader.get("seed")) {
    if (seed->type() != dom::element_type::NULL_VALUE) {
      auto value = read_unsigned(*seed, "seed", 0, std::numeric_limits<std::uint64_t>::max());
      if (!value)
        return std::move(value).error();
      request.seed = value.value();
    }
  }
  return request;
}

EnvResult<StepRequest> parse_step_request(std::string_view body) {
  if (is_blank(body))
    return EnvError(EnvErrorKind::kInvalidJson, "the body is empty; expected a JSON object");
  auto root = parse_json(body);
  if (!root)
    return std::move(root).error();
  ObjectReader reader(kStepFields);
  if (auto error = reader.read(root.value(), ""))
    return std::move(*error);
  const auto actions = reader.get("actions");
  if (!actions) {
    return EnvError(EnvErrorKind::kMissingField,
                    "missing field actions (one slate of item ids per user, in user order)",
                    "actions");
  }
  dom::array list;
  if (actions->get_array().get(list) != simdjson::SUCCESS)
    return wrong_type("actions", "an array with one slate per user", *actions);
  StepRequest request;
  request.actions.reserve(list.size());
  for (const dom::element entry : list) {
    const auto path = index_path("actions", request.actions.size());
    if (entry.type() == dom::element_type::NULL_VALUE) {
      request.actions.emplace_back(std::nullopt);
      continue;
    }
    auto slate = read_slate(entry, path);
    if (!slate)
      return std::move(slate).error();
    request.actions.emplace_back(std::move(slate).value());
  }
  return request;
}

std::optional<EnvError> parse_close_request(std::string_view body) {
  if (is_blank(body))
    return std::nullopt;
  auto root = parse_json(body);
  if (!root)
    return std::move(root).error();
  ObjectReader reader(kCloseFields);
  return reader.read(root.value(), "");
}

EnvResult<CatalogQuery> parse_catalog_query(std::string_view query) {
  CatalogQuery result;
  bool have_offset = false;
  bool have_limit = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty())
      continue;
    const auto eq = part.find('=');
    const std::string name = percent_decode(part.substr(0, eq), true);
    const std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1), true);
    bool* seen = nullptr;
    std::size_t* target = nullptr;
    std::size_t min = 0;
    std::size_t max = 0;
    if (name == "offset") {
      seen = &have_offset;
      target = &result.offset;
      max = std::numeric_limits<std::uint32_t>::max();
    } else if (name == "limit") {
      seen = &have_limit;
      target = &result.limit;
      min = 1;
      max = kMaxCatalogLimit;
    } else {
      return EnvError(EnvErrorKind::kUnknownField,
                      fmt::format("unknown query parameter {} (the parameters are offset, limit)",
                                  quote_excerpt(name, 64)),
                      name);
    }
    if (*seen) {
      return EnvError(EnvErrorKind::kDuplicateField,
                      fmt::format("query parameter {} appears more than once", name), name);
    }
    *seen = true;
    std::uint64_t number = 0;
    const auto* first = value.data();
    const auto* last = value.data() + value.size();
    const auto [end, ec] = std::from_chars(first, last, number);
    const bool digits_only = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (!digits_only || ec != std::errc() || end != last) {
      return EnvError(EnvErrorKind::kWrongType,
                      fmt::format("expected a non-negative integer for {}, found {}", name,
                                  quote_excerpt(value, 40)),
                      name);
    }
    if (number < min || number > max) {
      return invalid_value(name, fmt::format("an integer from {} to {}", min, max),
                           std::to_string(number));
    }
    *target = static_cast<std::size_t>(number);
  }
  return result;
}

std::optional<EnvError> check_step_actions(StepRequest& request, std::uint32_t slate_size,
                                           const std::vector<bool>& done, const Catalog& catalog) {
  if (request.actions.size() != done.size()) {
    return EnvError(EnvErrorKind::kInvalidAction,
                    fmt::format("expected {} actions (one per user of the session), found {}",
                                done.size(), request.actions.size()),
                    "actions");
  }
  for (std::size_t u = 0; u < done.size(); ++u) {
    auto& action = request.actions[u];
    const auto path = index_path("actions", u);
    if (!action) {
      if (!done[u]) {
        return EnvError(EnvErrorKind::kInvalidAction,
                        fmt::format("expected a slate of {} item ids for {}, whose user is still "
                                    "active, found null",
                                    slate_size, path),
                        path);
      }
      continue;
    }
    if (action->size() != slate_size) {
      return EnvError(EnvErrorKind::kInvalidAction,
                      fmt::format("expected a slate of {} item ids for {}, found {}", slate_size,
                                  path, action->size()),
                      path);
    }
    for (std::size_t i = 0; i < action->size(); ++i) {
      if (!catalog.find((*action)[i])) {
        const auto item_path = index_path(path, i);
        return EnvError(EnvErrorKind::kUnknownItem,
                        fmt::format("item {} at {} is not in the catalog", (*action)[i], item_path),
                        item_path);
      }
    }
    if (done[u])
      action.reset();
  }
  return std::nullopt;
}

// ---- responses ---------------------------------------------------------------

std::string render_create_response(const CreateResponse& r) {
  std::string out;
  out.reserve(256 + r.user_ids.size() * 8);
  JsonWriter json(out);
  json.begin_object();
  json.field("env_id", r.env_id);
  json.field("num_envs", std::uint64_t{r.user_ids.size()});
  json.key("user_ids").begin_array();
  for (const auto id : r.user_ids)
    json.value(std::int64_t{id});
  json.end_array();
  json.field("seed", std::uint64_t{r.seed});
  json.field("horizon", std::uint64_t{r.horizon});
  json.field("slate_size", std::uint64_t{r.slate_size});
  json.field("num_items", std::uint64_t{r.num_items});
  json.key("rating_scale").begin_object().key("min");
  write_float(json, r.rating_scale.min);
  json.key("max");
  write_float(json, r.rating_scale.max);
  json.key("step");
  write_float(json, r.rating_scale.step);
  json.end_object();
  json.field("reward", reward_kind_name(r.reward));
  json.field("leaving", r.leaving);
  json.field("backend", r.backend);
  json.end_object();
  return out;
}

std::string render_reset_response(const ResetResponse& r) {
  std::string out;
  out.reserve(64 + r.observations.size() * 256);
  JsonWriter json(out);
  json.begin_object().key("observations").begin_array();
  for (const auto& obs : r.observations)
    write_observation(json, obs);
  json.end_array().key("infos").begin_array();
  for (std::size_t i = 0; i < r.observations.size(); ++i)
    json.begin_object().end_object();
  json.end_array().end_object();
  return out;
}

std::string render_step_response(const StepResponse& r) {
  std::string out;
  out.reserve(128 + r.users.size() * 1024);
  JsonWriter json(out);
  json.begin_object().key("observations").begin_array();
  for (const auto& u : r.users)
    write_observation(json, u.observation);
  json.end_array().key("rewards").begin_array();
  for (const auto& u : r.users)
    json.value(u.reward);
  json.end_array().key("terminated").begin_array();
  for (const auto& u : r.users)
    json.value(u.terminated);
  json.end_array().key("truncated").begin_array();
  for (const auto& u : r.users)
    json.value(u.truncated);
  json.end_array().key("infos").begin_array();
  for (const auto& u : r.users)
    write_info(json, u.info);
  json.end_array().end_object();
  return out;
}

std::string render_close_response() {
  return R"({"closed":true})";
}

std::string render_catalog_page(const Catalog& catalog, const CatalogQuery& query) {
  const auto items = catalog.items();
  const std::size_t first = std::min(query.offset, items.size());
  const std::size_t last = first + std::min(query.limit, items.size() - first);
  std::string out;
  out.reserve(64 + (last - first) * 256);
  JsonWriter json(out);
  json.begin_object();
  json.field("total", std::uint64_t{items.size()});
  json.field("offset", std::uint64_t{query.offset});
  json.field("limit", std::uint64_t{query.limit});
  json.key("items").begin_array();
  for (std::size_t i = first; i < last; ++i) {
    const Item& item = items[i];
    json.begin_object();
    json.field("item_id", std::int64_t{item.id});
    json.field("title", item.title);
    json.key("year");
    if (item.year) {
      json.value(std::int64_t{*item.year});
    } else {
      json.null();
    }
    json.key("genres").begin_array();
    for (const auto name : catalog.genres_of(item))
      json.value(name);
    json.end_array();
    json.field("text", item.text);
    json.key("tags").begin_array();
    for (const auto& tag : item.tags)
      json.value(tag.tag);
    json.end_array();
    json.end_object();
  }
  json.end_array().end_object();
  return out;
}

bool is_valid_env_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::optional<RewardKind> parse_reward_kind(std::string_view name) noexcept {
  for (const auto kind : {RewardKind::kRating, RewardKind::kNormalizedRating, RewardKind::kClick}) {
    if (name == reward_kind_name(kind))
      return kind;
  }
  return std::nullopt;
}

}  // namespace lusifer::envserver
