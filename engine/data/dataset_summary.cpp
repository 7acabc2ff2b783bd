#include "engine/data/dataset_summary.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "engine/core/json_writer.hpp"
#include "engine/core/statistics.hpp"

namespace lusifer {
namespace {

std::string utc_date(std::int64_t seconds) {
  const auto tp = std::chrono::sys_seconds(std::chrono::seconds(seconds));
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", tp);
}

}  // namespace

DatasetSummary summarize(const Dataset& dataset) {
  DatasetSummary s;
  const RatingTable& r = dataset.ratings();
  const Catalog& catalog = dataset.catalog();
  s.format = dataset.format();
  s.source = dataset.source();
  s.scale = dataset.scale();
  s.users = dataset.user_count();
  s.items = catalog.size();
  s.ratings = r.size();
  s.tag_applications = dataset.tag_applications();
  s.genres.assign(catalog.genre_names().begin(), catalog.genre_names().end());
  for (UserIndex u = 0; u < dataset.user_count(); ++u)
    s.users_with_demographics += dataset.demographics(u).has_value();
  for (const auto& item : catalog.items()) {
    s.items_with_text += !item.text.empty();
    s.items_with_tags += !item.tags.empty();
  }
  if (s.users > 0 && s.items > 0) {
    s.sparsity = 1.0 - static_cast<double>(s.ratings) /
                           (static_cast<double>(s.users) * static_cast<double>(s.items));
  }

  std::vector<std::size_t> counts(static_cast<std::size_t>(s.scale.level_count()), 0);
  std::vector<bool> item_rated(s.items, false);
  double sum = 0.0;
  for (RatingIndex i = 0; i < r.size(); ++i) {
    ++counts[static_cast<std::size_t>(s.scale.level_of(r.value(i)))];
    item_rated[r.item(i)] = true;
    sum += r.value(i);
  }
  for (std::size_t level = 0; level < counts.size(); ++level) {
    s.histogram.emplace_back(s.scale.level_value(static_cast<int>(level)), counts[level]);
  }
  s.items_with_ratings =
      static_cast<std::size_t>(std::count(item_rated.begin(), item_rated.end(), true));
  s.mean_rating = r.size() > 0 ? sum / static_cast<double>(r.size()) : 0.0;

  std::vector<double> per_user;
  per_user.reserve(s.users);
  for (UserIndex u = 0; u < s.users; ++u) {
    const auto n = dataset.histories().of(u).size();
    if (n > 0)
      per_user.push_back(static_cast<double>(n));
  }
  s.users_with_ratings = per_user.size();
  std::sort(per_user.begin(), per_user.end());
  auto& q = s.ratings_per_user;
  if (!per_user.empty()) {
    q.min = per_user.front();
    q.max = per_user.back();
    q.p10 = quantile_of_sorted(per_user, 0.10);
    q.p25 = quantile_of_sorted(per_user, 0.25);
    q.p50 = quantile_of_sorted(per_user, 0.50);
    q.p75 = quantile_of_sorted(per_user, 0.75);
    q.p90 = quantile_of_sorted(per_user, 0.90);
    q.p99 = quantile_of_sorted(per_user, 0.99);
    q.mean = std::accumulate(per_user.begin(), per_user.end(), 0.0) /
             static_cast<double>(per_user.size());
  }
  if (r.size() > 0) {
    s.first_timestamp = s.last_timestamp = r.timestamp(0);
    for (RatingIndex i = 1; i < r.size(); ++i) {
      s.first_timestamp = std::min(s.first_timestamp, r.timestamp(i));
      s.last_timestamp = std::max(s.last_timestamp, r.timestamp(i));
    }
  }
  return s;
}

std::string render_summary_text(const DatasetSummary& s) {
  std::string out;
  auto line = [&](std::string_view label, const std::string& value) {
    out += fmt::format("{:<22}{}\n", label, value);
  };
  line("source", s.source);
  line("format", std::string(format_name(s.format)));
  line("users", fmt::format("{} ({} with ratings, {} with demographics)", s.users,
                            s.users_with_ratings, s.users_with_demographics));
  line("items", fmt::format("{} ({} with ratings, {} with text, {} with tags)", s.items,
                            s.items_with_ratings, s.items_with_text, s.items_with_tags));
  line("ratings", fmt::format("{}", s.ratings));
  if (s.tag_applications > 0)
    line("tag applications", fmt::format("{}", s.tag_applications));
  line("sparsity", fmt::format("{:.4f}% empty", 100.0 * s.sparsity));
  line("rating scale",
       fmt::format("{} to {} in steps of {}", s.scale.min, s.scale.max, s.scale.step));
  line("mean rating", fmt::format("{:.4f}", s.mean_rating));
  out += "rating histogram\n";
  std::size_t peak = 1;
  for (const auto& [value, count] : s.histogram)
    peak = std::max(peak, count);
  for (const auto& [value, count] : s.histogram) {
    const double share =
        s.ratings > 0 ? 100.0 * static_cast<double>(count) / static_cast<double>(s.ratings) : 0.0;
    out += fmt::format("  {:>4} {:>10} {:>6.2f}%  {}\n", value, count, share,
                       std::string(count * 40 / peak, '#'));
  }
  const auto& q = s.ratings_per_user;
  line("ratings per user",
       fmt::format(
           "min {} | p10 {} | p25 {} | median {} | p75 {} | p90 {} | p99 {} | max {} | mean {:.1f}",
           q.min, q.p10, q.p25, q.p50, q.p75, q.p90, q.p99, q.max, q.mean));
  if (s.ratings > 0) {
    line("time span",
         fmt::format("{} to {} ({:.0f} days)", utc_date(s.first_timestamp),
                     utc_date(s.last_timestamp),
                     static_cast<double>(s.last_timestamp - s.first_timestamp) / 86400.0));
  }
  std::string genres;
  for (const auto& g : s.genres)
    genres += (genres.empty() ? "" : ", ") + g;
  line("genres", fmt::format("{}: {}", s.genres.size(), genres));
  return out;
}

std::string render_summary_json(const DatasetSummary& s) {
  std::string out;
  JsonWriter json(out);
  json.begin_object()
      .field("source", s.source)
      .field("format", format_name(s.format))
      .field("users", s.users)
      .field("users_with_ratings", s.users_with_ratings)
      .field("users_with_demographics", s.users_with_demographics)
      .field("items", s.items)
      .field("items_with_ratings", s.items_with_ratings)
      .field("items_with_text", s.items_with_text)
      .field("items_with_tags", s.items_with_tags)
      .field("ratings", s.ratings)
      .field("tag_applications", s.tag_applications)
      .field("sparsity", s.sparsity)
      .field("mean_rating", s.mean_rating);
  json.key("scale")
      .begin_object()
      .field("min", static_cast<double>(s.scale.min))
      .field("max", static_cast<double>(s.scale.max))
      .field("step", static_cast<double>(s.scale.step))
      .end_object();
  json.key("histogram").begin_array();
  for (const auto& [value, count] : s.histogram) {
    json.begin_object()
        .field("rating", static_cast<double>(value))
        .field("count", count)
        .end_object();
  }
  json.end_array();
  const auto& q = s.ratings_per_user;
  json.key("ratings_per_user")
      .begin_object()
      .field("min", q.min)
      .field("p10", q.p10)
      .field("p25", q.p25)
      .field("p50", q.p50)
      .field("p75", q.p75)
      .field("p90", q.p90)
      .field("p99", q.p99)
      .field("max", q.max)
      .field("mean", q.mean)
      .end_object();
  json.field("first_timestamp", s.first_timestamp).field("last_timestamp", s.last_timestamp);
  json.key("genres").begin_array();
  for (const auto& g : s.genres)
    json.value(g);
  json.end_array();
  json.end_object();
  return out;
}

}  // namespace lusifer
