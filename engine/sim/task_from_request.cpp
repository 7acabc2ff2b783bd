#include "engine/sim/task_from_request.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/sim/answer_schema.hpp"
#include "engine/sim/prompt_keys.hpp"

namespace lusifer {
namespace {

using nlohmann::json;

struct Message {
  llm::MessageRole role = llm::MessageRole::kUser;
  std::string content;
};

// What the recovery needs from a request, whichever form it came in.
struct RequestView {
  std::vector<Message> messages;
  std::string schema_name;
  json schema;  // null when the request carries none
  std::optional<std::string> user;
};

// Matches one rendered line of a template against a line of text, capturing
// the item key and the rating. Free-text placeholders match lazily, with
// backtracking, so titles that contain the template's own punctuation still
// match.
class LineMatcher {
 public:
  explicit LineMatcher(const PromptTemplate::Line& line) : segments_(line.segments) {}

  struct Captures {
    std::string_view key;
    std::string_view rating;
  };

  bool match(std::string_view text, Captures& captures) const {
    steps_ = 0;
    return match_from(0, text, 0, captures);
  }

 private:
  // A bound on the work per line, so a pathological line costs little.
  static constexpr std::size_t kMaxSteps = 10'000;

  bool match_from(std::size_t index, std::string_view text, std::size_t pos,
                  Captures& captures) const {
    if (++steps_ > kMaxSteps)
      return false;
    if (index == segments_.size())
      return pos == text.size();
    const auto& segment = segments_[index];
    if (!segment.placeholder) {
      if (text.substr(pos).starts_with(segment.literal))
        return match_from(index + 1, text, pos + segment.literal.size(), captures);
      return false;
    }
    const Placeholder placeholder = *segment.placeholder;
    if (placeholder == Placeholder::kKey || placeholder == Placeholder::kRating) {
      std::size_t end = pos;
      if (placeholder == Placeholder::kKey) {
        if (!text.substr(pos).starts_with(kItemKeyPrefix))
          return false;
        end += kItemKeyPrefix.size();
        if (end < text.size() && text[end] == '-')
          ++end;
      }
      const std::size_t digits_start = end;
      while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') ||
                                   (placeholder == Placeholder::kRating &&
                                    (text[end] == '.' || (text[end] == '-' && end == pos)))))
        ++end;
      if (end == digits_start)
        return false;
      const std::string_view value = text.substr(pos, end - pos);
      Captures inner = captures;
      (placeholder == Placeholder::kKey ? inner.key : inner.rating) = value;
      if (!match_from(index + 1, text, end, inner))
        return false;
      captures = inner;
      return true;
    }
    // Free text: try each end, shortest first.
    for (std::size_t end = pos; end <= text.size(); ++end) {
      if (index + 1 < segments_.size() && !segments_[index + 1].placeholder) {
        const auto next = text.find(segments_[index + 1].literal, end);
        if (next == std::string_view::npos)
          return false;
        end = next;
      } else if (index + 1 == segments_.size()) {
        end = text.size();
      }
      Captures inner = captures;
      if (match_from(index + 1, text, end, inner)) {
        captures = inner;
        return true;
      }
    }
    return false;
  }

  const std::vector<PromptTemplate::Segment>& segments_;
  mutable std::size_t steps_ = 0;
};

// The member `key` of `object`, or nullptr when either is missing.
const json* child(const json& object, std::string_view key) {
  if (!object.is_object())
    return nullptr;
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const json& object, std::string_view key) {
  const json* value = child(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::vector<RecoveredTask::RatedItem> read_history(std::string_view message,
                                                   const PromptTemplates& templates) {
  const PromptTemplate& tmpl = templates.get(TemplateKind::kHistoryItem);
  const PromptTemplate::Line* key_line = nullptr;
  const PromptTemplate::Line* rating_line = nullptr;
  for (const auto& line : tmpl.lines()) {
    for (const auto& segment : line.segments) {
      if (segment.placeholder == Placeholder::kKey && !key_line)
        key_line = &line;
      if (segment.placeholder == Placeholder::kRating && !rating_line)
        rating_line = &line;
    }
  }
  std::vector<RecoveredTask::RatedItem> history;
  if (!key_line || !rating_line)
    return history;  // the loader guarantees both; kept safe for hand-made templates
  const LineMatcher key_matcher(*key_line);
  const LineMatcher rating_matcher(*rating_line);

  struct Pending {
    std::optional<ExternalId> item;
    std::string_view rating;
  };
  std::vector<Pending> items;
  for (const auto line : lines_of(message)) {
    LineMatcher::Captures captures;
    if (key_matcher.match(line, captures)) {
      items.push_back({parse_item_key(captures.key), captures.rating});
      continue;
    }
    if (rating_line != key_line && !items.empty() && items.back().rating.empty() &&
        rating_matcher.match(line, captures)) {
      items.back().rating = captures.rating;
    }
  }
  for (const auto& pending : items) {
    if (!pending.item || pending.rating.empty())
      continue;  // a candidate (item.txt) line that looks like a history line
    double rating = 0.0;
    const auto [end, error] = std::from_chars(
        pending.rating.data(), pending.rating.data() + pending.rating.size(), rating);
    if (error != std::errc() || end != pending.rating.data() + pending.rating.size() ||
        !std::isfinite(rating))
      continue;
    history.push_back({*pending.item, rating});
  }
  return history;
}

// The quoted keys of the rating shape lines in `message`, in order.
std::vector<ExternalId> shape_candidates(std::string_view message) {
  std::vector<ExternalId> keys;
  std::size_t pos = 0;
  while ((pos = message.find(kRatingShapeEntry, pos)) != std::string_view::npos) {
    const std::size_t entry = pos;
    pos += kRatingShapeEntry.size();
    if (entry == 0 || message[entry - 1] != '"')
      continue;
    const auto open = message.rfind('"', entry - 2);
    if (open == std::string_view::npos)
      continue;
    if (const auto id = parse_item_key(message.substr(open + 1, entry - open - 2)))
      keys.push_back(*id);
  }
  return keys;
}

std::optional<RatingScale> shape_scale(std::string_view message) {
  const auto pos = message.find(kRatingShapeEntry);
  if (pos == std::string_view::npos)
    return std::nullopt;
  const auto start = pos + kRatingShapeEntry.size();
  const auto end = message.find('>', start);
  if (end == std::string_view::npos)
    return std::nullopt;
  return scale_from_levels_text(message.substr(start, end - start));
}

std::optional<TaskKind> kind_from_shape(std::string_view message) {
  if (!shape_candidates(message).empty())
    return TaskKind::kRateItems;
  if (message.find(kCreateProfileShape) != std::string_view::npos)
    return TaskKind::kCreateProfile;
  if (message.find(kUpdateProfileShape) != std::string_view::npos)
    return TaskKind::kUpdateProfile;
  return std::nullopt;
}

RecoveredTask recover(const RequestView& view, const PromptTemplates& templates) {
  const Message* task_message = nullptr;
  const Message* last_user = nullptr;
  RecoveredTask task;
  int assistant_turns = 0;
  int user_turns = 0;
  for (const auto& message : view.messages) {
    if (message.role == llm::MessageRole::kUser) {
      if (!task_message)
        task_message = &message;
      last_user = &message;
      ++user_turns;
    } else if (message.role == llm::MessageRole::kAssistant) {
      ++assistant_turns;
    }
  }
  task.repair_attempt = std::max(assistant_turns, user_turns - 1);
  if (!task_message)
    throw std::invalid_argument("the request has no user message");

  std::optional<TaskKind> kind;
  if (!view.schema_name.empty())
    kind = task_kind_from_schema_name(view.schema_name);
  if (!kind)
    kind = kind_from_shape(last_user->content);
  if (!kind) {
    throw std::invalid_argument(
        "the request has neither a lusifer response schema nor a lusifer answer shape");
  }
  task.kind = *kind;
  if (view.user)
    task.user = parse_user_tag(*view.user);

  if (task.kind == TaskKind::kRateItems) {
    const json* required = nullptr;
    {
      required = child(view.schema, "required");
      if (required && !required->is_array())
        required = nullptr;
    }
    if (required) {
      std::vector<double> levels;
      for (const auto& key : *required) {
        if (!key.is_string())
          continue;
        const auto id = parse_item_key(key.get_ref<const std::string&>());
        if (!id)
          continue;
        task.candidates.push_back(*id);
        if (!levels.empty())
          continue;
        // properties.<key>.properties.rating.enum
        const json* properties = child(view.schema, "properties");
        const json* entry =
            properties ? child(*properties, key.get_ref<const std::string&>()) : nullptr;
        const json* fields = entry ? child(*entry, "properties") : nullptr;
        const json* rating = fields ? child(*fields, "rating") : nullptr;
        const json* values = rating ? child(*rating, "enum") : nullptr;
        if (values && values->is_array()) {
          for (const auto& level : *values) {
            if (level.is_number())
              levels.push_back(level.get<double>());
          }
        }
      }
      task.scale = scale_from_levels(levels);
    } else {
      task.candidates = shape_candidates(last_user->content);
    }
    if (!task.scale)
      task.scale = shape_scale(last_user->content);
    if (task.candidates.empty())
      throw std::invalid_argument("the rating request names no item_<id> candidates");
  }
  task.history = read_history(task_message->content, templates);
  return task;
}

}  // namespace

RecoveredTask task_from_request(const llm::ChatRequest& request, const PromptTemplates& templates) {
  RequestView view;
  view.messages.reserve(request.messages.size());
  for (const auto& message : request.messages)
    view.messages.push_back({message.role, message.content});
  if (request.response_format.kind() == llm::ResponseFormat::Kind::kJsonSchema) {
    view.schema_name = std::string(request.response_format.schema_name());
    const auto schema = request.response_format.schema_compact();
    view.schema = json::parse(schema.begin(), schema.end(), nullptr, false);
    if (view.schema.is_discarded())
      view.schema = nullptr;
  }
  view.user = request.user;
  return recover(view, templates);
}

RecoveredTask task_from_request_body(std::string_view body, const PromptTemplates& templates) {
  const json root = json::parse(body.begin(), body.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object())
    throw std::invalid_argument("the request body is not a JSON object");
  const auto messages = root.find("messages");
  if (messages == root.end() || !messages->is_array())
    throw std::invalid_argument("the request body has no messages array");
  RequestView view;
  for (const auto& message : *messages) {
    if (!message.is_object())
      throw std::invalid_argument("a message of the request body is not an object");
    const std::string role = string_member(message, "role");
    Message m;
    if (role == "system" || role == "developer") {
      m.role = llm::MessageRole::kSystem;
    } else if (role == "assistant") {
      m.role = llm::MessageRole::kAssistant;
    } else if (role == "user") {
      m.role = llm::MessageRole::kUser;
    } else {
      throw std::invalid_argument(fmt::format("unknown message role '{}'", role));
    }
    const auto content = message.find("content");
    if (content != message.end() && content->is_string()) {
      m.content = content->get<std::string>();
    } else if (content != message.end() && content->is_array()) {
      // Content parts: [{"type": "text", "text": "..."}].
      for (const auto& part : *content) {
        if (string_member(part, "type") == "text")
          m.content += string_member(part, "text");
      }
    }
    view.messages.push_back(std::move(m));
  }
  if (const json* format = child(root, "response_format");
      format && string_member(*format, "type") == "json_schema") {
    if (const json* schema = child(*format, "json_schema")) {
      view.schema_name = string_member(*schema, "name");
      if (const json* body_schema = child(*schema, "schema"))
        view.schema = *body_schema;
    }
  }
  if (const auto user = root.find("user"); user != root.end() && user->is_string())
    view.user = user->get<std::string>();
  return recover(view, templates);
}

}  // namespace lusifer
