#include "engine/data/synthetic_truth.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/core/input_error.hpp"
#include "engine/data/csv_reader.hpp"
#include "engine/data/csv_writer.hpp"
#include "engine/data/field_parsing.hpp"
#include "engine/data/line_reader.hpp"
#include "engine/data/synthetic_vocabulary.hpp"

namespace lusifer {
namespace {

constexpr std::string_view kGeneratorName = "lusifer synthetic world";
constexpr double kMaxTaste = 30.0;

// Calls visit(name, field) for every option that shapes the output, in the
// order world.json lists them; `threads` and `chunk_users` are left out on
// purpose, since they never change what is written.
template <class Options, class Visit>
void visit_recorded_options(Options& o, Visit&& visit) {
  visit("seed", o.seed);
  visit("users", o.users);
  visit("items", o.items);
  visit("mean_ratings_per_user", o.mean_ratings_per_user);
  visit("min_ratings_per_user", o.min_ratings_per_user);
  visit("max_ratings_per_user", o.max_ratings_per_user);
  visit("rating_count_sigma", o.rating_count_sigma);
  visit("global_mean", o.global_mean);
  visit("user_bias_sd", o.user_bias_sd);
  visit("item_quality_sd", o.item_quality_sd);
  visit("genre_affinity_sd", o.genre_affinity_sd);
  visit("keyword_affinity_sd", o.keyword_affinity_sd);
  visit("keyword_passion_rate", o.keyword_passion_rate);
  visit("genre_weight", o.genre_weight);
  visit("keyword_weight", o.keyword_weight);
  visit("rating_noise", o.rating_noise);
  visit("demographic_effect", o.demographic_effect);
  visit("drift_strength", o.drift_strength);
  visit("popularity_sigma", o.popularity_sigma);
  visit("taste_selectivity", o.taste_selectivity);
  visit("candidates_per_rating", o.candidates_per_rating);
  visit("tag_rate", o.tag_rate);
  visit("start_time", o.start_time);
  visit("time_span_days", o.time_span_days);
}

double mean_taste(std::span<const std::int16_t> start, std::span<const std::int16_t> end,
                  std::span<const std::uint8_t> indices, double fraction) noexcept {
  if (indices.empty())
    return 0.0;
  double sum = 0.0;
  for (const std::uint8_t k : indices) {
    const double s = start[k];
    sum += s + fraction * (end[k] - s);
  }
  return sum / (1000.0 * static_cast<double>(indices.size()));
}

// E[rating] on one grid: lo, lo + step, ..., 5. The rating is at least level
// j exactly when the noisy score reaches the lower edge of level j, so the
// expectation is lo plus step times the sum of those tail probabilities.
double expected_on_grid(double latent, double noise, double step) noexcept {
  const double lo = step;
  const int levels = static_cast<int>(std::lround((5.0 - lo) / step)) + 1;
  double expected = lo;
  for (int j = 1; j < levels; ++j) {
    const double edge = lo + (j - 0.5) * step;
    expected += step * 0.5 * std::erfc((edge - latent) / (noise * std::numbers::sqrt2));
  }
  return expected;
}

void append_integer(std::string& out, long long value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// A number given in thousandths, with exactly three decimals.
void append_thousandths(std::string& out, long long milli) {
  const long long magnitude = milli < 0 ? -milli : milli;
  if (milli < 0)
    out += '-';
  append_integer(out, magnitude / 1000);
  const auto fraction = static_cast<int>(magnitude % 1000);
  const char decimals[4] = {'.', static_cast<char>('0' + fraction / 100),
                            static_cast<char>('0' + fraction / 10 % 10),
                            static_cast<char>('0' + fraction % 10)};
  out.append(decimals, 4);
}

void append_fixed3(std::string& out, double value) {
  append_thousandths(out, std::llround(value * 1000.0));
}

void append_tastes(std::string& out, std::span<const std::int16_t> tastes) {
  bool first = true;
  for (const std::int16_t t : tastes) {
    if (!first)
      out += ' ';
    first = false;
    append_thousandths(out, t);
  }
}

std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw InputError(file.string(), 0, "a readable world.json", "no such file");
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// --- world.json reading ---

template <class T>
void read_option(const nlohmann::json& options, const std::string& file, const char* name,
                 T& field) {
  const auto it = options.find(name);
  if (it == options.end()) {
    throw InputError(file, 0, fmt::format("options.{}", name), "no such field");
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (!it->is_number()) {
      throw InputError(file, 0, fmt::format("a number for options.{}", name), it->dump());
    }
    field = it->template get<T>();
  } else {
    bool fits = it->is_number_integer();
    if (fits && it->is_number_unsigned()) {
      fits = it->template get<std::uint64_t>() <=
             static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    } else if (fits) {
      const auto v = it->template get<std::int64_t>();
      fits = v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
             (v < 0 || static_cast<std::uint64_t>(v) <=
                           static_cast<std::uint64_t>(std::numeric_limits<T>::max()));
    }
    if (!fits) {
      throw InputError(file, 0, fmt::format("an integer in range for options.{}", name),
                       it->dump());
    }
    field = it->template get<T>();
  }
}

std::vector<std::string> read_names(const nlohmann::json& world, const std::string& file,
                                    const char* list, const char* key) {
  const auto it = world.find(list);
  if (it == world.end() || !it->is_array() || it->empty() || it->size() > 255) {
    throw InputError(file, 0, fmt::format("'{}': an array of 1 to 255 objects", list),
                     it == world.end() ? "no such field" : quote_excerpt(it->dump()));
  }
  std::vector<std::string> names;
  for (const auto& entry : *it) {
    if (!entry.is_object() || !entry.contains(key) || !entry[key].is_string()) {
      throw InputError(file, 0, fmt::format("'{}' entries with a string '{}'", list, key),
                       quote_excerpt(entry.dump()));
    }
    names.push_back(entry[key].get<std::string>());
  }
  return names;
}

// --- truth CSV reading ---

class TruthCsv {
 public:
  TruthCsv(const std::filesystem::path& file, std::string_view header)
      : lines_(file.string()), reader_(lines_) {
    std::vector<std::string_view> fields;
    if (!reader_.next(fields))
      throw InputError(lines_.path(), 1, std::string(header), "an empty file");
    std::string found;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0)
        found += ',';
      found += fields[i];
    }
    if (found != header)
      throw InputError(lines_.path(), 1, std::string(header), quote_excerpt(found));
  }

  bool next(std::vector<std::string_view>& fields, std::size_t count) {
    while (reader_.next(fields)) {
      if (fields.size() == 1 && fields[0].empty())
        continue;
      if (fields.size() != count) {
        fail(fmt::format("{} comma-separated fields", count), quote_excerpt(reader_.record_text()));
      }
      return true;
    }
    return false;
  }

  [[noreturn]] void fail(std::string expected, std::string found) const {
    throw InputError(lines_.path(), reader_.record_line(), std::move(expected), std::move(found));
  }

  double number(std::string_view field, std::string_view what) const {
    const auto value = parse_double(field);
    if (!value || !std::isfinite(*value))
      fail(fmt::format("a number for {}", what), quote_excerpt(field));
    return *value;
  }

  std::int64_t integer(std::string_view field, std::string_view what) const {
    const auto value = parse_int64(field);
    if (!value)
      fail(fmt::format("an integer for {}", what), quote_excerpt(field));
    return *value;
  }

  void tastes(std::string_view field, std::size_t count, std::string_view what,
              std::vector<std::int16_t>& out) const {
    std::size_t found = 0;
    std::size_t begin = 0;
    while (begin <= field.size()) {
      const std::size_t end = std::min(field.find(' ', begin), field.size());
      const double value = number(field.substr(begin, end - begin), what);
      if (std::abs(value) > kMaxTaste) {
        fail(fmt::format("tastes within +-{} for {}", kMaxTaste, what),
             quote_excerpt(field.substr(begin, end - begin)));
      }
      out.push_back(quantize_taste(value));
      ++found;
      begin = end + 1;
    }
    if (found != count) {
      fail(fmt::format("{} space-separated numbers for {}", count, what),
           fmt::format("{} numbers", found));
    }
  }

  template <class List>
  List names(std::string_view field, const std::vector<std::string>& vocabulary,
             std::string_view what) const {
    List indices;
    std::vector<std::string_view> parts;
    split_on(field, "|", parts);
    for (const auto part : parts) {
      const auto it = std::find(vocabulary.begin(), vocabulary.end(), part);
      if (it == vocabulary.end()) {
        fail(fmt::format("'|'-separated {} named in world.json", what), quote_excerpt(part));
      }
      if (indices.size() == List::capacity()) {
        fail(fmt::format("at most {} {}", List::capacity(), what), quote_excerpt(field));
      }
      indices.push_back(static_cast<std::uint8_t>(it - vocabulary.begin()));
    }
    return indices;
  }

 private:
  LineReader lines_;
  CsvReader reader_;
};

}  // namespace

double quantize_parameter(double value) noexcept {
  return std::round(value * 1000.0) / 1000.0;
}

std::int16_t quantize_taste(double value) noexcept {
  return static_cast<std::int16_t>(std::lround(std::clamp(value, -kMaxTaste, kMaxTaste) * 1000.0));
}

double taste_fraction(const UserTruth& user, std::int64_t timestamp) noexcept {
  if (user.last_timestamp <= user.first_timestamp)
    return timestamp > user.first_timestamp ? 1.0 : 0.0;
  const double f = static_cast<double>(timestamp - user.first_timestamp) /
                   static_cast<double>(user.last_timestamp - user.first_timestamp);
  return std::clamp(f, 0.0, 1.0);
}

double item_appeal(const SyntheticWorldOptions& options, const UserTruth& user,
                   const ItemTruth& item, double fraction) noexcept {
  return item.quality +
         options.genre_weight *
             mean_taste(user.genre_start, user.genre_end, item.genres, fraction) +
         options.keyword_weight *
             mean_taste(user.keyword_start, user.keyword_end, item.keywords, fraction);
}

double latent_rating(const SyntheticWorldOptions& options, const UserTruth& user,
                     const ItemTruth& item, double fraction) noexcept {
  return options.global_mean + user.bias + item_appeal(options, user, item, fraction);
}

float observe_rating(double latent, const UserTruth& user, Rng& rng) noexcept {
  const double score = latent + rng.normal(0.0, user.noise);
  const double step = rng.bernoulli(user.half_star_share) ? 0.5 : 1.0;
  const double value = std::clamp(std::floor(score / step + 0.5) * step, step, 5.0);
  return static_cast<float>(value);
}

double expected_observed_rating(double latent, double noise, double half_star_share) noexcept {
  return half_star_share * expected_on_grid(latent, noise, 0.5) +
         (1.0 - half_star_share) * expected_on_grid(latent, noise, 1.0);
}

UserTruth WorldTruth::user(ExternalId id) const {
  if (id < 1 || static_cast<std::uint64_t>(id) > users_.size()) {
    throw std::out_of_range(
        fmt::format("user {} is not in the synthetic world (1..{})", id, users_.size()));
  }
  const auto index = static_cast<std::size_t>(id - 1);
  const UserRecord& r = users_[index];
  const std::size_t g = genres_.size();
  const std::size_t k = keywords_.size();
  const std::span<const std::int16_t> all(tastes_.data() + index * 2 * (g + k), 2 * (g + k));
  return UserTruth{r.id,
                   r.bias,
                   r.noise,
                   r.half_star_share,
                   r.drift,
                   r.first_timestamp,
                   r.last_timestamp,
                   all.subspan(0, g),
                   all.subspan(g, g),
                   all.subspan(2 * g, k),
                   all.subspan(2 * g + k, k)};
}

const ItemTruth& WorldTruth::item(ExternalId id) const {
  if (id < 1 || static_cast<std::uint64_t>(id) > items_.size()) {
    throw std::out_of_range(
        fmt::format("item {} is not in the synthetic world (1..{})", id, items_.size()));
  }
  return items_[static_cast<std::size_t>(id - 1)];
}

double WorldTruth::expected_rating(ExternalId user_id, ExternalId item_id,
                                   std::int64_t timestamp) const {
  const UserTruth u = user(user_id);
  return expected_rating_at(user_id, item_id, taste_fraction(u, timestamp));
}

double WorldTruth::expected_rating_at(ExternalId user_id, ExternalId item_id,
                                      double fraction) const {
  const UserTruth u = user(user_id);
  const double latent = latent_rating(options_, u, item(item_id), std::clamp(fraction, 0.0, 1.0));
  return expected_observed_rating(latent, u.noise, u.half_star_share);
}

WorldTruth load_world_truth(const std::filesystem::path& directory) {
  const std::filesystem::path truth_dir =
      std::filesystem::exists(directory / "truth" / "world.json") ? directory / "truth" : directory;
  const auto world_file = truth_dir / "world.json";
  const std::string file = world_file.string();

  nlohmann::json world;
  try {
    world = nlohmann::json::parse(read_whole_file(world_file));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(file, 0, "valid JSON", e.what());
  }
  if (!world.is_object() || world.value("generator", "") != kGeneratorName) {
    throw InputError(
        file, 0, fmt::format("a world.json written by the {}", kGeneratorName),
        quote_excerpt(world.is_object() ? world.value("generator", "no generator field")
                                        : world.dump()));
  }
  WorldTruth truth;
  const auto version = world.find("version");
  if (version == world.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != kSyntheticWorldVersion) {
    throw InputError(file, 0, fmt::format("generator version {}", kSyntheticWorldVersion),
                     version == world.end() ? "no version" : version->dump());
  }
  truth.version_ = kSyntheticWorldVersion;
  const auto options = world.find("options");
  if (options == world.end() || !options->is_object()) {
    throw InputError(file, 0, "an 'options' object", "none");
  }
  visit_recorded_options(truth.options_, [&](const char* name, auto& field) {
    read_option(*options, file, name, field);
  });
  try {
    validate(truth.options_);
  } catch (const std::invalid_argument& e) {
    throw InputError(file, 0, "valid options", e.what());
  }
  truth.genres_ = read_names(world, file, "genres", "name");
  truth.keywords_ = read_names(world, file, "keywords", "tag");
  const std::size_t g = truth.genres_.size();
  const std::size_t k = truth.keywords_.size();

  std::vector<std::string_view> f;
  {
    TruthCsv csv(truth_dir / "users.csv", kUserTruthHeader);
    truth.users_.reserve(truth.options_.users);
    truth.tastes_.reserve(truth.options_.users * 2 * (g + k));
    while (csv.next(f, 11)) {
      const ExternalId id = csv.integer(f[0], "userId");
      if (id != static_cast<ExternalId>(truth.users_.size() + 1)) {
        csv.fail(fmt::format("userId {} (users are numbered in order)", truth.users_.size() + 1),
                 quote_excerpt(f[0]));
      }
      WorldTruth::UserRecord r{id,
                               quantize_parameter(csv.number(f[1], "bias")),
                               quantize_parameter(csv.number(f[2], "noise")),
                               quantize_parameter(csv.number(f[3], "half_star_share")),
                               quantize_parameter(csv.number(f[4], "drift")),
                               csv.integer(f[5], "first_timestamp"),
                               csv.integer(f[6], "last_timestamp")};
      if (!(r.noise > 0.0) || r.half_star_share < 0.0 || r.half_star_share > 1.0 ||
          r.last_timestamp < r.first_timestamp) {
        csv.fail("noise > 0, half_star_share in [0, 1], last_timestamp >= first_timestamp",
                 quote_excerpt(f[2]) + "," + quote_excerpt(f[3]) + ", ...");
      }
      csv.tastes(f[7], g, "genre_start", truth.tastes_);
      csv.tastes(f[8], g, "genre_end", truth.tastes_);
      csv.tastes(f[9], k, "keyword_start", truth.tastes_);
      csv.tastes(f[10], k, "keyword_end", truth.tastes_);
      truth.users_.push_back(r);
    }
  }
  if (truth.users_.size() != truth.options_.users) {
    throw InputError((truth_dir / "users.csv").string(), 0,
                     fmt::format("{} users (options.users)", truth.options_.users),
                     fmt::format("{} users", truth.users_.size()));
  }
  {
    TruthCsv csv(truth_dir / "items.csv", kItemTruthHeader);
    truth.items_.reserve(truth.options_.items);
    while (csv.next(f, 5)) {
      ItemTruth item;
      item.id = csv.integer(f[0], "movieId");
      if (item.id != static_cast<ExternalId>(truth.items_.size() + 1)) {
        csv.fail(fmt::format("movieId {} (items are numbered in order)", truth.items_.size() + 1),
                 quote_excerpt(f[0]));
      }
      item.quality = quantize_parameter(csv.number(f[1], "quality"));
      item.log_popularity = quantize_parameter(csv.number(f[2], "log_popularity"));
      item.genres = csv.names<decltype(item.genres)>(f[3], truth.genres_, "genres");
      item.keywords = csv.names<decltype(item.keywords)>(f[4], truth.keywords_, "keywords");
      truth.items_.push_back(std::move(item));
    }
  }
  if (truth.items_.size() != truth.options_.items) {
    throw InputError((truth_dir / "items.csv").string(), 0,
                     fmt::format("{} items (options.items)", truth.options_.items),
                     fmt::format("{} items", truth.items_.size()));
  }
  return truth;
}

void append_user_truth_row(std::string& out, const UserTruth& user) {
  append_integer(out, user.id);
  out += ',';
  append_fixed3(out, user.bias);
  out += ',';
  append_fixed3(out, user.noise);
  out += ',';
  append_fixed3(out, user.half_star_share);
  out += ',';
  append_fixed3(out, user.drift);
  out += ',';
  append_integer(out, user.first_timestamp);
  out += ',';
  append_integer(out, user.last_timestamp);
  out += ',';
  append_tastes(out, user.genre_start);
  out += ',';
  append_tastes(out, user.genre_end);
  out += ',';
  append_tastes(out, user.keyword_start);
  out += ',';
  append_tastes(out, user.keyword_end);
  out += '\n';
}

void append_item_truth_row(std::string& out, const ItemTruth& item) {
  const auto genres = synthetic_genres();
  const auto keywords = synthetic_keywords();
  fmt::format_to(std::back_inserter(out), "{},", item.id);
  append_fixed3(out, item.quality);
  out += ',';
  append_fixed3(out, item.log_popularity);
  out += ',';
  std::string names;
  for (const std::uint8_t g : item.genres) {
    if (!names.empty())
      names += '|';
    names += genres[g].name;
  }
  append_csv_field(out, names);
  out += ',';
  names.clear();
  for (const std::uint8_t k : item.keywords) {
    if (!names.empty())
      names += '|';
    names += keywords[k].tag;
  }
  append_csv_field(out, names);
  out += '\n';
}

std::string synthetic_world_json(const SyntheticWorldOptions& options,
                                 const SyntheticWorldCounts& counts) {
  using Json = nlohmann::ordered_json;
  Json world;
  world["generator"] = kGeneratorName;
  world["version"] = kSyntheticWorldVersion;
  world["seed"] = options.seed;
  Json recorded = Json::object();
  visit_recorded_options(options,
                         [&](const char* name, const auto& field) { recorded[name] = field; });
  world["options"] = std::move(recorded);
  world["model"] = {
      {"fraction",
       "f(t) = clamp((t - first_timestamp) / (last_timestamp - first_timestamp), 0, 1)"},
      {"taste", "taste(f) = (1 - f) * start + f * end, for genre and keyword tastes"},
      {"appeal",
       "quality + genre_weight * mean(genre taste over the item's genres) + keyword_weight * "
       "mean(keyword taste over the item's keywords)"},
      {"latent", "global_mean + bias + appeal"},
      {"observed",
       "latent + N(0, noise^2), rounded to the nearest half star with probability "
       "half_star_share (clamped to 0.5..5), else to the nearest whole star (clamped to 1..5)"},
      {"exposure",
       "each rating: candidates_per_rating unrated items drawn with probability proportional to "
       "exp(log_popularity); one chosen with weight exp(taste_selectivity * appeal)"},
      {"parameter_precision", 0.001},
      {"rating_scale", {{"min", 0.5}, {"max", 5.0}, {"step", 0.5}}},
  };
  Json genres = Json::array();
  for (const auto& g : synthetic_genres()) {
    genres.push_back({{"name", g.name},
                      {"frequency", g.frequency},
                      {"noun", g.noun},
                      {"adjective", g.adjective}});
  }
  world["genres"] = std::move(genres);
  Json keywords = Json::array();
  for (const auto& kw : synthetic_keywords()) {
    Json related = Json::array();
    for (int g = 0; g < kSyntheticGenreCount; ++g) {
      if ((kw.genres >> g) & 1u)
        related.push_back(synthetic_genres()[g].name);
    }
    keywords.push_back({{"tag", kw.tag}, {"phrase", kw.phrase}, {"genres", std::move(related)}});
  }
  world["keywords"] = std::move(keywords);
  Json occupations = Json::array();
  for (const auto& o : synthetic_occupations()) {
    occupations.push_back({{"name", o.name}, {"weight", o.weight}});
  }
  world["occupations"] = std::move(occupations);
  Json shifts = Json::array();
  for (const auto& s : synthetic_demographic_shifts()) {
    shifts.push_back({{"condition", describe_condition(s)},
                      {"genre", synthetic_genres()[s.genre].name},
                      {"shift", s.shift}});
  }
  world["demographic_shifts"] = std::move(shifts);
  world["files"] = {
      {"ratings", "ratings.csv"},
      {"movies", "movies.csv"},
      {"tags", "tags.csv"},
      {"users", "users.csv"},
      {"overviews", "overviews.csv"},
      {"truth_users", "truth/users.csv"},
      {"truth_items", "truth/items.csv"},
  };
  Json histogram = Json::object();
  std::uint64_t sum_halves = 0;
  for (std::size_t level = 0; level < counts.rating_histogram.size(); ++level) {
    histogram[fmt::format("{:.1f}", 0.5 * static_cast<double>(level + 1))] =
        counts.rating_histogram[level];
    sum_halves += (level + 1) * counts.rating_histogram[level];
  }
  world["counts"] = {{"users", counts.users},
                     {"items", counts.items},
                     {"ratings", counts.ratings},
                     {"tag_applications", counts.tag_applications}};
  world["mean_rating"] = counts.ratings == 0
                             ? 0.0
                             : std::round(1e4 * 0.5 * static_cast<double>(sum_halves) /
                                          static_cast<double>(counts.ratings)) /
                                   1e4;
  world["rating_histogram"] = std::move(histogram);
  return world.dump(2) + "\n";
}

}  // namespace lusifer
