#pragma once

// What the format loaders share: field checks that report through
// InputDiagnostics with uniform messages, and text decoding.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/input_error.hpp"
#include "engine/data/csv_reader.hpp"
#include "engine/data/dataset.hpp"

namespace lusifer::loader {

// Where a record came from, for messages.
struct RecordSource {
  const std::string& file;
  std::size_t line;
  std::string_view text;
};

// Reports a malformed record; returns false so callers can `return fail(...)`.
bool fail(InputDiagnostics& diagnostics, const RecordSource& at, std::string expected,
          std::string found);

// Checks that the record has exactly `count` fields described by `layout`
// (e.g. "4 tab-separated fields (user id, item id, rating, timestamp)").
bool expect_field_count(InputDiagnostics& diagnostics, const RecordSource& at,
                        std::span<const std::string_view> fields, std::size_t count,
                        std::string_view layout);

std::optional<ExternalId> parse_id(InputDiagnostics& diagnostics, const RecordSource& at,
                                   std::string_view field, std::string_view what);

std::optional<std::int64_t> parse_timestamp(InputDiagnostics& diagnostics, const RecordSource& at,
                                            std::string_view field);

// Parses a rating and checks it against the dataset's scale.
std::optional<float> parse_rating(InputDiagnostics& diagnostics, const RecordSource& at,
                                  std::string_view field, const RatingScale& scale);

// Decodes a field of a latin-1 file into UTF-8. A field that is already valid
// multi-byte UTF-8 (a file someone converted) is kept as it is. Control bytes
// are an encoding error.
std::optional<std::string> decode_latin1(InputDiagnostics& diagnostics, const RecordSource& at,
                                         std::string_view field);

// Checks that a field of a UTF-8 file is valid UTF-8 without control bytes.
bool check_utf8(InputDiagnostics& diagnostics, const RecordSource& at, std::string_view field);

// Reads the header row of a CSV file and checks it is exactly `expected`
// (comma-separated names). Throws InputError for an empty file or another
// header: both mean the whole file is not what it should be.
void expect_csv_header(CsvReader& reader, std::string_view expected);

}  // namespace lusifer::loader
