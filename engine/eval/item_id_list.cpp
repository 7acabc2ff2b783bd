#include "engine/eval/item_id_list.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "engine/core/input_error.hpp"
#include "engine/data/csv_reader.hpp"
#include "engine/data/field_parsing.hpp"
#include "engine/data/line_reader.hpp"

namespace lusifer {
namespace {

constexpr std::string_view kIdColumns[] = {"movie_id", "movieId", "item_id", "itemId"};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

ItemIdList read_item_id_list(const std::filesystem::path& file, std::string_view column) {
  LineReader lines(file.string());
  CsvReader reader(lines);
  std::vector<std::string_view> fields;
  if (!reader.next(fields))
    throw InputError(lines.path(), 0, "a header row", "an empty file");
  const std::vector<std::string> header(fields.begin(), fields.end());
  const auto find = [&](std::string_view name) -> std::optional<std::size_t> {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
  };

  std::optional<std::size_t> key;
  if (!column.empty()) {
    key = find(column);
    if (!key) {
      throw InputError(lines.path(), 1, fmt::format("a column named '{}'", column),
                       fmt::format("the columns {}", joined(header)));
    }
  } else {
    for (const auto name : kIdColumns) {
      if ((key = find(name)))
        break;
    }
    if (!key) {
      throw InputError(lines.path(), 1, "an item id column (movie_id, movieId, item_id, itemId)",
                       fmt::format("the columns {}", joined(header)));
    }
  }

  ItemIdList list;
  list.file = file;
  list.column = header[*key];
  while (reader.next(fields)) {
    ++list.rows;
    if (*key >= fields.size()) {
      throw InputError(lines.path(), reader.record_line(),
                       fmt::format("{} fields (as the header)", header.size()),
                       fmt::format("{} fields", fields.size()));
    }
    const auto id = parse_int64(fields[*key]);
    if (!id) {
      throw InputError(lines.path(), reader.record_line(),
                       fmt::format("an item id in column '{}'", list.column),
                       quote_excerpt(fields[*key]));
    }
    list.ids.push_back(*id);
  }
  std::sort(list.ids.begin(), list.ids.end());
  list.ids.erase(std::unique(list.ids.begin(), list.ids.end()), list.ids.end());
  return list;
}

std::size_t unknown_item_ids(const ItemIdList& list, const Dataset& dataset) {
  return static_cast<std::size_t>(
      std::count_if(list.ids.begin(), list.ids.end(),
                    [&](ExternalId id) { return !dataset.catalog().find(id).has_value(); }));
}

}  // namespace lusifer
