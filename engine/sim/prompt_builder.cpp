#include "engine/sim/prompt_builder.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/sim/answer_schema.hpp"
#include "engine/sim/prompt_keys.hpp"
#include "engine/sim/prompt_text.hpp"

namespace lusifer {
namespace {

std::string gender_text(std::string_view gender) {
  if (gender == "M" || gender == "m")
    return "male";
  if (gender == "F" || gender == "f")
    return "female";
  return single_line(gender);
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

std::string ascii_lowered(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = ascii_lower(c);
  return out;
}

std::vector<ExternalId> external_ids(const Catalog& catalog, const std::vector<ItemIndex>& items) {
  std::vector<ExternalId> ids;
  ids.reserve(items.size());
  for (const auto item : items)
    ids.push_back(catalog.item(item).id);
  return ids;
}

}  // namespace

PromptBuilder::PromptBuilder(const Dataset& dataset, const PromptTemplates& templates,
                             PromptOptions options)
    : dataset_(dataset), templates_(templates), options_(options) {
  const RatingScale& scale = dataset.scale();
  scale_ = {format_rating(scale.min), format_rating(scale.max), format_rating(scale.step),
            scale_levels_text(scale)};
  PlaceholderValues values;
  set_scale(values);
  system_message_ = templates_.get(TemplateKind::kSystem).render(values);
  const std::string schema = profile_answer_schema();
  create_profile_format_ =
      llm::ResponseFormat::json_schema(answer_schema_name(TaskKind::kCreateProfile), schema);
  update_profile_format_ =
      llm::ResponseFormat::json_schema(answer_schema_name(TaskKind::kUpdateProfile), schema);
}

void PromptBuilder::set_scale(PlaceholderValues& values) const {
  values.set(Placeholder::kScaleMin, scale_.min);
  values.set(Placeholder::kScaleMax, scale_.max);
  values.set(Placeholder::kScaleStep, scale_.step);
  values.set(Placeholder::kScaleLevels, scale_.levels);
}

std::string PromptBuilder::render_user(UserIndex user) const {
  const std::optional<Demographics> demographics = dataset_.demographics(user);
  if (!demographics)
    return {};
  const Demographics& d = *demographics;
  std::string age = !d.age_group.empty() ? single_line(d.age_group)
                    : d.age              ? std::to_string(*d.age)
                                         : std::string();
  const std::string gender = gender_text(d.gender);
  const std::string occupation = single_line(d.occupation);
  PlaceholderValues values;
  set_scale(values);
  values.set(Placeholder::kAge, age);
  values.set(Placeholder::kGender, gender);
  values.set(Placeholder::kOccupation, occupation);
  const PromptTemplate& tmpl = templates_.get(TemplateKind::kUser);
  // A user template with nothing to say (no demographics) says nothing.
  if (tmpl.all_placeholders_empty(values))
    return {};
  return tmpl.render(values);
}

void PromptBuilder::append_item(std::string& out, ItemIndex item, const Interaction* rated) const {
  const Catalog& catalog = dataset_.catalog();
  const Item& it = catalog.item(item);
  const std::string key = item_key(it.id);
  const std::string year = it.year ? std::to_string(*it.year) : std::string();
  std::string title = display_title(single_line(it.title));
  // MovieLens titles carry the year; where one does not, the year still goes
  // with the title, since it tells the model which film is meant.
  if (!year.empty() && title.find(year) == std::string::npos)
    title += " (" + year + ")";
  std::string genres;
  for (const auto name : catalog.genres_of(it)) {
    if (!genres.empty())
      genres += ", ";
    genres += name;
  }
  const std::string overview = options_.overview_chars == 0
                                   ? std::string()
                                   : truncate_text(single_line(it.text), options_.overview_chars);
  std::string tags;
  std::vector<std::string> seen;  // tags differing only in case are one tag
  for (const auto& tag : it.tags) {
    if (seen.size() >= options_.max_tags)
      break;
    std::string text = single_line(tag.tag);
    if (text.empty())
      continue;
    std::string lowered = ascii_lowered(text);
    if (std::find(seen.begin(), seen.end(), lowered) != seen.end())
      continue;
    seen.push_back(std::move(lowered));
    if (!tags.empty())
      tags += ", ";
    tags += text;
  }
  const std::string rating = rated ? format_rating(rated->rating) : std::string();

  PlaceholderValues values;
  set_scale(values);
  values.set(Placeholder::kKey, key);
  values.set(Placeholder::kTitle, title);
  values.set(Placeholder::kYear, year);
  values.set(Placeholder::kGenres, genres);
  values.set(Placeholder::kOverview, overview);
  values.set(Placeholder::kTags, tags);
  values.set(Placeholder::kRating, rating);
  templates_.get(rated ? TemplateKind::kHistoryItem : TemplateKind::kItem).render(out, values);
}

std::string PromptBuilder::render_item(ItemIndex item) const {
  std::string out;
  append_item(out, item, nullptr);
  return out;
}

std::string PromptBuilder::render_history_item(const Interaction& interaction) const {
  std::string out;
  append_item(out, interaction.item, &interaction);
  return out;
}

std::string PromptBuilder::render_block_of_history(
    const std::vector<Interaction>& interactions) const {
  std::string out;
  for (const auto& interaction : interactions) {
    out += '\n';
    append_item(out, interaction.item, &interaction);
  }
  return out;
}

std::string PromptBuilder::render_block_of_items(const std::vector<ItemIndex>& items) const {
  std::string out;
  for (const auto item : items) {
    out += '\n';
    append_item(out, item, nullptr);
  }
  return out;
}

void PromptBuilder::check_task(const LlmTask& task) const {
  switch (task.kind) {
    case TaskKind::kCreateProfile:
      break;
    case TaskKind::kUpdateProfile:
      if (task.profile.empty())
        throw std::invalid_argument("an update-profile task needs the profile so far");
      if (task.interactions.empty())
        throw std::invalid_argument("an update-profile task needs new ratings");
      break;
    case TaskKind::kRateItems:
      if (task.candidates.empty())
        throw std::invalid_argument("a rate-items task needs candidates");
      break;
  }
}

std::string PromptBuilder::render_task_message(const LlmTask& task,
                                               const std::vector<ItemIndex>& candidates) const {
  const std::string user = render_user(task.user);
  std::string profile;
  if (!task.profile.empty()) {
    profile = "\n";
    std::string_view text = task.profile;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
      text.remove_suffix(1);
    profile += text;
  }
  const std::string history = render_block_of_history(task.interactions);
  std::string items;
  std::string shape;
  TemplateKind kind = TemplateKind::kRateItems;
  switch (task.kind) {
    case TaskKind::kCreateProfile:
      kind = task.interactions.empty() ? TemplateKind::kColdStartProfile
                                       : TemplateKind::kCreateProfile;
      shape = profile_answer_shape(task.kind);
      break;
    case TaskKind::kUpdateProfile:
      kind = TemplateKind::kUpdateProfile;
      shape = profile_answer_shape(task.kind);
      break;
    case TaskKind::kRateItems:
      kind = TemplateKind::kRateItems;
      items = render_block_of_items(candidates);
      shape = rating_answer_shape(external_ids(dataset_.catalog(), candidates), dataset_.scale());
      break;
  }
  PlaceholderValues values;
  set_scale(values);
  values.set(Placeholder::kUser, user);
  values.set(Placeholder::kProfile, profile);
  values.set(Placeholder::kHistory, history);
  values.set(Placeholder::kRecentRatings, history);
  values.set(Placeholder::kCandidates, items);
  values.set(Placeholder::kAnswerShape, shape);
  return templates_.get(kind).render(values);
}

llm::ResponseFormat PromptBuilder::response_format(TaskKind kind,
                                                   const std::vector<ItemIndex>& items) const {
  switch (kind) {
    case TaskKind::kCreateProfile:
      return create_profile_format_;
    case TaskKind::kUpdateProfile:
      return update_profile_format_;
    case TaskKind::kRateItems:
      break;
  }
  if (options_.rating_format == RatingAnswerFormat::kJsonObject)
    return llm::ResponseFormat::json_object();
  return llm::ResponseFormat::json_schema(
      answer_schema_name(TaskKind::kRateItems),
      rating_answer_schema(external_ids(dataset_.catalog(), items), dataset_.scale()));
}

std::int64_t PromptBuilder::max_output_tokens(TaskKind kind, std::size_t items) const {
  if (kind != TaskKind::kRateItems)
    return options_.profile_max_output_tokens;
  return options_.rating_max_output_tokens_base +
         options_.rating_max_output_tokens_per_item * static_cast<std::int64_t>(items);
}

llm::ChatRequest PromptBuilder::build_first(const LlmTask& task) const {
  check_task(task);
  const auto candidates = unique_candidates(task.candidates);
  llm::ChatRequest request;
  request.messages.reserve(4);
  request.messages.push_back({llm::MessageRole::kSystem, system_message_});
  request.messages.push_back({llm::MessageRole::kUser, render_task_message(task, candidates)});
  request.response_format = response_format(task.kind, candidates);
  request.max_output_tokens = max_output_tokens(task.kind, candidates.size());
  request.user = user_tag(dataset_.user(task.user).id);
  return request;
}

std::string PromptBuilder::render_repair_message(TaskKind kind, std::string_view problem,
                                                 const std::vector<ItemIndex>& missing) const {
  std::string missing_block;
  std::string shape;
  if (kind == TaskKind::kRateItems) {
    for (const auto item : missing) {
      const Item& it = dataset_.catalog().item(item);
      missing_block += '\n';
      missing_block += item_key(it.id);
      missing_block += ": ";
      missing_block += display_title(single_line(it.title));
    }
    shape = rating_answer_shape(external_ids(dataset_.catalog(), missing), dataset_.scale());
  } else {
    shape = profile_answer_shape(kind);
  }
  std::string problem_text = single_line(problem);
  if (problem_text.empty())
    problem_text = "The answer was incomplete.";
  PlaceholderValues values;
  set_scale(values);
  values.set(Placeholder::kProblem, problem_text);
  values.set(Placeholder::kMissingItems, missing_block);
  values.set(Placeholder::kAnswerShape, shape);
  return templates_.get(TemplateKind::kRepair).render(values);
}

llm::ChatRequest PromptBuilder::build(const LlmTask& task) const {
  llm::ChatRequest request = build_first(task);
  if (task.repair_attempt > 0) {
    // A repair task as the gateway makes it: its candidates are what is still
    // missing and `problem` says what was wrong; the bad answer itself is not
    // at hand, so the repair message follows the task message directly.
    request.messages.push_back(
        {llm::MessageRole::kUser,
         render_repair_message(task.kind, task.problem, unique_candidates(task.candidates))});
  }
  return request;
}

llm::ChatRequest PromptBuilder::build_repair(const LlmTask& task, std::string_view bad_answer,
                                             const LlmTaskResult& bad) const {
  llm::ChatRequest request = build_first(task);
  const std::string quoted = truncate_text(bad_answer, options_.repair_quote_chars);
  if (!single_line(quoted).empty())
    request.messages.push_back({llm::MessageRole::kAssistant, quoted});
  std::vector<ItemIndex> missing;
  if (task.kind == TaskKind::kRateItems) {
    const auto candidates = unique_candidates(task.candidates);
    for (const auto item : unique_candidates(bad.missing)) {
      if (std::find(candidates.begin(), candidates.end(), item) != candidates.end())
        missing.push_back(item);
    }
    if (missing.empty())
      missing = candidates;
    request.response_format = response_format(task.kind, missing);
    request.max_output_tokens = max_output_tokens(task.kind, missing.size());
  }
  request.messages.push_back(
      {llm::MessageRole::kUser, render_repair_message(task.kind, bad.problem, missing)});
  return request;
}

}  // namespace lusifer
