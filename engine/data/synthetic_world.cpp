#include "engine/data/synthetic_world.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/data/csv_writer.hpp"
#include "engine/data/synthetic_text.hpp"
#include "engine/data/synthetic_vocabulary.hpp"

namespace lusifer {
namespace {

// Stream label of the item catalogue; far above any user id (user u's stream
// is derive_seed(seed, u)), so the two never share a stream.
constexpr std::uint64_t kItemStream = 0x4954454d53000000ULL;  // "ITEMS"

constexpr std::int64_t kSecondsPerDay = 86400;

// Shape constants of the model that are not options (docs/synthetic-world.md).
constexpr double kFemaleShare = 0.3;
constexpr double kMedianAge = 29.0;
constexpr double kAgeLogSd = 0.38;
constexpr double kNoiseLogSd = 0.25;
constexpr double kWholeStarUserShare = 0.25;
constexpr double kDriftLogSd = 0.4;
constexpr double kPopularityQualityCorrelation = 0.6;
constexpr double kSingleSittingShare = 0.3;
constexpr double kMedianActiveDays = 120.0;
constexpr double kActiveDaysLogSd = 1.3;
constexpr double kSameSecondShare = 0.15;
constexpr double kTaggerShare = 0.25;
constexpr int kYearsOfFilms = 80;

constexpr std::string_view kRatingText[] = {"0.5", "1.0", "1.5", "2.0", "2.5",
                                            "3.0", "3.5", "4.0", "4.5", "5.0"};

int rating_level(float value) noexcept {
  return static_cast<int>(std::lround(value * 2.0f)) - 1;
}

int civil_year(std::int64_t timestamp) {
  using namespace std::chrono;
  const sys_days day{days{timestamp / kSecondsPerDay}};
  return static_cast<int>(year_month_day{day}.year());
}

// Picks `count` distinct indices with probability proportional to `weights`,
// in the order picked.
template <class List>
List pick_weighted(std::vector<double> weights, std::size_t count, Rng& rng) {
  List picked;
  for (std::size_t n = 0; n < count; ++n) {
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    if (total <= 0.0)
      break;
    double target = rng.uniform01() * total;
    // Ends on the last entry still in play should rounding overshoot the total.
    std::size_t chosen = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (weights[i] <= 0.0)
        continue;
      chosen = i;
      if (target < weights[i])
        break;
      target -= weights[i];
    }
    picked.push_back(static_cast<std::uint8_t>(chosen));
    weights[chosen] = 0.0;
  }
  return picked;
}

void append_integer(std::string& out, long long value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Item indices a user has rated: open addressing, sized for the user.
class RatedSet {
 public:
  explicit RatedSet(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < 2 * expected + 2)
      capacity *= 2;
    table_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
  }

  bool contains(std::uint32_t item) const noexcept {
    for (std::size_t i = slot(item);; i = (i + 1) & mask_) {
      if (table_[i] == item)
        return true;
      if (table_[i] == kEmpty)
        return false;
    }
  }

  void insert(std::uint32_t item) noexcept {
    std::size_t i = slot(item);
    while (table_[i] != kEmpty && table_[i] != item)
      i = (i + 1) & mask_;
    table_[i] = item;
  }

 private:
  static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
  // Fibonacci hashing: the high bits of a multiplication spread nearby ids.
  std::size_t slot(std::uint32_t item) const noexcept {
    return static_cast<std::size_t>((item * 0x9e3779b97f4a7c15ULL) >> 32) & mask_;
  }

  std::vector<std::uint32_t> table_;
  std::size_t mask_ = 0;
};

double demographic_shift(int genre, int age, std::string_view gender, std::string_view occupation) {
  double shift = 0.0;
  for (const auto& s : synthetic_demographic_shifts()) {
    if (s.genre == genre && shift_applies(s, age, gender, occupation))
      shift += s.shift;
  }
  return shift;
}

// A keyword taste: mostly mild, sometimes a strong like or dislike.
double draw_keyword_taste(const SyntheticWorldOptions& o, Rng& rng) {
  double taste = rng.normal(0.0, o.keyword_affinity_sd);
  if (rng.bernoulli(o.keyword_passion_rate)) {
    const double strength = 0.6 + 0.8 * rng.uniform01();
    taste += rng.bernoulli(0.5) ? strength : -strength;
  }
  return taste;
}

std::string_view draw_occupation(int age, Rng& rng) {
  // Young users are mostly students and old ones mostly retired, as in MovieLens.
  if (age < 23 && rng.bernoulli(0.7))
    return "student";
  if (age >= 62 && rng.bernoulli(0.7))
    return "retired";
  const auto table = synthetic_occupations();
  double total = 0.0;
  for (const auto& o : table)
    total += o.weight;
  double target = rng.uniform01() * total;
  for (const auto& o : table) {
    if (target < o.weight)
      return o.name;
    target -= o.weight;
  }
  return table.back().name;
}

// The timestamps of `n` ratings, non-decreasing: sessions of ratings seconds
// apart, spread over the user's active period.
void draw_timestamps(const SyntheticWorldOptions& o, std::size_t n, Rng& rng,
                     std::vector<std::int64_t>& out) {
  const std::int64_t span = std::int64_t{o.time_span_days} * kSecondsPerDay;
  std::int64_t active = 0;
  if (!rng.bernoulli(kSingleSittingShare)) {
    const double days = std::exp(rng.normal(std::log(kMedianActiveDays), kActiveDaysLogSd));
    active = std::clamp(static_cast<std::int64_t>(days * kSecondsPerDay), std::int64_t{3600}, span);
  }
  const std::int64_t first = o.start_time + rng.uniform_int(0, span - active);
  const std::size_t sessions =
      active == 0
          ? 1
          : 1 + static_cast<std::size_t>(rng.uniform_index(std::max<std::size_t>(1, n / 6)));

  std::vector<std::size_t> cuts;  // ratings [cuts[j], cuts[j+1]) form session j
  for (std::size_t j = 1; j < sessions; ++j)
    cuts.push_back(1 + rng.uniform_index(n - 1));
  std::vector<std::int64_t> starts{first};
  for (std::size_t j = 1; j < sessions; ++j)
    starts.push_back(first + rng.uniform_int(0, active));
  std::sort(cuts.begin(), cuts.end());
  std::sort(starts.begin(), starts.end());
  cuts.insert(cuts.begin(), 0);

  out.clear();
  std::int64_t t = first;
  std::size_t session = 0;
  for (std::size_t r = 0; r < n; ++r) {
    bool opens_session = false;
    while (session < cuts.size() && cuts[session] == r) {
      t = std::max(t, starts[session]);
      ++session;
      opens_session = true;
    }
    if (!opens_session && !rng.bernoulli(kSameSecondShare))
      t += rng.uniform_int(5, 240);
    out.push_back(t);
  }
}

// A file written as NAME.partial; `finish` closes it and renames it.
class PartialFile {
 public:
  PartialFile(std::filesystem::path final_path, std::string name)
      : final_(std::move(final_path)), name_(std::move(name)) {
    partial_ = final_;
    partial_ += ".partial";
    file_ = std::fopen(partial_.c_str(), "wb");
    if (file_ == nullptr) {
      throw std::runtime_error(
          fmt::format("{}: cannot create: {}", partial_.string(), std::strerror(errno)));
    }
  }
  ~PartialFile() {
    if (file_ != nullptr)
      std::fclose(file_);
    if (!renamed_) {
      std::error_code ignored;
      std::filesystem::remove(partial_, ignored);
    }
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;

  void write(std::string_view data) {
    if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
      throw std::runtime_error(
          fmt::format("{}: write failed: {}", partial_.string(), std::strerror(errno)));
    }
    bytes_ += data.size();
  }
  void close() {
    const int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) {
      throw std::runtime_error(
          fmt::format("{}: close failed: {}", partial_.string(), std::strerror(errno)));
    }
  }
  // Call after every file is closed, so that a failure leaves no mix of old and new.
  void rename() {
    std::filesystem::rename(partial_, final_);
    renamed_ = true;
  }
  const std::string& name() const noexcept { return name_; }
  std::uintmax_t bytes() const noexcept { return bytes_; }

 private:
  std::filesystem::path final_;
  std::filesystem::path partial_;
  std::string name_;
  std::FILE* file_ = nullptr;
  std::uintmax_t bytes_ = 0;
  bool renamed_ = false;
};

// What one chunk of users adds to each file, and to the counts.
struct ChunkBuffer {
  std::string ratings, tags, users, truth_users;
  std::uint64_t rating_count = 0;
  std::uint64_t tag_count = 0;
  std::vector<std::uint64_t> histogram = std::vector<std::uint64_t>(10, 0);
  // Guarded by the pipeline's mutex: set by the worker that filled the
  // buffer, cleared by the writer once written. The rest belongs to whoever
  // holds the buffer: its worker until `ready`, then the writer.
  bool ready = false;

  // Empties the contents, keeping their memory; leaves `ready` alone.
  void clear() {
    ratings.clear();
    tags.clear();
    users.clear();
    truth_users.clear();
    rating_count = tag_count = 0;
    std::fill(histogram.begin(), histogram.end(), 0);
  }
};

void append_user_rows(const SyntheticUser& user, ChunkBuffer& out,
                      std::vector<std::size_t>& order) {
  const auto keywords = synthetic_keywords();
  // MovieLens orders each user's rows by movie id, not by time.
  order.resize(user.ratings.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return user.ratings[a].item < user.ratings[b].item;
  });
  for (const std::size_t i : order) {
    const auto& r = user.ratings[i];
    const int level = rating_level(r.value);
    std::string& line = out.ratings;
    append_integer(line, user.id);
    line += ',';
    append_integer(line, r.item);
    line += ',';
    line += kRatingText[level];
    line += ',';
    append_integer(line, r.timestamp);
    line += '\n';
    ++out.histogram[static_cast<std::size_t>(level)];
  }
  out.rating_count += user.ratings.size();

  order.resize(user.tags.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return user.tags[a].item < user.tags[b].item; });
  for (const std::size_t i : order) {
    const auto& t = user.tags[i];
    fmt::format_to(std::back_inserter(out.tags), "{},{},", user.id, t.item);
    append_csv_field(out.tags, keywords[t.keyword].tag);
    fmt::format_to(std::back_inserter(out.tags), ",{}\n", t.timestamp);
  }
  out.tag_count += user.tags.size();

  fmt::format_to(std::back_inserter(out.users), "{},{},{},{}\n", user.id, user.gender, user.age,
                 user.occupation);
  append_user_truth_row(out.truth_users, user.truth());
}

}  // namespace

UserTruth SyntheticUser::truth() const noexcept {
  return UserTruth{id,
                   bias,
                   noise,
                   half_star_share,
                   drift,
                   first_timestamp,
                   last_timestamp,
                   genre_start,
                   genre_end,
                   keyword_start,
                   keyword_end};
}

SyntheticWorld::SyntheticWorld(SyntheticWorldOptions options) : options_(options) {
  validate(options_);
  const auto genres = synthetic_genres();
  const auto keywords = synthetic_keywords();
  const std::uint64_t items_seed = derive_seed(options_.seed, kItemStream);
  const int last_year = civil_year(options_.start_time) - 1;
  SyntheticTitleMaker titles;

  std::vector<double> genre_weights;
  for (const auto& g : genres)
    genre_weights.push_back(g.frequency);

  items_.resize(options_.items);
  for (std::uint64_t index = 0; index < options_.items; ++index) {
    SyntheticItem& item = items_[index];
    item.truth.id = static_cast<ExternalId>(index + 1);
    Rng rng(derive_seed(items_seed, index + 1));

    const double u = rng.uniform01();
    const std::size_t genre_count = u < 0.45 ? 1 : u < 0.80 ? 2 : 3;
    item.truth.genres = pick_weighted<decltype(item.truth.genres)>(genre_weights, genre_count, rng);
    std::uint32_t item_genres = 0;
    for (const std::uint8_t g : item.truth.genres)
      item_genres |= std::uint32_t{1} << g;
    std::vector<double> keyword_weights;
    for (const auto& k : keywords)
      keyword_weights.push_back((k.genres & item_genres) != 0 ? 5.0 : 1.0);
    item.truth.keywords = pick_weighted<decltype(item.truth.keywords)>(
        keyword_weights, 2 + rng.uniform_index(3), rng);

    const double quality_z = rng.normal();
    const double popularity_z = rng.normal();
    item.truth.quality = quantize_parameter(options_.item_quality_sd * quality_z);
    item.truth.log_popularity = quantize_parameter(
        options_.popularity_sigma *
        (kPopularityQualityCorrelation * quality_z +
         std::sqrt(1.0 - kPopularityQualityCorrelation * kPopularityQualityCorrelation) *
             popularity_z));
    // Mostly recent films, as in MovieLens: the age in years is 80 u^2.
    const double age = rng.uniform01();
    item.year = last_year - static_cast<int>(kYearsOfFilms * age * age);
    item.title = fmt::format("{} ({})", titles.make(rng), item.year);
    item.overview = make_synthetic_overview(item.truth.genres, item.truth.keywords, rng);
  }

  item_truths_.reserve(items_.size());
  for (const auto& item : items_)
    item_truths_.push_back(item.truth);

  // Vose's alias method: each slot holds its own item with some probability
  // and else an "alias" item, so one draw costs one index and one uniform.
  const std::size_t n = items_.size();
  std::vector<double> scaled(n);
  double max_log = -1e300;
  for (const auto& item : items_)
    max_log = std::max(max_log, item.truth.log_popularity);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = std::exp(items_[i].truth.log_popularity - max_log);
    total += scaled[i];
  }
  for (auto& s : scaled)
    s *= static_cast<double>(n) / total;
  alias_probability_.assign(n, 1.0);
  alias_.resize(n);
  std::iota(alias_.begin(), alias_.end(), 0u);
  std::vector<std::uint32_t> small, large;
  for (std::uint32_t i = 0; i < n; ++i)
    (scaled[i] < 1.0 ? small : large).push_back(i);
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back();
    small.pop_back();
    const std::uint32_t l = large.back();
    alias_probability_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
}

std::uint32_t SyntheticWorld::draw_popular_item(Rng& rng) const noexcept {
  const auto slot = static_cast<std::uint32_t>(rng.uniform_index(alias_.size()));
  return rng.uniform01() < alias_probability_[slot] ? slot : alias_[slot];
}

void SyntheticWorld::generate_user(ExternalId id, SyntheticUser& user) const {
  if (id < 1 || static_cast<std::uint64_t>(id) > options_.users) {
    throw std::out_of_range(
        fmt::format("user {} is not in the synthetic world (1..{})", id, options_.users));
  }
  const SyntheticWorldOptions& o = options_;
  Rng rng(derive_seed(o.seed, static_cast<std::uint64_t>(id)));
  user.id = id;

  user.gender = rng.bernoulli(kFemaleShare) ? "F" : "M";
  user.age = std::clamp(
      static_cast<int>(std::lround(std::exp(rng.normal(std::log(kMedianAge), kAgeLogSd)))), 13, 80);
  user.occupation = draw_occupation(user.age, rng);

  user.bias = quantize_parameter(rng.normal(0.0, o.user_bias_sd));
  user.noise =
      quantize_parameter(std::max(0.05, o.rating_noise * std::exp(rng.normal(0.0, kNoiseLogSd))));
  user.half_star_share =
      rng.bernoulli(kWholeStarUserShare) ? 0.0 : quantize_parameter(0.6 + 0.4 * rng.uniform01());
  user.drift = quantize_parameter(o.drift_strength * std::exp(rng.normal(0.0, kDriftLogSd)));
  // end = shift + c (start - shift) + s fresh: same spread, correlation c.
  const double keep = 1.0 / std::sqrt(1.0 + user.drift * user.drift);
  const double renew = user.drift * keep;

  const std::size_t genre_count = synthetic_genres().size();
  user.genre_start.resize(genre_count);
  user.genre_end.resize(genre_count);
  for (std::size_t g = 0; g < genre_count; ++g) {
    const double shift = o.demographic_effect * demographic_shift(static_cast<int>(g), user.age,
                                                                  user.gender, user.occupation);
    const double own = rng.normal(0.0, o.genre_affinity_sd);
    const double fresh = rng.normal(0.0, o.genre_affinity_sd);
    user.genre_start[g] = quantize_taste(shift + own);
    user.genre_end[g] = quantize_taste(shift + keep * own + renew * fresh);
  }
  const std::size_t keyword_count = synthetic_keywords().size();
  user.keyword_start.resize(keyword_count);
  user.keyword_end.resize(keyword_count);
  for (std::size_t k = 0; k < keyword_count; ++k) {
    const double own = draw_keyword_taste(o, rng);
    const double fresh = draw_keyword_taste(o, rng);
    user.keyword_start[k] = quantize_taste(own);
    user.keyword_end[k] = quantize_taste(keep * own + renew * fresh);
  }

  // How many ratings: min plus a log-normal tail, rounded at random so the
  // mean is exact before the cap.
  std::size_t count = o.min_ratings_per_user;
  const double extra_mean = o.mean_ratings_per_user - o.min_ratings_per_user;
  if (extra_mean > 0.0) {
    const double sigma = o.rating_count_sigma;
    const double extra = std::exp(rng.normal(std::log(extra_mean) - sigma * sigma / 2.0, sigma));
    count += static_cast<std::size_t>(std::min(std::floor(extra + rng.uniform01()), 1e9));
  }
  count = std::min<std::size_t>(count, effective_max_ratings(o));

  std::vector<std::int64_t> times;
  draw_timestamps(o, count, rng, times);
  user.first_timestamp = times.front();
  user.last_timestamp = times.back();
  const UserTruth truth = user.truth();

  const bool tagger = rng.bernoulli(kTaggerShare);
  const double tag_probability = std::min(1.0, o.tag_rate / kTaggerShare);
  RatedSet rated(count);
  std::vector<std::uint32_t> candidates(o.candidates_per_rating);
  std::vector<double> appeal(o.candidates_per_rating);
  user.ratings.clear();
  user.tags.clear();
  for (std::size_t r = 0; r < count; ++r) {
    const double fraction = taste_fraction(truth, times[r]);
    double best_appeal = -1e300;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      // Popular items first; once popular ones are mostly rated, any unrated item.
      std::uint32_t item = draw_popular_item(rng);
      for (int attempt = 0; attempt < 32 && rated.contains(item); ++attempt) {
        item = draw_popular_item(rng);
      }
      while (rated.contains(item))
        item = static_cast<std::uint32_t>(rng.uniform_index(items_.size()));
      candidates[c] = item;
      appeal[c] = item_appeal(o, truth, item_truths_[item], fraction);
      best_appeal = std::max(best_appeal, appeal[c]);
    }
    double total = 0.0;
    for (auto& a : appeal) {
      a = std::exp(o.taste_selectivity * (a - best_appeal));
      total += a;
    }
    double target = rng.uniform01() * total;
    std::size_t chosen = 0;
    while (chosen + 1 < candidates.size() && target >= appeal[chosen])
      target -= appeal[chosen++];

    const std::uint32_t item = candidates[chosen];
    rated.insert(item);
    const ItemTruth& item_truth = item_truths_[item];
    const double latent = latent_rating(o, truth, item_truth, fraction);
    user.ratings.push_back({item_truth.id, observe_rating(latent, truth, rng), times[r]});
    if (tagger && rng.bernoulli(tag_probability)) {
      const auto which = rng.uniform_index(item_truth.keywords.size());
      user.tags.push_back(
          {item_truth.id, item_truth.keywords[which], times[r] + rng.uniform_int(0, 90)});
    }
  }
}

SyntheticWorldReport SyntheticWorld::write(const std::filesystem::path& directory,
                                           bool overwrite) const {
  const auto started = std::chrono::steady_clock::now();
  namespace fs = std::filesystem;
  if (fs::exists(directory) && !fs::is_directory(directory)) {
    throw std::runtime_error(fmt::format("{} exists and is not a directory", directory.string()));
  }
  if (fs::exists(directory) && !fs::is_empty(directory) && !overwrite) {
    throw std::runtime_error(
        fmt::format("{} is not empty; refusing to overwrite it", directory.string()));
  }
  fs::create_directories(directory / "truth");

  PartialFile ratings(directory / "ratings.csv", "ratings.csv");
  PartialFile movies(directory / "movies.csv", "movies.csv");
  PartialFile tags(directory / "tags.csv", "tags.csv");
  PartialFile users(directory / "users.csv", "users.csv");
  PartialFile overviews(directory / "overviews.csv", "overviews.csv");
  PartialFile truth_users(directory / "truth" / "users.csv", "truth/users.csv");
  PartialFile truth_items(directory / "truth" / "items.csv", "truth/items.csv");
  PartialFile world(directory / "truth" / "world.json", "truth/world.json");

  // The catalogue, on this thread.
  {
    const auto genres = synthetic_genres();
    std::string m = "movieId,title,genres\n";
    std::string v = "movieId,title,overview\n";
    std::string t = std::string(kItemTruthHeader) + "\n";
    std::string names;
    for (const auto& item : items_) {
      names.clear();
      for (const std::uint8_t g : item.truth.genres) {
        if (!names.empty())
          names += '|';
        names += genres[g].name;
      }
      fmt::format_to(std::back_inserter(m), "{},", item.truth.id);
      append_csv_field(m, item.title);
      m += ',';
      append_csv_field(m, names);
      m += '\n';
      fmt::format_to(std::back_inserter(v), "{},", item.truth.id);
      append_csv_field(v, item.title);
      v += ',';
      append_csv_field(v, item.overview);
      v += '\n';
      append_item_truth_row(t, item.truth);
    }
    movies.write(m);
    overviews.write(v);
    truth_items.write(t);
  }
  ratings.write("userId,movieId,rating,timestamp\n");
  tags.write("userId,movieId,tag,timestamp\n");
  users.write("userId,gender,age,occupation\n");
  truth_users.write(std::string(kUserTruthHeader) + "\n");

  // Users: workers fill chunk buffers, this thread writes them in order.
  const std::uint64_t chunk_users = options_.chunk_users;
  const std::uint64_t chunk_count = (options_.users + chunk_users - 1) / chunk_users;
  unsigned threads = options_.threads != 0 ? options_.threads : std::thread::hardware_concurrency();
  threads = static_cast<unsigned>(std::clamp<std::uint64_t>(threads, 1, chunk_count));
  const std::size_t slot_count = 2 * std::size_t{threads};
  std::vector<ChunkBuffer> slots(slot_count);

  std::mutex mutex;
  std::condition_variable chunk_ready;
  std::condition_variable slot_free;
  std::uint64_t next_chunk = 0;  // the next chunk a worker takes
  std::uint64_t next_write = 0;  // the next chunk this thread writes
  bool stop = false;
  std::exception_ptr worker_error;

  auto worker = [&] {
    SyntheticUser user;
    std::vector<std::size_t> order;
    for (;;) {
      std::uint64_t chunk = 0;
      {
        std::unique_lock lock(mutex);
        // A slot is reused only once its previous chunk has been written.
        slot_free.wait(lock, [&] {
          return stop || next_chunk >= chunk_count || next_chunk < next_write + slot_count;
        });
        if (stop || next_chunk >= chunk_count)
          return;
        chunk = next_chunk++;
      }
      ChunkBuffer& buffer = slots[chunk % slot_count];
      try {
        buffer.clear();
        const std::uint64_t first = chunk * chunk_users + 1;
        const std::uint64_t last = std::min(options_.users, first + chunk_users - 1);
        for (std::uint64_t id = first; id <= last; ++id) {
          generate_user(static_cast<ExternalId>(id), user);
          append_user_rows(user, buffer, order);
        }
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!worker_error)
          worker_error = std::current_exception();
        stop = true;
        chunk_ready.notify_all();
        slot_free.notify_all();
        return;
      }
      std::lock_guard lock(mutex);
      buffer.ready = true;
      chunk_ready.notify_all();
    }
  };

  SyntheticWorldCounts counts;
  counts.users = options_.users;
  counts.items = options_.items;
  std::vector<std::thread> pool;
  auto stop_and_join = [&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    slot_free.notify_all();
    for (auto& t : pool)
      t.join();
    pool.clear();
  };
  try {
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back(worker);
    const std::uint64_t progress_step = std::max<std::uint64_t>(1, chunk_count / 10);
    for (std::uint64_t chunk = 0; chunk < chunk_count; ++chunk) {
      ChunkBuffer& buffer = slots[chunk % slot_count];
      {
        std::unique_lock lock(mutex);
        chunk_ready.wait(lock, [&] { return buffer.ready || worker_error; });
        if (worker_error)
          break;
      }
      ratings.write(buffer.ratings);
      tags.write(buffer.tags);
      users.write(buffer.users);
      truth_users.write(buffer.truth_users);
      counts.ratings += buffer.rating_count;
      counts.tag_applications += buffer.tag_count;
      for (std::size_t l = 0; l < counts.rating_histogram.size(); ++l) {
        counts.rating_histogram[l] += buffer.histogram[l];
      }
      {
        std::lock_guard lock(mutex);
        buffer.ready = false;
        ++next_write;
      }
      slot_free.notify_all();
      if (options_.users >= 100000 && (chunk + 1) % progress_step == 0) {
        spdlog::info("synthetic world: {} of {} users",
                     std::min(options_.users, (chunk + 1) * chunk_users), options_.users);
      }
    }
  } catch (...) {
    stop_and_join();
    throw;
  }
  stop_and_join();
  if (worker_error)
    std::rethrow_exception(worker_error);

  world.write(synthetic_world_json(options_, counts));
  std::vector<PartialFile*> files{&ratings,   &movies,      &tags,        &users,
                                  &overviews, &truth_users, &truth_items, &world};
  for (auto* f : files)
    f->close();
  for (auto* f : files)
    f->rename();

  SyntheticWorldReport report;
  report.directory = directory;
  report.counts = counts;
  std::uint64_t halves = 0;
  for (std::size_t l = 0; l < counts.rating_histogram.size(); ++l) {
    halves += (l + 1) * counts.rating_histogram[l];
  }
  report.mean_rating =
      counts.ratings == 0 ? 0.0
                          : 0.5 * static_cast<double>(halves) / static_cast<double>(counts.ratings);
  report.threads = threads;
  for (const auto* f : files)
    report.files.push_back({f->name(), f->bytes()});
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

SyntheticWorldReport generate_synthetic_world(const SyntheticWorldOptions& options,
                                              const std::filesystem::path& directory,
                                              bool overwrite) {
  return SyntheticWorld(options).write(directory, overwrite);
}

}  // namespace lusifer
