#include "engine/sim/answer_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/sim/answer_json.hpp"
#include "engine/sim/prompt_keys.hpp"
#include "engine/sim/prompt_text.hpp"

namespace lusifer {
namespace {

// Ordered, so that "the first entry for an item wins" means first in the answer.
using json = nlohmann::ordered_json;

// Keys not listed one by one in the notes beyond this many.
constexpr std::size_t kMaxNotedKeys = 5;

std::string_view trim(std::string_view text) noexcept {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = ascii_lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i]))
      return false;
  }
  return true;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

std::string_view json_type_name(const json& value) noexcept {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "something else";
  }
}

// The member of `object` named `name` exactly, or else case-insensitively.
const json* member(const json& object, std::string_view name) {
  const auto exact = object.find(std::string(name));
  if (exact != object.end())
    return &*exact;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (iequals(it.key(), name))
      return &it.value();
  }
  return nullptr;
}

// The first of `names` present in `object`, with the name found.
std::pair<const json*, std::string_view> first_member(const json& object,
                                                      std::span<const std::string_view> names) {
  for (const auto name : names) {
    if (const json* value = member(object, name))
      return {value, name};
  }
  return {nullptr, {}};
}

std::optional<ExternalId> parse_whole_integer(std::string_view text) noexcept {
  text = trim(text);
  if (text.empty() || text.front() == '+')
    return std::nullopt;
  ExternalId id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return id;
}

// "item_5", "Item 5", "item-5: Heat", "movie_5", "#5", "5" -> 5.
std::optional<ExternalId> id_from_key(std::string_view key) {
  std::string text = lowered(trim(key));
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == '#')
    rest.remove_prefix(1);
  for (const std::string_view prefix : {"item", "movie", "id"}) {
    if (!rest.starts_with(prefix))
      continue;
    rest.remove_prefix(prefix.size());
    while (!rest.empty() && (rest.front() == '_' || rest.front() == '-' || rest.front() == ' ' ||
                             rest.front() == '#'))
      rest.remove_prefix(1);
    // After a prefix, text may follow the id: "item_5 (Heat)".
    std::size_t digits = rest.starts_with('-') ? 1 : 0;
    while (digits < rest.size() && is_digit(rest[digits]))
      ++digits;
    if (digits < rest.size()) {
      const char next = rest[digits];
      if ((next >= 'a' && next <= 'z') || next == '.' || next == '_')
        return std::nullopt;
    }
    return parse_whole_integer(rest.substr(0, digits));
  }
  return parse_whole_integer(rest);
}

std::string json_excerpt(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) {
    text.resize(40);
    text += "...";
  }
  return text;
}

// The candidates of a rating answer, and how keys find them.
struct CandidateIndex {
  const Dataset& dataset;
  std::vector<ItemIndex> items;
  std::vector<std::string> titles;         // lower-cased display titles
  std::vector<std::string> source_titles;  // lower-cased as the dataset spells them

  CandidateIndex(const Dataset& d, const std::vector<ItemIndex>& candidates)
      : dataset(d), items(unique_candidates(candidates)) {
    for (const auto item : items) {
      const std::string& title = dataset.catalog().item(item).title;
      titles.push_back(lowered(display_title(single_line(title))));
      source_titles.push_back(lowered(single_line(title)));
    }
  }

  std::optional<std::size_t> by_id(ExternalId id) const {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (dataset.catalog().item(items[i]).id == id)
        return i;
    }
    return std::nullopt;
  }

  // The position of the candidate `key` names, and whether it named it by title.
  std::optional<std::size_t> find(std::string_view key, bool& by_title) const {
    by_title = false;
    if (const auto id = id_from_key(key))
      return by_id(*id);
    const std::string wanted = lowered(single_line(key));
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (wanted == titles[i] || wanted == source_titles[i]) {
        by_title = true;
        return i;
      }
    }
    return std::nullopt;
  }

  std::string key_of(std::size_t position) const {
    return item_key(dataset.catalog().item(items[position]).id);
  }
};

struct Entry {
  std::string key;  // as the answer wrote it (or the id field's value)
  const json* value = nullptr;
};

constexpr std::string_view kIdFields[] = {"item",     "item_id", "id",     "key",
                                          "movie_id", "movie",   "itemId", "movieId"};
constexpr std::string_view kRatingFields[] = {"rating", "score", "stars", "value"};
constexpr std::string_view kExplanationFields[] = {"explanation", "reason", "reasoning", "why",
                                                   "justification"};

constexpr std::string_view kProfileFields[] = {"profile", "user_profile"};
constexpr std::string_view kChangeFields[] = {"change", "update", "changes"};

std::vector<Entry> entries_of_array(const json& array) {
  std::vector<Entry> entries;
  for (const auto& element : array) {
    if (!element.is_object())
      continue;
    const auto [id, name] = first_member(element, kIdFields);
    if (!id)
      continue;
    if (id->is_string()) {
      entries.push_back({id->get<std::string>(), &element});
    } else if (id->is_number_integer()) {
      entries.push_back({std::to_string(id->get<std::int64_t>()), &element});
    }
  }
  return entries;
}

std::vector<Entry> entries_of_object(const json& object) {
  std::vector<Entry> entries;
  for (auto it = object.begin(); it != object.end(); ++it)
    entries.push_back({it.key(), &it.value()});
  return entries;
}

std::size_t resolvable(const std::vector<Entry>& entries, const CandidateIndex& index) {
  std::size_t count = 0;
  bool by_title = false;
  for (const auto& entry : entries) {
    if (index.find(entry.key, by_title))
      ++count;
  }
  return count;
}

// The entries of the answer: top-level members, or the contents of the one
// wrapper member that holds candidates, or the elements of an array.
std::vector<Entry> answer_entries(const json& root, const CandidateIndex& index,
                                  std::vector<std::string>& notes) {
  if (root.is_array())
    return entries_of_array(root);
  if (!root.is_object())
    return {};
  auto top = entries_of_object(root);
  if (resolvable(top, index) > 0)
    return top;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const json& inner = it.value();
    std::vector<Entry> nested;
    if (inner.is_object()) {
      nested = entries_of_object(inner);
    } else if (inner.is_array()) {
      nested = entries_of_array(inner);
    }
    if (!nested.empty() && resolvable(nested, index) > 0) {
      notes.push_back(fmt::format("the ratings were under the key \"{}\"", it.key()));
      return nested;
    }
  }
  return top;
}

struct EntryReading {
  RatingReading rating;
  std::string explanation;
  bool has_explanation = false;
  bool rating_was_text = false;
};

EntryReading read_entry(const json& value, const RatingScale& scale) {
  EntryReading reading;
  const json* rating = &value;
  if (value.is_object()) {
    rating = first_member(value, kRatingFields).first;
    const json* explanation = first_member(value, kExplanationFields).first;
    if (explanation && explanation->is_string()) {
      reading.explanation = std::string(trim(explanation->get_ref<const std::string&>()));
      reading.has_explanation = !reading.explanation.empty();
    }
    if (!rating) {
      reading.rating.problem = "the entry has no \"rating\"";
      return reading;
    }
  }
  if (rating->is_number()) {
    reading.rating = read_rating_number(rating->get<double>(), scale);
  } else if (rating->is_string()) {
    reading.rating_was_text = true;
    reading.rating = read_rating_text(rating->get_ref<const std::string&>(), scale);
  } else {
    reading.rating.problem = fmt::format("the rating is {}, not a number", json_type_name(*rating));
  }
  return reading;
}

std::string scale_range_text(const RatingScale& scale) {
  return fmt::format("from {} to {}", format_rating(scale.min), format_rating(scale.max));
}

std::string joined(const std::vector<std::string>& parts) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      text += ", ";
    text += parts[i];
  }
  return text;
}

}  // namespace

RatingReading read_rating_number(double value, const RatingScale& scale) {
  RatingReading reading;
  constexpr double kTolerance = 1e-6;
  if (!std::isfinite(value)) {
    reading.problem = "the rating is not a finite number";
    return reading;
  }
  if (value < scale.min - kTolerance || value > scale.max + kTolerance) {
    reading.problem = fmt::format("the rating {} is outside the scale {}", format_rating(value),
                                  scale_range_text(scale));
    return reading;
  }
  if (const int level = scale.level_of(value); level >= 0) {
    reading.rating = scale.level_value(level);
    return reading;
  }
  const double position = (value - scale.min) / scale.step;
  const int last = scale.level_count() - 1;
  const int lower = std::clamp(static_cast<int>(std::floor(position)), 0, last);
  const int upper = std::min(lower + 1, last);
  int level = position - lower < 0.5 ? lower : upper;
  if (std::abs(position - lower - 0.5) < kTolerance) {
    // A tie: the level nearer the middle of the scale.
    const double middle = (scale.min + scale.max) / 2.0;
    level =
        std::abs(scale.level_value(upper) - middle) < std::abs(scale.level_value(lower) - middle)
            ? upper
            : lower;
  }
  reading.rating = scale.level_value(level);
  reading.note =
      fmt::format("{} rounded to {}", format_rating(value), format_rating(*reading.rating));
  return reading;
}

RatingReading read_rating_text(std::string_view text, const RatingScale& scale) {
  RatingReading reading;
  const std::string_view trimmed = trim(text);
  std::size_t start = 0;
  while (start < trimmed.size() && !is_digit(trimmed[start]))
    ++start;
  if (start == trimmed.size()) {
    // "★★★★" or "★★★½": count the stars.
    constexpr std::string_view kStar = "\xE2\x98\x85";
    constexpr std::string_view kHalf = "\xC2\xBD";
    double stars = 0.0;
    std::size_t pos = 0;
    while ((pos = trimmed.find(kStar, pos)) != std::string_view::npos) {
      stars += 1.0;
      pos += kStar.size();
    }
    if (stars > 0.0) {
      if (trimmed.find(kHalf) != std::string_view::npos)
        stars += 0.5;
      return read_rating_number(stars, scale);
    }
    reading.problem =
        fmt::format("the rating \"{}\" is not a number", single_line(trimmed.substr(0, 40)));
    return reading;
  }
  // Take a sign or decimal point right before the first digit along.
  if (start > 0 && trimmed[start - 1] == '.')
    --start;
  if (start > 0 && trimmed[start - 1] == '-')
    --start;
  double value = 0.0;
  const char* const begin = trimmed.data() + start;
  const char* const end = trimmed.data() + trimmed.size();
  const auto parsed = std::from_chars(begin, end, value);
  if (parsed.ec != std::errc()) {
    reading.problem = fmt::format("the rating \"{}\" is not a number", single_line(trimmed));
    return reading;
  }
  // A denominator: "4/5", "4 / 5", "4 out of 5", "4 stars out of 5".
  std::string rest =
      lowered(std::string_view(parsed.ptr, static_cast<std::size_t>(end - parsed.ptr)));
  std::string_view tail = rest;
  for (const std::string_view word : {" ", "stars", "star", " "}) {
    if (tail.starts_with(word))
      tail.remove_prefix(word.size());
  }
  tail = trim(tail);
  std::optional<double> denominator;
  for (const std::string_view marker : {"/", "out of"}) {
    if (tail.starts_with(marker)) {
      const std::string_view number = trim(tail.substr(marker.size()));
      double d = 0.0;
      const auto r = std::from_chars(number.data(), number.data() + number.size(), d);
      if (r.ec == std::errc())
        denominator = d;
      break;
    }
  }
  if (denominator && std::abs(*denominator - scale.max) > 1e-6) {
    reading.problem =
        fmt::format("the rating \"{}\" is on a scale to {}, not {}", single_line(trimmed),
                    format_rating(*denominator), scale_range_text(scale));
    return reading;
  }
  return read_rating_number(value, scale);
}

ParsedAnswer parse_profile_answer(std::string_view answer, TaskKind kind) {
  ParsedAnswer parsed;
  LlmTaskResult& result = parsed.result;
  auto extracted = extract_answer_json(answer);
  parsed.notes = std::move(extracted.notes);
  if (!extracted.found()) {
    result.problem = std::move(extracted.problem);
    return parsed;
  }
  const json root = json::parse(extracted.json, nullptr, false, true);
  if (!root.is_object()) {
    result.problem = "The answer's JSON is not an object.";
    return parsed;
  }
  std::vector<std::string> problems;
  const auto [profile, profile_name] = first_member(root, kProfileFields);
  if (!profile) {
    problems.emplace_back("The answer has no \"profile\".");
  } else if (!profile->is_string()) {
    problems.push_back(
        fmt::format("\"profile\" must be a string, not {}.", json_type_name(*profile)));
  } else if (trim(profile->get_ref<const std::string&>()).empty()) {
    problems.emplace_back("\"profile\" is empty.");
  } else {
    result.profile = std::string(trim(profile->get_ref<const std::string&>()));
    if (profile_name != "profile")
      parsed.notes.push_back(fmt::format("the profile was under \"{}\"", profile_name));
  }
  const auto [change, change_name] = first_member(root, kChangeFields);
  if (change && change->is_string()) {
    result.change = std::string(trim(change->get_ref<const std::string&>()));
    if (change_name != "change")
      parsed.notes.push_back(fmt::format("the change was under \"{}\"", change_name));
  }
  if (kind == TaskKind::kUpdateProfile && result.change.empty()) {
    if (change && !change->is_string()) {
      problems.push_back(
          fmt::format("\"change\" must be a string, not {}.", json_type_name(*change)));
    } else {
      problems.emplace_back(
          "The answer has no \"change\": one sentence on what changed in the profile and why.");
    }
  }
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0)
      result.problem += ' ';
    result.problem += problems[i];
  }
  return parsed;
}

ParsedAnswer parse_rating_answer(std::string_view answer, const Dataset& dataset,
                                 const std::vector<ItemIndex>& candidates) {
  ParsedAnswer parsed;
  LlmTaskResult& result = parsed.result;
  const CandidateIndex index(dataset, candidates);
  const RatingScale& scale = dataset.scale();

  auto extracted = extract_answer_json(answer);
  parsed.notes = std::move(extracted.notes);
  json root;
  if (extracted.found())
    root = json::parse(extracted.json, nullptr, false, true);
  if (!extracted.found() || !(root.is_object() || root.is_array())) {
    result.missing = index.items;
    result.problem =
        extracted.found() ? "The answer's JSON is not an object." : std::move(extracted.problem);
    return parsed;
  }

  const auto entries = answer_entries(root, index, parsed.notes);
  const std::size_t n = index.items.size();
  std::vector<std::optional<ItemRating>> rated(n);
  std::vector<std::string> invalid(n);  // why the item's entry was unusable
  std::vector<std::string> ignored;
  std::size_t ignored_count = 0;
  std::size_t without_explanation = 0;
  std::vector<std::string> unexplained;
  for (const auto& entry : entries) {
    bool by_title = false;
    const auto position = index.find(entry.key, by_title);
    if (!position) {
      if (ignored_count++ < kMaxNotedKeys)
        ignored.push_back(fmt::format("\"{}\"", single_line(entry.key.substr(0, 40))));
      continue;
    }
    const std::string key = index.key_of(*position);
    if (rated[*position]) {
      parsed.notes.push_back(fmt::format("{}: a second entry was ignored", key));
      continue;
    }
    if (by_title)
      parsed.notes.push_back(fmt::format("{}: keyed by its title", key));
    auto reading = read_entry(*entry.value, scale);
    if (!reading.rating.rating) {
      if (invalid[*position].empty())
        invalid[*position] = std::move(reading.rating.problem);
      continue;
    }
    if (reading.rating_was_text) {
      parsed.notes.push_back(
          fmt::format("{}: the rating was text ({})", key, json_excerpt(*entry.value)));
    }
    if (!reading.rating.note.empty())
      parsed.notes.push_back(fmt::format("{}: {}", key, reading.rating.note));
    if (!reading.has_explanation) {
      ++without_explanation;
      if (unexplained.size() < kMaxNotedKeys)
        unexplained.push_back(key);
    }
    rated[*position] =
        ItemRating{index.items[*position], *reading.rating.rating, std::move(reading.explanation)};
  }
  if (ignored_count > 0) {
    parsed.notes.push_back(fmt::format("{} key(s) naming no candidate were ignored: {}{}",
                                       ignored_count, joined(ignored),
                                       ignored_count > ignored.size() ? ", ..." : ""));
  }
  if (without_explanation > 0) {
    parsed.notes.push_back(fmt::format("{} rating(s) without an explanation: {}{}",
                                       without_explanation, joined(unexplained),
                                       without_explanation > unexplained.size() ? ", ..." : ""));
  }

  std::vector<std::string> absent;
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < n; ++i) {
    if (rated[i]) {
      result.ratings.push_back(std::move(*rated[i]));
      continue;
    }
    result.missing.push_back(index.items[i]);
    if (invalid[i].empty()) {
      absent.push_back(index.key_of(i));
    } else {
      problems.push_back(fmt::format("{}: {}.", index.key_of(i), invalid[i]));
    }
  }
  if (!absent.empty()) {
    problems.insert(problems.begin(), fmt::format("The answer did not rate {}.", joined(absent)));
  }
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0)
      result.problem += ' ';
    result.problem += problems[i];
  }
  return parsed;
}

ParsedAnswer parse_task_answer(std::string_view answer, const LlmTask& task,
                               const Dataset& dataset) {
  if (task.kind == TaskKind::kRateItems)
    return parse_rating_answer(answer, dataset, task.candidates);
  return parse_profile_answer(answer, task.kind);
}

void merge_repair(TaskKind kind, LlmTaskResult& into, LlmTaskResult repair) {
  if (kind != TaskKind::kRateItems) {
    if (!repair.profile.empty())
      into.profile = std::move(repair.profile);
    if (!repair.change.empty())
      into.change = std::move(repair.change);
    into.problem = std::move(repair.problem);
    return;
  }
  for (auto& rating : repair.ratings) {
    const bool was_missing =
        std::find(into.missing.begin(), into.missing.end(), rating.item) != into.missing.end();
    const bool already = std::any_of(into.ratings.begin(), into.ratings.end(),
                                     [&](const ItemRating& r) { return r.item == rating.item; });
    if (was_missing && !already)
      into.ratings.push_back(std::move(rating));
  }
  into.missing = std::move(repair.missing);
  into.problem = std::move(repair.problem);
}

}  // namespace lusifer
