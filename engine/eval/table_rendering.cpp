#include "engine/eval/table_rendering.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/eval/paper_reference.hpp"

namespace lusifer {
namespace {

constexpr std::size_t kTextWidth = 100;

std::string number(double value) {
  return std::isfinite(value) ? fmt::format("{:.4f}", value) : std::string("n/a");
}

std::string mean_sd(double mean, double sd) {
  if (!std::isfinite(mean))
    return "n/a";
  return fmt::format("{:.4f} ± {:.4f}", mean, std::isfinite(sd) ? sd : 0.0);
}

template <class Count>
std::string histogram_text(std::span<const Count> counts) {
  std::string out;
  for (std::size_t k = 0; k < counts.size(); ++k)
    out += fmt::format("{}{}", k == 0 ? "" : "/", counts[k]);
  return out;
}

std::string levels_text(const RatingScale& scale) {
  std::string out;
  for (int l = 0; l < scale.level_count(); ++l)
    out += fmt::format("{}{:g}", l == 0 ? "" : "/", scale.level_value(l));
  return out;
}

// Greedy word wrap at `width` columns (counting bytes), with a prefix per line.
std::string wrap(std::string_view text, std::string_view prefix = {},
                 std::size_t width = kTextWidth) {
  std::string out;
  std::string line(prefix);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t space = text.find(' ', pos);
    const std::string_view word =
        text.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    pos = space == std::string_view::npos ? text.size() : space + 1;
    if (word.empty())
      continue;
    if (line.size() > prefix.size() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(prefix);
    }
    if (line.size() > prefix.size())
      line += ' ';
    line += word;
  }
  if (line.size() > prefix.size())
    out += line + "\n";
  return out;
}

// Display width of UTF-8 text: code points, which is right for the
// characters these tables use.
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// A table of cells: the first column left-aligned, the others right-aligned.
class Grid {
 public:
  explicit Grid(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string text(std::string_view indent = "  ") const {
    std::vector<std::size_t> widths(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c)
        widths[c] = std::max(widths[c], display_width(row[c]));
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line(indent);
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string pad(widths[c] - display_width(row[c]), ' ');
        if (c == 0)
          line += row[c] + pad;
        else
          line += "  " + pad + row[c];
      }
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
      out += line + "\n";
    }
    return out;
  }

  std::string markdown() const {
    std::string out;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      out += "|";
      for (const auto& cell : rows_[r])
        out += " " + escape(cell) + " |";
      out += "\n";
      if (r == 0) {
        out += "|";
        for (std::size_t c = 0; c < rows_[r].size(); ++c)
          out += c == 0 ? "---|" : "---:|";
        out += "\n";
      }
    }
    return out;
  }

 private:
  static std::string escape(std::string_view cell) {
    std::string out;
    for (const char c : cell) {
      if (c == '|')
        out += '\\';
      out += c;
    }
    return out;
  }

  std::vector<std::vector<std::string>> rows_;
};

std::string rounding_sentence(bool rounded) {
  return rounded ? "Every prediction (baselines, offline model and simulators alike) is rounded to "
                   "the nearest level of the scale before scoring."
                 : "Predictions are scored as given, unrounded (simulators answer on the scale; "
                   "no method is rounded by the evaluation).";
}

Grid metric_grid(const EvaluationTable& table, const SubsetTable& subset) {
  Grid grid({"method", "n", "missing", "RMSE", "MAE", "Pearson", "Spearman",
             "predicted " + levels_text(table.scale)});
  grid.add({"true ratings", std::to_string(subset.ratings), "", "", "", "", "",
            histogram_text<std::size_t>(subset.truth_histogram)});
  for (const MetricRow& row : subset.rows) {
    grid.add({row.method, std::to_string(row.n), std::to_string(row.missing), number(row.rmse),
              number(row.mae), number(row.pearson), number(row.spearman),
              histogram_text<std::size_t>(row.histogram)});
  }
  return grid;
}

std::string subset_heading(const SubsetTable& subset) {
  return fmt::format("{}: {} test ratings from {} users ({})", subset.name, subset.ratings,
                     subset.users, subset.description);
}

// Methods in first-appearance order with their details. Consecutive rows
// with one detail (a simulator's raw and calibrated rows) share an entry:
// "offline model (not an LLM), raw and calibrated".
template <class Subsets>
std::vector<std::pair<std::string, std::string>> method_details(const Subsets& subsets) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> seen;
  for (const auto& subset : subsets) {
    for (const auto& row : subset.rows) {
      if (std::find(seen.begin(), seen.end(), row.method) != seen.end())
        continue;
      seen.push_back(row.method);
      if (!out.empty() && out.back().second == row.detail) {
        std::string& label = out.back().first;
        const auto comma = row.method.rfind(", ");
        if (comma != std::string::npos &&
            label.compare(0, comma + 2, row.method, 0, comma + 2) == 0)
          label += " and " + row.method.substr(comma + 2);
        else
          label += " and " + row.method;
        continue;
      }
      out.emplace_back(row.method, row.detail);
    }
  }
  return out;
}

Grid reference_grid(const PaperReferenceSubset& subset) {
  Grid grid({"method", "RMSE", "MAE", "Pearson", "predicted 1/2/3/4/5"});
  if (subset.has_truth_histogram) {
    grid.add({"true ratings", "", "", "",
              histogram_text<std::uint32_t>(std::span(subset.truth_histogram))});
  }
  for (const PaperFigure& f : subset.figures) {
    grid.add({std::string(f.method), number(f.rmse), number(f.mae), number(f.pearson),
              f.has_histogram ? histogram_text<std::uint32_t>(std::span(f.histogram)) : ""});
  }
  return grid;
}

std::string reference_heading(const PaperReferenceSubset& subset) {
  return fmt::format("{}: {}, {} ratings from {} users", subset.name, subset.description,
                     subset.ratings, subset.users);
}

void json_number(JsonWriter& json, std::string_view key, double value) {
  json.key(key);
  if (std::isfinite(value))
    json.value(value);
  else
    json.null();
}

template <class Count>
void json_counts(JsonWriter& json, std::string_view key, std::span<const Count> counts) {
  json.key(key).begin_array();
  for (const Count c : counts)
    json.value(static_cast<std::uint64_t>(c));
  json.end_array();
}

void json_reference(JsonWriter& json) {
  json.key("paper_reference").begin_object();
  json.field("note", lusifer_paper_reference_note());
  json.key("subsets").begin_array();
  for (const PaperReferenceSubset& subset : lusifer_paper_reference()) {
    json.begin_object();
    json.field("name", subset.name);
    json.field("description", subset.description);
    json.field("ratings", static_cast<std::uint64_t>(subset.ratings));
    json.field("users", static_cast<std::uint64_t>(subset.users));
    if (subset.has_truth_histogram)
      json_counts<std::uint32_t>(json, "truth_histogram", std::span(subset.truth_histogram));
    else
      json.key("truth_histogram").null();
    json.key("figures").begin_array();
    for (const PaperFigure& f : subset.figures) {
      json.begin_object();
      json.field("method", f.method);
      json_number(json, "rmse", f.rmse);
      json_number(json, "mae", f.mae);
      json_number(json, "pearson", f.pearson);
      if (f.has_histogram)
        json_counts<std::uint32_t>(json, "histogram", std::span(f.histogram));
      else
        json.key("histogram").null();
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace

std::string render_text(const EvaluationTable& table) {
  std::string out = fmt::format("== Evaluation: {} ==\n", table.protocol);
  out += wrap(table.description);
  out += wrap(rounding_sentence(table.rounded));
  for (const SubsetTable& subset : table.subsets) {
    out += "\n-- " + subset_heading(subset) + " --\n";
    out += metric_grid(table, subset).text();
  }
  out += "\nMethods:\n";
  for (const auto& [method, detail] : method_details(table.subsets))
    out += wrap(method + ": " + detail, "  ");
  if (table.kind == ProtocolKind::kLusiferMl100k) {
    out += "\n== Reference figures from the Lusifer paper (not computed here) ==\n";
    out += wrap(lusifer_paper_reference_note());
    for (const PaperReferenceSubset& subset : lusifer_paper_reference()) {
      out += "\n-- " + reference_heading(subset) + " --\n";
      out += reference_grid(subset).text();
    }
  }
  return out;
}

std::string render_markdown(const EvaluationTable& table) {
  std::string out = fmt::format("## Evaluation: {}\n\n", table.protocol);
  out += table.description + "\n\n" + rounding_sentence(table.rounded) + "\n";
  for (const SubsetTable& subset : table.subsets) {
    out += "\n### " + subset_heading(subset) + "\n\n";
    out += metric_grid(table, subset).markdown();
  }
  out += "\n**Methods.**\n\n";
  for (const auto& [method, detail] : method_details(table.subsets))
    out += "- **" + method + "**: " + detail + "\n";
  if (table.kind == ProtocolKind::kLusiferMl100k) {
    out += "\n### Reference figures from the Lusifer paper (not computed here)\n\n";
    out += "> " + std::string(lusifer_paper_reference_note()) + "\n";
    for (const PaperReferenceSubset& subset : lusifer_paper_reference()) {
      out += "\n#### " + reference_heading(subset) + "\n\n";
      out += reference_grid(subset).markdown();
    }
  }
  return out;
}

std::string render_json(const EvaluationTable& table) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("protocol", table.protocol);
  json.field("description", table.description);
  json.field("kind", table.kind == ProtocolKind::kLusiferMl100k ? "lusifer-ml100k" : "custom");
  json.key("scale").begin_object();
  json.field("min", static_cast<double>(table.scale.min));
  json.field("max", static_cast<double>(table.scale.max));
  json.field("step", static_cast<double>(table.scale.step));
  json.end_object();
  json.field("train_ratings", static_cast<std::uint64_t>(table.train_ratings));
  json.field("rounded", table.rounded);
  json.key("subsets").begin_array();
  for (const SubsetTable& subset : table.subsets) {
    json.begin_object();
    json.field("name", subset.name);
    json.field("description", subset.description);
    json.field("users", static_cast<std::uint64_t>(subset.users));
    json.field("ratings", static_cast<std::uint64_t>(subset.ratings));
    json_counts<std::size_t>(json, "truth_histogram", subset.truth_histogram);
    json.key("rows").begin_array();
    for (const MetricRow& row : subset.rows) {
      json.begin_object();
      json.field("method", row.method);
      json.field("detail", row.detail);
      json.field("kind", method_kind_name(row.kind));
      json.field("n", static_cast<std::uint64_t>(row.n));
      json.field("missing", static_cast<std::uint64_t>(row.missing));
      json_number(json, "rmse", row.rmse);
      json_number(json, "mae", row.mae);
      json_number(json, "pearson", row.pearson);
      json_number(json, "spearman", row.spearman);
      json_counts<std::size_t>(json, "histogram", row.histogram);
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  if (table.kind == ProtocolKind::kLusiferMl100k)
    json_reference(json);
  else
    json.key("paper_reference").null();
  json.end_object();
  return out;
}

namespace {

Grid fold_grid(const FoldSummaryTable& table, const FoldSummarySubset& subset) {
  std::vector<std::string> header = {"method", "folds", "n",       "missing",
                                     "RMSE",   "MAE",   "Pearson", "Spearman"};
  for (const auto& fold : table.folds)
    header.push_back("RMSE " + fold);
  Grid grid(std::move(header));
  for (const FoldSummaryRow& row : subset.rows) {
    std::vector<std::string> cells = {row.method,
                                      std::to_string(row.folds),
                                      std::to_string(row.n),
                                      std::to_string(row.missing),
                                      mean_sd(row.rmse_mean, row.rmse_sd),
                                      mean_sd(row.mae_mean, row.mae_sd),
                                      mean_sd(row.pearson_mean, row.pearson_sd),
                                      mean_sd(row.spearman_mean, row.spearman_sd)};
    for (const double v : row.fold_rmse)
      cells.push_back(number(v));
    grid.add(std::move(cells));
  }
  return grid;
}

std::string fold_heading(const FoldSummaryTable& table, const FoldSummarySubset& subset) {
  return fmt::format("{}: {} test ratings over {} folds ({})", subset.name, subset.ratings,
                     table.folds.size(), subset.description);
}

std::string fold_intro(const FoldSummaryTable& table) {
  std::string folds;
  for (const auto& f : table.folds)
    folds += (folds.empty() ? "" : ", ") + f;
  return fmt::format(
      "Mean ± sample standard deviation over the folds {} (each fold trains and tests on its own "
      "split). {}",
      folds, rounding_sentence(table.rounded));
}

}  // namespace

std::string render_text(const FoldSummaryTable& table) {
  std::string out = fmt::format("== Evaluation: {} ==\n", table.name);
  out += wrap(fold_intro(table));
  for (const FoldSummarySubset& subset : table.subsets) {
    out += "\n-- " + fold_heading(table, subset) + " --\n";
    out += fold_grid(table, subset).text();
  }
  out += "\nMethods:\n";
  for (const auto& [method, detail] : method_details(table.subsets))
    out += wrap(method + ": " + detail, "  ");
  return out;
}

std::string render_markdown(const FoldSummaryTable& table) {
  std::string out = fmt::format("## Evaluation: {}\n\n", table.name);
  out += fold_intro(table) + "\n";
  for (const FoldSummarySubset& subset : table.subsets) {
    out += "\n### " + fold_heading(table, subset) + "\n\n";
    out += fold_grid(table, subset).markdown();
  }
  out += "\n**Methods.**\n\n";
  for (const auto& [method, detail] : method_details(table.subsets))
    out += "- **" + method + "**: " + detail + "\n";
  return out;
}

std::string render_json(const FoldSummaryTable& table) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("name", table.name);
  json.key("folds").begin_array();
  for (const auto& f : table.folds)
    json.value(f);
  json.end_array();
  json.field("rounded", table.rounded);
  json.key("subsets").begin_array();
  for (const FoldSummarySubset& subset : table.subsets) {
    json.begin_object();
    json.field("name", subset.name);
    json.field("description", subset.description);
    json.field("ratings", static_cast<std::uint64_t>(subset.ratings));
    json.key("rows").begin_array();
    for (const FoldSummaryRow& row : subset.rows) {
      json.begin_object();
      json.field("method", row.method);
      json.field("detail", row.detail);
      json.field("kind", method_kind_name(row.kind));
      json.field("folds", static_cast<std::uint64_t>(row.folds));
      json.field("n", static_cast<std::uint64_t>(row.n));
      json.field("missing", static_cast<std::uint64_t>(row.missing));
      json_number(json, "rmse_mean", row.rmse_mean);
      json_number(json, "rmse_sd", row.rmse_sd);
      json_number(json, "mae_mean", row.mae_mean);
      json_number(json, "mae_sd", row.mae_sd);
      json_number(json, "pearson_mean", row.pearson_mean);
      json_number(json, "pearson_sd", row.pearson_sd);
      json_number(json, "spearman_mean", row.spearman_mean);
      json_number(json, "spearman_sd", row.spearman_sd);
      json.key("fold_rmse").begin_array();
      for (const double v : row.fold_rmse) {
        if (std::isfinite(v))
          json.value(v);
        else
          json.null();
      }
      json.end_array();
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return out;
}

}  // namespace lusifer
