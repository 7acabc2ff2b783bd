#include "engine/data/item_text_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "engine/data/csv_reader.hpp"
#include "engine/data/field_parsing.hpp"
#include "engine/data/loader_support.hpp"

namespace lusifer {
namespace {

constexpr std::string_view kIdColumns[] = {"movie_id", "movieId", "item_id", "itemId"};
constexpr std::string_view kTitleColumns[] = {"movie_title", "title"};
constexpr std::string_view kTextColumns[] = {"overview", "description", "text", "summary",
                                             "wiki_summary"};
constexpr std::size_t kMaxReportedLines = 10;

std::optional<std::size_t> column_of(const std::vector<std::string>& header, std::string_view name) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) return std::nullopt;
  return static_cast<std::size_t>(it - header.begin());
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

ItemTextReport join_item_text(Dataset& dataset, const ItemTextSource& source,
                              InputDiagnostics& diagnostics) {
  LineReader lines(source.file.string());
  CsvReader reader(lines);
  std::vector<std::string_view> f;
  if (!reader.next(f)) throw InputError(lines.path(), 0, "a header row", "an empty file");
  const std::vector<std::string> header(f.begin(), f.end());

  ItemTextReport report;
  std::optional<std::size_t> key;
  if (!source.key_column.empty()) {
    key = column_of(header, source.key_column);
    if (!key) {
      throw InputError(lines.path(), 1, fmt::format("a column named '{}'", source.key_column),
                       fmt::format("the columns {}", joined(header)));
    }
    report.key_column = source.key_column;
    report.by_title = std::find(std::begin(kIdColumns), std::end(kIdColumns),
                                source.key_column) == std::end(kIdColumns);
  } else {
    for (const auto name : kIdColumns) {
      if ((key = column_of(header, name))) break;
    }
    report.by_title = !key;
    for (const auto name : kTitleColumns) {
      if (key) break;
      key = column_of(header, name);
    }
    if (!key) {
      throw InputError(lines.path(), 1,
                       "an id column (movie_id, movieId, item_id, itemId) or a title column "
                       "(movie_title, title)",
                       fmt::format("the columns {}", joined(header)));
    }
    report.key_column = header[*key];
  }

  std::vector<std::size_t> text;
  const auto wanted = source.text_columns.empty()
                          ? std::vector<std::string>(std::begin(kTextColumns), std::end(kTextColumns))
                          : source.text_columns;
  for (const auto& name : wanted) {
    if (const auto c = column_of(header, name)) {
      text.push_back(*c);
      report.text_columns.push_back(name);
    } else if (!source.text_columns.empty()) {
      throw InputError(lines.path(), 1, fmt::format("a column named '{}'", name),
                       fmt::format("the columns {}", joined(header)));
    }
  }
  if (text.empty()) {
    throw InputError(lines.path(), 1, fmt::format("a text column ({})", joined(wanted)),
                     fmt::format("the columns {}", joined(header)));
  }

  Catalog& catalog = dataset.mutable_catalog();
  while (reader.next(f)) {
    if (f.size() == 1 && f[0].empty()) continue;
    const loader::RecordSource at{lines.path(), reader.record_line(), reader.record_text()};
    ++report.rows;
    if (!loader::expect_field_count(diagnostics, at, f, header.size(),
                                    fmt::format("{} fields, as in the header", header.size()))) {
      continue;
    }
    std::optional<ItemIndex> item;
    if (report.by_title) {
      item = catalog.find_by_title(f[*key]);
    } else {
      const auto id = loader::parse_id(diagnostics, at, f[*key], report.key_column);
      if (!id) continue;
      item = catalog.find(*id);
    }
    if (!item) {
      ++report.unmatched;
      if (report.unmatched_lines.size() < kMaxReportedLines) report.unmatched_lines.push_back(at.line);
      continue;
    }
    const auto chosen = std::find_if(text.begin(), text.end(), [&](std::size_t c) { return !f[c].empty(); });
    if (chosen == text.end()) {
      ++report.without_text;
      continue;
    }
    if (!loader::check_utf8(diagnostics, at, f[*chosen])) continue;
    if (!catalog.item(*item).text.empty() && !source.overwrite) {
      ++report.already_had_text;
      continue;
    }
    catalog.set_text(*item, std::string(f[*chosen]));
    ++report.joined;
  }
  return report;
}

}  // namespace lusifer
