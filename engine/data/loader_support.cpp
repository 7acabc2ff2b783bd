#include "engine/data/loader_support.hpp"

#include <fmt/format.h>

#include "engine/core/text_encoding.hpp"
#include "engine/data/csv_reader.hpp"
#include "engine/data/field_parsing.hpp"

namespace lusifer::loader {

bool fail(InputDiagnostics& diagnostics, const RecordSource& at, std::string expected,
          std::string found) {
  diagnostics.report(InputError(at.file, at.line, std::move(expected), std::move(found)));
  return false;
}

bool expect_field_count(InputDiagnostics& diagnostics, const RecordSource& at,
                        std::span<const std::string_view> fields, std::size_t count,
                        std::string_view layout) {
  if (fields.size() == count) return true;
  return fail(diagnostics, at, std::string(layout),
              fmt::format("{} field{}: {}", fields.size(), fields.size() == 1 ? "" : "s",
                          quote_excerpt(at.text)));
}

std::optional<ExternalId> parse_id(InputDiagnostics& diagnostics, const RecordSource& at,
                                   std::string_view field, std::string_view what) {
  if (const auto id = parse_int64(field)) return *id;
  fail(diagnostics, at, fmt::format("an integer {}", what), quote_excerpt(field));
  return std::nullopt;
}

std::optional<std::int64_t> parse_timestamp(InputDiagnostics& diagnostics, const RecordSource& at,
                                            std::string_view field) {
  if (const auto ts = parse_int64(field)) return *ts;
  fail(diagnostics, at, "an integer timestamp (seconds since 1970)", quote_excerpt(field));
  return std::nullopt;
}

std::optional<float> parse_rating(InputDiagnostics& diagnostics, const RecordSource& at,
                                  std::string_view field, const RatingScale& scale) {
  const auto value = parse_double(field);
  if (value && scale.contains(*value)) return static_cast<float>(*value);
  fail(diagnostics, at,
       fmt::format("a rating from {} to {} in steps of {}", scale.min, scale.max, scale.step),
       quote_excerpt(field));
  return std::nullopt;
}

std::optional<std::string> decode_latin1(InputDiagnostics& diagnostics, const RecordSource& at,
                                         std::string_view field) {
  if (const auto bad = find_non_latin1_text(field)) {
    fail(diagnostics, at, "latin-1 text",
         fmt::format("the control byte 0x{:02x} at byte {} of {}",
                     static_cast<unsigned char>(field[*bad]), *bad + 1, quote_excerpt(field)));
    return std::nullopt;
  }
  if (looks_like_multibyte_utf8(field)) return std::string(field);
  std::string out;
  out.reserve(field.size() + 8);
  append_latin1_as_utf8(field, out);
  return out;
}

bool check_utf8(InputDiagnostics& diagnostics, const RecordSource& at, std::string_view field) {
  if (const auto bad = find_invalid_utf8(field)) {
    return fail(diagnostics, at, "UTF-8 text",
                fmt::format("the invalid byte 0x{:02x} at byte {} of {}",
                            static_cast<unsigned char>(field[*bad]), *bad + 1,
                            quote_excerpt(field)));
  }
  for (std::size_t i = 0; i < field.size(); ++i) {
    const auto c = static_cast<unsigned char>(field[i]);
    if (c < 0x20 && c != '\t' && c != '\n') {
      return fail(diagnostics, at, "UTF-8 text",
                  fmt::format("the control byte 0x{:02x} at byte {} of {}", c, i + 1,
                              quote_excerpt(field)));
    }
  }
  return true;
}

void expect_csv_header(CsvReader& reader, std::string_view expected) {
  std::vector<std::string_view> fields;
  if (!reader.next(fields)) {
    throw InputError(reader.path(), 0, fmt::format("a header row '{}'", expected), "an empty file");
  }
  std::string found;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) found += ',';
    found.append(fields[i]);
  }
  if (found != expected) {
    throw InputError(reader.path(), reader.record_line(), fmt::format("the header '{}'", expected),
                     quote_excerpt(found));
  }
}

}  // namespace lusifer::loader
