#include "engine/llm/chat_stream.hpp"

#include <cstring>

#include <fmt/format.h>

#include "engine/llm/ascii_text.hpp"
#include "engine/llm/padded_json.hpp"
#include "engine/llm/response_fields.hpp"

namespace lusifer::llm {
namespace {

namespace od = simdjson::ondemand;
using Result = ResponseParseResult;
using fields::failure;
using fields::is_null;
using fields::json_failure;

// The next CR or LF at or after `from`, or npos. Two memchr calls per line:
// string_view::find_first_of would call memchr once per byte of the text.
std::size_t find_line_end(std::string_view text, std::size_t from) noexcept {
  if (from >= text.size())
    return std::string_view::npos;
  const char* begin = text.data() + from;
  const std::size_t length = text.size() - from;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', length));
  const std::size_t before_lf = lf != nullptr ? static_cast<std::size_t>(lf - begin) : length;
  const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', before_lf));
  if (cr != nullptr)
    return from + static_cast<std::size_t>(cr - begin);
  return lf != nullptr ? from + before_lf : std::string_view::npos;
}

}  // namespace

struct ChatStreamAccumulator::Impl {
  explicit Impl(std::size_t limit) : max_bytes(limit) {}

  std::size_t max_bytes;
  PaddedJsonParser json;
  ChatResponse response;
  std::string line;  // a line whose end has not arrived yet
  std::string data;  // the data lines of the current event, joined by LF
  bool has_data = false;
  bool skip_lf = false;  // the last chunk ended in CR; a LF next ends nothing
  bool done = false;
  bool any_choice = false;
  bool has_content = false;
  std::string refusal;
  std::string error_data;
  Result outcome;  // sticky: the first failure

  void fail(Result r) {
    if (outcome.ok())
      outcome = std::move(r);
  }

  void fail_too_large(std::string_view what) {
    fail(failure(ResponseDefect::kTooLarge,
                 fmt::format("the stream's {} exceeded {} bytes", what, max_bytes)));
  }

  void process_line(std::string_view text) {
    if (text.empty()) {
      dispatch();
      return;
    }
    if (text.front() == ':')
      return;  // a comment, e.g. a keep-alive ping
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    if (name != "data")
      return;  // event, id, retry: nothing lusifer uses
    std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    if (has_data)
      data += '\n';
    data += value;
    has_data = true;
    if (data.size() > max_bytes)
      fail_too_large("event");
  }

  void dispatch() {
    if (!has_data)
      return;
    has_data = false;
    const std::string_view payload = trim_ascii_space(data);
    if (payload == "[DONE]") {
      done = true;
    } else if (!done) {
      if (auto r = read_chunk(payload); !r)
        fail(std::move(r));
    }
    data.clear();
  }

  Result read_delta(od::value& value) {
    if (is_null(value))
      return {};
    od::object object;
    if (auto error = value.get_object().get(object))
      return json_failure(error, "delta");
    for (auto entry : object) {
      od::field field;
      if (auto error = std::move(entry).get(field))
        return json_failure(error, "delta");
      std::string_view key;
      if (auto error = field.unescaped_key().get(key))
        return json_failure(error, "delta");
      const bool is_content = key == "content";
      if (!is_content && key != "refusal")
        continue;
      od::value& piece_value = field.value();
      if (is_null(piece_value))
        continue;
      std::string_view piece;
      if (auto error = piece_value.get_string().get(piece)) {
        return json_failure(error, is_content ? "delta.content" : "delta.refusal");
      }
      std::string& target = is_content ? response.content : refusal;
      if (target.size() + piece.size() > max_bytes) {
        return failure(ResponseDefect::kTooLarge,
                       fmt::format("the streamed answer exceeded {} bytes", max_bytes));
      }
      target += piece;
      if (is_content)
        has_content = true;
    }
    return {};
  }

  Result read_choice(od::value& value) {
    od::object object;
    if (auto error = value.get_object().get(object))
      return json_failure(error, "choices[]");
    // Fields may come in any order, so the index is known only at the end:
    // collect this choice's pieces separately.
    std::int64_t index = 0;
    const std::size_t content_before = response.content.size();
    const std::size_t refusal_before = refusal.size();
    const bool had_content = has_content;
    std::string finish;
    bool has_finish = false;
    for (auto entry : object) {
      od::field field;
      if (auto error = std::move(entry).get(field))
        return json_failure(error, "choices[]");
      std::string_view key;
      if (auto error = field.unescaped_key().get(key))
        return json_failure(error, "choices[]");
      if (key == "index") {
        if (auto error = field.value().get_int64().get(index)) {
          return json_failure(error, "choices[].index");
        }
      } else if (key == "delta") {
        if (auto r = read_delta(field.value()); !r)
          return r;
      } else if (key == "finish_reason") {
        if (auto r = fields::read_nullable_string(field.value(), finish, "choices[].finish_reason");
            !r) {
          return r;
        }
        has_finish = !finish.empty();
      }
    }
    if (index != 0) {
      // Another choice (n > 1): take back what it appended.
      response.content.resize(content_before);
      refusal.resize(refusal_before);
      has_content = had_content;
      return {};
    }
    any_choice = true;
    if (has_finish) {
      response.finish_reason_text = finish;
      response.finish_reason = fields::finish_reason_from(finish);
    }
    return {};
  }

  Result read_chunk(std::string_view payload) {
    od::document doc;
    if (auto error = json.iterate(payload, doc))
      return json_failure(error, "a stream chunk");
    od::object root;
    if (auto error = doc.get_object().get(root))
      return json_failure(error, "a stream chunk");
    for (auto entry : root) {
      od::field field;
      if (auto error = std::move(entry).get(field))
        return json_failure(error, "a stream chunk");
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) {
        return json_failure(error, "a stream chunk");
      }
      Result r;
      if (key == "choices") {
        od::value& choices_value = field.value();
        if (is_null(choices_value))
          continue;  // some servers' usage chunk
        od::array choices;
        if (auto error = choices_value.get_array().get(choices)) {
          return json_failure(error, "choices");
        }
        for (auto element : choices) {
          od::value choice;
          if (auto error = std::move(element).get(choice))
            return json_failure(error, "choices");
          if (r = read_choice(choice); !r)
            return r;
        }
      } else if (key == "id") {
        r = fields::read_nullable_string(field.value(), response.id, "id");
      } else if (key == "model") {
        r = fields::read_nullable_string(field.value(), response.model, "model");
      } else if (key == "system_fingerprint") {
        r = fields::read_nullable_string(field.value(), response.system_fingerprint,
                                         "system_fingerprint");
      } else if (key == "usage") {
        r = fields::read_usage(field.value(), response.usage, response.has_usage);
      } else if (key == "error" && !is_null(field.value())) {
        error_data.assign(payload.substr(0, std::min(payload.size(), max_bytes)));
        return failure(
            ResponseDefect::kErrorObject,
            "the stream carried an error event (parse error_data with parse_error_body)");
      }
      if (!r)
        return r;
    }
    if (!at_document_end(doc)) {
      return failure(ResponseDefect::kMalformedJson, "there is more text after a stream chunk");
    }
    return {};
  }
};

ChatStreamAccumulator::ChatStreamAccumulator(std::size_t max_bytes)
    : impl_(std::make_unique<Impl>(max_bytes)) {}
ChatStreamAccumulator::~ChatStreamAccumulator() = default;
ChatStreamAccumulator::ChatStreamAccumulator(ChatStreamAccumulator&&) noexcept = default;
ChatStreamAccumulator& ChatStreamAccumulator::operator=(ChatStreamAccumulator&&) noexcept = default;

ResponseParseResult ChatStreamAccumulator::feed(std::string_view bytes) {
  Impl& s = *impl_;
  if (!s.outcome.ok())
    return s.outcome;
  std::size_t i = 0;
  if (s.skip_lf && !bytes.empty()) {
    if (bytes.front() == '\n')
      i = 1;
    s.skip_lf = false;
  }
  while (i < bytes.size() && s.outcome.ok()) {
    const auto end = find_line_end(bytes, i);
    if (end == std::string_view::npos) {
      s.line.append(bytes.substr(i));
      if (s.line.size() > s.max_bytes)
        s.fail_too_large("line");
      break;
    }
    const std::string_view piece = bytes.substr(i, end - i);
    std::size_t next = end + 1;
    if (bytes[end] == '\r') {
      if (next == bytes.size()) {
        s.skip_lf = true;  // a LF may open the next chunk
      } else if (bytes[next] == '\n') {
        ++next;
      }
    }
    if (s.line.empty()) {
      s.process_line(piece);  // the common case: no copy
    } else {
      s.line.append(piece);
      if (s.line.size() > s.max_bytes) {
        s.fail_too_large("line");
        break;
      }
      s.process_line(s.line);
      s.line.clear();
    }
    i = next;
  }
  return s.outcome;
}

ResponseParseResult ChatStreamAccumulator::finish(ChatResponse& out) {
  Impl& s = *impl_;
  if (s.outcome.ok() && !s.line.empty()) {
    s.process_line(s.line);
    s.line.clear();
  }
  if (s.outcome.ok())
    s.dispatch();
  if (s.outcome.ok()) {
    if (!s.done) {
      s.fail(failure(ResponseDefect::kIncompleteStream, "the stream ended before data: [DONE]"));
    } else if (!s.any_choice) {
      s.fail(failure(ResponseDefect::kNoChoices, "the stream carried no choices"));
    } else if (!s.has_content) {
      if (!s.refusal.empty()) {
        s.fail(failure(ResponseDefect::kRefusal, fmt::format("the model refused: {}", s.refusal)));
      } else {
        s.fail(failure(ResponseDefect::kNullContent, "the stream carried no content"));
      }
    }
  }
  if (!s.refusal.empty())
    s.response.refusal = s.refusal;
  out = std::move(s.response);
  s.response = ChatResponse{};
  return s.outcome;
}

void ChatStreamAccumulator::reset() {
  Impl& s = *impl_;
  s.response = ChatResponse{};
  s.line.clear();
  s.data.clear();
  s.has_data = false;
  s.skip_lf = false;
  s.done = false;
  s.any_choice = false;
  s.has_content = false;
  s.refusal.clear();
  s.error_data.clear();
  s.outcome = {};
}

bool ChatStreamAccumulator::done() const noexcept {
  return impl_->done;
}
bool ChatStreamAccumulator::usage_seen() const noexcept {
  return impl_->response.has_usage;
}
std::string_view ChatStreamAccumulator::error_data() const noexcept {
  return impl_->error_data;
}

}  // namespace lusifer::llm
