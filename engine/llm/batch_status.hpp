#pragma once

// The batch object of OpenAI's (and Azure's) Batch API: what to POST to
// create a batch, where the endpoints are, and reading the status a poll
// returns.
//
//   POST <base>/batches {"input_file_id":"file-..","endpoint":"/v1/chat/completions",
//                        "completion_window":"24h"}      ("24h" is the only window offered)
//   GET  <base>/batches/<id>  -> {"id","status","output_file_id","error_file_id",
//                                 "request_counts":{"total","completed","failed"},
//                                 "errors":{"data":[{"code","message","line"}]}, ...}
//   GET  <base>/files/<file id>/content  -> the output or error JSONL
// Status moves validating -> in_progress -> finalizing -> completed, or ends
// failed, expired or cancelled (through cancelling). An expired batch still
// has results for the requests it finished; the rest are in the error file.
//
// Pure functions; thread-safe; parse errors are values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/llm/backend_profile.hpp"

namespace lusifer::llm {

enum class BatchState {
  kValidating,
  kInProgress,
  kFinalizing,
  kCompleted,
  kFailed,
  kExpired,
  kCancelling,
  kCancelled,
  kUnknown  // a status this code does not know (see BatchStatus::state_text)
};

// The API's spelling: "validating", "in_progress", ..., or "unknown".
std::string_view batch_state_name(BatchState state) noexcept;

// True when the batch will not change any more (completed, failed, expired,
// cancelled): stop polling and fetch the files.
bool is_final(BatchState state) noexcept;

inline constexpr std::size_t kMaxBatchErrorsKept = 20;

struct BatchStatus {
  std::string id;
  BatchState state = BatchState::kUnknown;
  std::string state_text;
  std::string input_file_id;
  std::string output_file_id;  // empty until results exist
  std::string error_file_id;   // empty when no request failed
  std::int64_t total = 0;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  // errors.data[].message (validation failures of the input file), at most
  // kMaxBatchErrorsKept, each prefixed by its line when given ("line 3: ...").
  std::vector<std::string> errors;
};

// Reads a batch object. Returns a description of the problem, or nullopt.
std::optional<std::string> parse_batch_status(std::string_view body, BatchStatus& out);

// The body that creates a batch of chat completions from an uploaded file.
std::string batch_create_body(BackendKind kind, std::string_view input_file_id);

// URLs of the batch endpoints. OpenAI: <base>/batches[/<id>], <base>/files[...];
// Azure: <endpoint>/openai/batches[/<id>]?api-version=<version>, likewise files.
// `id` may be empty for the collection. Throw std::invalid_argument for an
// unusable profile or one without the Batch API (see supports_batch_api).
std::string batches_url(const BackendProfile& profile, std::string_view batch_id = {});
std::string files_url(const BackendProfile& profile, std::string_view file_id = {});
std::string file_content_url(const BackendProfile& profile, std::string_view file_id);

}  // namespace lusifer::llm
