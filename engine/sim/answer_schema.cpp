#include "engine/sim/answer_schema.hpp"

#include <charconv>
#include <cmath>

#include "engine/core/json_writer.hpp"
#include "engine/sim/prompt_keys.hpp"
#include "engine/sim/prompt_text.hpp"

namespace lusifer {
namespace {

bool is_integer_scale(const RatingScale& scale) noexcept {
  return std::abs(scale.step - std::round(scale.step)) < 1e-6 &&
         std::abs(scale.min - std::round(scale.min)) < 1e-6;
}

void write_rating_schema(JsonWriter& json, const RatingScale& scale) {
  const bool integer = is_integer_scale(scale);
  json.begin_object().field("type", integer ? "integer" : "number").key("enum").begin_array();
  for (int level = 0; level < scale.level_count(); ++level) {
    const double value = scale.level_value(level);
    if (integer) {
      json.value(static_cast<std::int64_t>(std::llround(value)));
    } else {
      json.value(value);
    }
  }
  json.end_array().end_object();
}

}  // namespace

std::string profile_answer_schema() {
  std::string out;
  JsonWriter json(out);
  json.begin_object().field("type", "object").key("properties").begin_object();
  json.key("profile").begin_object().field("type", "string").end_object();
  json.key("change").begin_object().field("type", "string").end_object();
  json.end_object();
  json.key("required").begin_array().value("profile").value("change").end_array();
  json.field("additionalProperties", false).end_object();
  return out;
}

std::string rating_answer_schema(std::span<const ExternalId> items, const RatingScale& scale) {
  std::string out;
  JsonWriter json(out);
  json.begin_object().field("type", "object").key("properties").begin_object();
  for (const auto id : items) {
    json.key(item_key(id)).begin_object().field("type", "object").key("properties").begin_object();
    json.key("explanation").begin_object().field("type", "string").end_object();
    json.key("rating");
    write_rating_schema(json, scale);
    json.end_object();
    json.key("required").begin_array().value("explanation").value("rating").end_array();
    json.field("additionalProperties", false).end_object();
  }
  json.end_object().key("required").begin_array();
  for (const auto id : items)
    json.value(item_key(id));
  json.end_array().field("additionalProperties", false).end_object();
  return out;
}

std::string_view profile_answer_shape(TaskKind kind) noexcept {
  return kind == TaskKind::kCreateProfile ? kCreateProfileShape : kUpdateProfileShape;
}

std::string rating_answer_shape(std::span<const ExternalId> items, const RatingScale& scale) {
  const std::string levels = scale_levels_text(scale);
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += "\n  \"";
    out += item_key(items[i]);
    out += '"';
    out += kRatingShapeEntry;
    out += levels;
    out += ">}";
    if (i + 1 < items.size())
      out += ',';
  }
  out += "\n}";
  return out;
}

std::optional<RatingScale> scale_from_levels_text(std::string_view levels_text) {
  std::vector<double> levels;
  std::size_t pos = 0;
  while (pos < levels_text.size()) {
    while (pos < levels_text.size() && (levels_text[pos] == ' ' || levels_text[pos] == ','))
      ++pos;
    if (pos >= levels_text.size())
      break;
    double value = 0.0;
    const auto [end, error] =
        std::from_chars(levels_text.data() + pos, levels_text.data() + levels_text.size(), value);
    if (error != std::errc() || !std::isfinite(value))
      return std::nullopt;
    levels.push_back(value);
    pos = static_cast<std::size_t>(end - levels_text.data());
  }
  return scale_from_levels(levels);
}

std::optional<RatingScale> scale_from_levels(std::span<const double> levels) {
  if (levels.size() < 2)
    return std::nullopt;
  for (const double level : levels) {
    if (!std::isfinite(level))
      return std::nullopt;
  }
  const double step = levels[1] - levels[0];
  if (!(step > 0.0))
    return std::nullopt;
  for (std::size_t i = 1; i < levels.size(); ++i) {
    if (std::abs(levels[i] - levels[i - 1] - step) > 1e-6)
      return std::nullopt;
  }
  return RatingScale{static_cast<float>(levels.front()), static_cast<float>(levels.back()),
                     static_cast<float>(step)};
}

}  // namespace lusifer
