// Fuzzes the reading of LLM answers, which are arbitrary text: rating answers
// over a tiny in-memory dataset, profile answers, the JSON extraction under
// both, and the merging of a repair answer.
//
// Input: three choice bytes, then the answer.
//   byte 0  the task: % 3 picks create-profile, update-profile or rate-items;
//           / 3 % 2 picks the dataset's scale (1..5 by 1, or 0.5..5 by 0.5)
//   byte 1  rate tasks: which of the eight catalog items are candidates (a bit
//           mask); byte 2, bit 0: ask for the first candidate twice
// Beyond not crashing, the harness checks what answer_parser.hpp and
// answer_json.hpp promise: every candidate ends up rated or missing, once,
// in candidate order; ratings are levels of the scale; an incomplete result
// says why; extracted JSON is valid JSON.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/dataset.hpp"
#include "engine/sim/answer_json.hpp"
#include "engine/sim/answer_parser.hpp"
#include "engine/sim/llm_task.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;

struct CatalogEntry {
  ExternalId id;
  const char* title;
};

// Titles that collide with the key forms the parser accepts ("Item 5", "#9",
// numbers), non-ASCII, a newline, and ids that are negative or large.
constexpr CatalogEntry kCatalog[] = {
    {1, "Toy Story (1995)"},
    {2, "Mis\xc3\xa9rables, Les (1995)"},
    {5, "Item 5"},
    {7, "Se7en (1995)"},
    {9, "#9"},
    {12, "12 Angry Men (1957)"},
    {-3, "Line\nBreak (2001)"},
    {4'000'000'000, "Big Id (2020)"},
};
constexpr std::size_t kCatalogSize = std::size(kCatalog);

Dataset make_dataset(RatingScale scale) {
  DatasetBuilder builder(DatasetFormat::kMovieLensLatest, "fuzz", scale);
  for (const auto& entry : kCatalog) {
    Item item;
    item.id = entry.id;
    item.title = entry.title;
    builder.add_item(std::move(item));
  }
  builder.add_user(1);
  builder.add_rating(0, 0, scale.max, 1);
  return builder.finish();
}

const Dataset& dataset_with(bool half_stars) {
  static const Dataset kWholeStars = make_dataset(RatingScale{1.0f, 5.0f, 1.0f});
  static const Dataset kHalfStars = make_dataset(RatingScale{0.5f, 5.0f, 0.5f});
  return half_stars ? kHalfStars : kWholeStars;
}

// Position of `item` in `order`, or npos.
std::size_t position_of(const std::vector<ItemIndex>& order, ItemIndex item) {
  const auto it = std::find(order.begin(), order.end(), item);
  return it == order.end() ? std::string::npos : static_cast<std::size_t>(it - order.begin());
}

void check_rating_result(const LlmTaskResult& result, const Dataset& dataset,
                         const std::vector<ItemIndex>& unique) {
  LUSIFER_FUZZ_CHECK(result.ratings.size() + result.missing.size() == unique.size(),
                     "every candidate is either rated or missing, once");
  std::size_t last = 0;
  bool first = true;
  for (const auto& rating : result.ratings) {
    const std::size_t at = position_of(unique, rating.item);
    LUSIFER_FUZZ_CHECK(at != std::string::npos, "only candidates are rated");
    LUSIFER_FUZZ_CHECK(first || at > last, "ratings come once each, in candidate order");
    LUSIFER_FUZZ_CHECK(dataset.scale().contains(rating.rating),
                       "a rating is a level of the dataset's scale");
    last = at;
    first = false;
  }
  first = true;
  for (const auto item : result.missing) {
    const std::size_t at = position_of(unique, item);
    LUSIFER_FUZZ_CHECK(at != std::string::npos, "only candidates are missing");
    LUSIFER_FUZZ_CHECK(first || at > last, "missing items come once each, in candidate order");
    LUSIFER_FUZZ_CHECK(std::none_of(result.ratings.begin(), result.ratings.end(),
                                    [&](const ItemRating& r) { return r.item == item; }),
                       "an item is not both rated and missing");
    last = at;
    first = false;
  }
  LUSIFER_FUZZ_CHECK(result.missing.empty() || !result.problem.empty(),
                     "an answer that leaves items missing says why");
  LUSIFER_FUZZ_CHECK(!result.missing.empty() || unique.empty() || result.problem.empty(),
                     "an answer that rates every candidate is complete");
}

void fuzz_rating(std::string_view answer, const Dataset& dataset, std::uint8_t mask,
                 bool repeat_first) {
  LlmTask task;
  task.kind = TaskKind::kRateItems;
  std::vector<ItemIndex> unique;
  for (std::size_t i = 0; i < kCatalogSize; ++i) {
    if ((mask >> i) & 1u) {
      // Candidates in a fixed but non-sorted order: 3, 6, 1, 4, 7, 2, 5, 0.
      unique.push_back(static_cast<ItemIndex>((i * 3 + 3) % kCatalogSize));
    }
  }
  task.candidates = unique;
  if (repeat_first && !unique.empty())
    task.candidates.push_back(unique.front());

  ParsedAnswer parsed = parse_task_answer(answer, task, dataset);
  check_rating_result(parsed.result, dataset, unique);

  // The same answer once more as the repair of what was missing.
  const std::vector<ItemIndex> asked_again = parsed.result.missing;
  ParsedAnswer repair = parse_rating_answer(answer, dataset, asked_again);
  check_rating_result(repair.result, dataset, asked_again);
  merge_repair(TaskKind::kRateItems, parsed.result, std::move(repair.result));
  LUSIFER_FUZZ_CHECK(parsed.result.ratings.size() + parsed.result.missing.size() == unique.size(),
                     "after a repair every candidate is still rated or missing, once");
}

void fuzz_profile(std::string_view answer, TaskKind kind) {
  const ParsedAnswer parsed = parse_profile_answer(answer, kind);
  const LlmTaskResult& result = parsed.result;
  if (result.problem.empty()) {
    LUSIFER_FUZZ_CHECK(!result.profile.empty(), "a complete profile answer has a profile");
    LUSIFER_FUZZ_CHECK(kind != TaskKind::kUpdateProfile || !result.change.empty(),
                       "a complete update answer says what changed");
  }
  LUSIFER_FUZZ_CHECK(result.ratings.empty() && result.missing.empty(),
                     "a profile answer rates nothing");

  LlmTaskResult into;
  into.profile = "before";
  merge_repair(kind, into, parsed.result);
  LUSIFER_FUZZ_CHECK(!into.profile.empty(), "a repair never empties a profile");
}

void fuzz_rating_values(std::string_view answer, const RatingScale& scale) {
  const RatingReading text = read_rating_text(answer.substr(0, 64), scale);
  LUSIFER_FUZZ_CHECK(text.rating.has_value() == text.problem.empty(),
                     "a rating text is either read or explained");
  LUSIFER_FUZZ_CHECK(!text.rating || scale.contains(*text.rating),
                     "a rating read from text is a level of the scale");
  if (answer.size() >= sizeof(double)) {
    double value = 0.0;
    std::memcpy(&value, answer.data(), sizeof value);
    const RatingReading number = read_rating_number(value, scale);
    LUSIFER_FUZZ_CHECK(number.rating.has_value() == number.problem.empty(),
                       "a rating number is either read or explained");
    LUSIFER_FUZZ_CHECK(!number.rating || scale.contains(*number.rating),
                       "a rating read from a number is a level of the scale");
  }
}

void check_extraction(std::string_view answer) {
  const ExtractedJson extracted = extract_answer_json(answer);
  LUSIFER_FUZZ_CHECK(extracted.found() == extracted.problem.empty(),
                     "the JSON is either found or the problem is said");
  if (extracted.found()) {
    LUSIFER_FUZZ_CHECK(nlohmann::json::accept(extracted.json, /*ignore_comments=*/true),
                       "extracted JSON is valid JSON");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lusifer::fuzz::FuzzInput in(data, size);
  const std::uint8_t task_byte = in.byte();
  const std::uint8_t mask = in.byte();
  const bool repeat_first = (in.byte() & 1u) != 0;
  const std::string_view answer = in.rest();
  const Dataset& dataset = dataset_with((task_byte / 3) % 2 == 1);

  switch (task_byte % 3) {
    case 0:
      fuzz_profile(answer, TaskKind::kCreateProfile);
      break;
    case 1:
      fuzz_profile(answer, TaskKind::kUpdateProfile);
      break;
    default:
      fuzz_rating(answer, dataset, mask, repeat_first);
      break;
  }
  fuzz_rating_values(answer, dataset.scale());
  check_extraction(answer);
  return 0;
}
