#include "engine/sim/offline_user_model.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <spdlog/spdlog.h>

#include "engine/agents/vector_ops.hpp"
#include "engine/core/half_precision.hpp"
#include "engine/core/random.hpp"
#include "engine/model/metrics.hpp"
#include "engine/model/training_set.hpp"
#include "engine/sim/offline_explanation.hpp"
#include "engine/sim/offline_profile.hpp"
#include "engine/sim/offline_similarity_table.hpp"

namespace lusifer {
namespace {

constexpr std::size_t kMaxNeighbourScan = OfflineContentSet::kMaxMembers;
constexpr std::size_t kMaxThemesPerUser = 64;
constexpr std::uint64_t kValidationStream = 0x6f66666c696e6531ULL;  // "offline1"
// Ridge strength pulling the learned weights toward the defaults, in
// squared-residual units: a few ratings' worth.
constexpr double kWeightRidge = 10.0;
constexpr double kMaxWeight = 2.0;
// A half-precision factor row read for one dot product (outside a slate,
// whose rate converts the row once) is converted into a buffer of this many
// floats on the stack.
constexpr std::size_t kMaxHalfFactors = 1024;

// 6 bytes, packed: 16-bit terms (the vocabulary is capped at kMaxThemeTerms,
// see check_options), 40 bytes a user of 20 themes less than 8-byte ones.
constexpr std::size_t kMaxThemeTerms = std::size_t{1} << 16;
#pragma pack(push, 2)
struct ThemeAffinity {
  std::uint16_t term = 0;
  float value = 0;
};
#pragma pack(pop)
static_assert(sizeof(ThemeAffinity) == 6);

void check_options(const OfflineModelOptions& o) {
  auto non_negative = [](double v, const char* name) {
    if (!(v >= 0) || !std::isfinite(v))
      throw std::invalid_argument(std::string("offline model: ") + name +
                                  " must be a finite number >= 0");
  };
  non_negative(o.genre_shrinkage, "genre_shrinkage");
  non_negative(o.theme_shrinkage, "theme_shrinkage");
  non_negative(o.neighbour_shrinkage, "neighbour_shrinkage");
  non_negative(o.support_shrinkage, "support_shrinkage");
  non_negative(o.demographic_shrinkage, "demographic_shrinkage");
  non_negative(o.drift.prior, "drift.prior");
  non_negative(o.drift.decay, "drift.decay");
  non_negative(o.drift.max, "drift.max");
  if (!(o.validation_fraction >= 0 && o.validation_fraction < 1))
    throw std::invalid_argument("offline model: validation_fraction must be in [0, 1)");
  if (o.content.max_terms > kMaxThemeTerms)
    throw std::invalid_argument("offline model: content.max_terms must be at most 65,536");
  if (o.max_neighbour_scan > kMaxNeighbourScan)
    throw std::invalid_argument("offline model: max_neighbour_scan must be at most 255");
  if (o.update_every == 0)
    throw std::invalid_argument("offline model: update_every must be >= 1");
  if (o.factor_precision == FloatPrecision::kHalf &&
      std::cmp_greater(o.svd.n_factors, kMaxHalfFactors))
    throw std::invalid_argument("offline model: half-precision factors need svd.n_factors <= 1024");
}

// a(n): beta / (n + beta), tapered linearly in that quantity to reach 0 at
// the cutoff, so the blend has no jump.
double content_weight(std::uint32_t support, const OfflineModelOptions& o) noexcept {
  if (support >= o.support_cutoff)
    return 0.0;
  if (o.support_shrinkage <= 0)
    return support == 0 ? 1.0 : 0.0;
  const double beta = o.support_shrinkage;
  const double at_cutoff = beta / (o.support_cutoff + beta);
  return std::max(0.0, (beta / (support + beta) - at_cutoff) / (1.0 - at_cutoff));
}

typedef float Vec4 __attribute__((vector_size(16)));

// p . q over `width` floats, as four running sums s_l (lane l adds the
// products of factors l, l + 4, l + 8, ... in order; the rest of a width not
// a multiple of 4 goes to s_0), then (s_0 + s_1) + (s_2 + s_3). The AVX2
// clone multiplies eight factors at once and adds their two halves to the
// sums one after the other, so every sum sees the same additions in the
// same order as with four at a time: the same bits, 100 factors in about
// 60% of the instructions.
LUSIFER_VECTOR_CLONES
double factor_dot(const float* p, const float* q, std::size_t width) noexcept {
  Vec4 sums = {0, 0, 0, 0};
  std::size_t f = 0;
  for (; f + 8 <= width; f += 8) {
    Vec8 a, b;
    __builtin_memcpy(&a, p + f, sizeof a);
    __builtin_memcpy(&b, q + f, sizeof b);
    const Vec8 products = a * b;
    sums += __builtin_shufflevector(products, products, 0, 1, 2, 3);
    sums += __builtin_shufflevector(products, products, 4, 5, 6, 7);
  }
  for (; f + 4 <= width; f += 4) {
    Vec4 a, b;
    __builtin_memcpy(&a, p + f, sizeof a);
    __builtin_memcpy(&b, q + f, sizeof b);
    sums += a * b;
  }
  float s0 = sums[0];
  for (; f < width; ++f)
    s0 += p[f] * q[f];
  return static_cast<double>((s0 + sums[1]) + (sums[2] + sums[3]));
}

// A user's row of SVD factors in the precision the rows are kept in; both
// null for a user the SVD does not know.
struct FactorRow {
  const float* singles = nullptr;
  const Half* halves = nullptr;
};

// SVD factors as floats, row-major: half the memory traffic of the doubles,
// which is most of the cost of the dot product when rows are not cached.
// With FloatPrecision::kHalf the users' rows are kept as halves instead (2
// bytes a factor, 200 bytes a user at 100 factors: the largest part of the
// fit at a million users), each the float row rounded once, and turned back
// into floats to be read (once a slate, see as_floats); the items' rows,
// few, stay floats.
struct FactorRows {
  std::size_t width = 0;
  FloatPrecision precision = FloatPrecision::kSingle;
  std::vector<float> users;      // kSingle; empty rows (zeros) for unknown users
  std::vector<Half> half_users;  // kHalf; likewise
  std::vector<float> items;      // empty rows (zeros) for unknown items
  std::vector<std::uint8_t> known_user, known_item;

  FactorRows() = default;
  FactorRows(const Svd& svd, std::size_t user_count, std::size_t item_count,
             FloatPrecision user_precision)
      : precision(user_precision) {
    width = static_cast<std::size_t>(svd.options().n_factors);
    if (precision == FloatPrecision::kHalf)
      half_users.assign(user_count * width, to_half(0.0f));
    else
      users.assign(user_count * width, 0.0f);
    items.assign(item_count * width, 0.0f);
    known_user.assign(user_count, 0);
    known_item.assign(item_count, 0);
    std::vector<float> row_floats(width);
    for (UserIndex u = 0; u < user_count; ++u) {
      if (!svd.knows_user(u))
        continue;
      known_user[u] = 1;
      const auto row = svd.user_factors(u);
      const auto at = static_cast<std::ptrdiff_t>(u * width);
      if (precision == FloatPrecision::kHalf) {
        std::copy(row.begin(), row.end(), row_floats.begin());
        to_halves(row_floats, std::span<Half>(half_users.data() + at, width));
      } else {
        std::copy(row.begin(), row.end(), users.begin() + at);
      }
    }
    for (ItemIndex i = 0; i < item_count; ++i) {
      if (!svd.knows_item(i))
        continue;
      known_item[i] = 1;
      const auto row = svd.item_factors(i);
      std::copy(row.begin(), row.end(), items.begin() + static_cast<std::ptrdiff_t>(i * width));
    }
  }

  double dot(UserIndex user, ItemIndex item) const noexcept { return dot(user_row(user), item); }
  FactorRow user_row(UserIndex user) const noexcept {
    if (user >= known_user.size() || !known_user[user] || width == 0)
      return {};
    if (precision == FloatPrecision::kHalf)
      return {nullptr, half_users.data() + user * width};
    return {users.data() + user * width, nullptr};
  }
  // `row` with its halves turned into floats in `buffer` (a row of floats as
  // it is): for the many dot products of a slate.
  FactorRow as_floats(FactorRow row, std::vector<float>& buffer) const {
    if (row.halves == nullptr)
      return row;
    buffer.resize(width);
    from_halves(std::span<const Half>(row.halves, width), buffer);
    return {buffer.data(), nullptr};
  }
  // The same bits as factor_dot over the row's floats (halves convert
  // exactly).
  double dot(FactorRow row, ItemIndex item) const noexcept {
    if ((row.singles == nullptr && row.halves == nullptr) || item >= known_item.size() ||
        !known_item[item])
      return 0.0;
    const float* q = items.data() + item * width;
    if (row.singles != nullptr)
      return factor_dot(row.singles, q, width);
    std::array<float, kMaxHalfFactors> p;
    from_halves(std::span<const Half>(row.halves, width), std::span<float>(p.data(), width));
    return factor_dot(p.data(), q, width);
  }
};

// What a score takes from the item alone, given the weights: a rating reads
// these instead of working out the content weight and its products again.
struct ItemTerms {
  double content = 0;  // a
  double taste = 0;    // (1 - a) w_cf
  double theme = 0;    // (1 - a) w_theme
  double genre = 0;    // (1 - a) w_genre
  float offset = 0;    // (1 - a) b_i, as the drivers keep it; 0 when a = 1
  std::uint32_t support = 0;
  bool warm = false;  // a < 1
};

// A user's theme affinity in a table by term: its value, and 1 when the
// term is a theme of the user (0 and 0 when not).
struct ThemeSlot {
  float value = 0;
  std::uint32_t present = 0;
};

// Consecutive items of an ItemColumn, read as ItemIndex values, or handed
// over at their stored width (visit) where a loop should not test it.
class ItemRun {
 public:
  class iterator {
   public:
    iterator(const ItemRun* run, std::size_t k) : run_(run), k_(k) {}
    ItemIndex operator*() const noexcept { return (*run_)[k_]; }
    iterator& operator++() noexcept {
      ++k_;
      return *this;
    }
    bool operator==(const iterator& other) const noexcept { return k_ == other.k_; }

   private:
    const ItemRun* run_;
    std::size_t k_;
  };

  ItemRun() = default;
  ItemRun(const std::uint16_t* narrow, const ItemIndex* wide, std::size_t size) noexcept
      : narrow_(narrow), wide_(wide), size_(size) {}

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  ItemIndex operator[](std::size_t k) const noexcept {
    return narrow_ != nullptr ? ItemIndex{narrow_[k]} : wide_[k];
  }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, size_}; }
  // f(std::span<const std::uint16_t>) or f(std::span<const ItemIndex>).
  template <class F>
  decltype(auto) visit(F&& f) const {
    if (narrow_ != nullptr)
      return f(std::span<const std::uint16_t>(narrow_, size_));
    return f(std::span<const ItemIndex>(wide_, size_));
  }

 private:
  const std::uint16_t* narrow_ = nullptr;  // one of the two, per the column
  const ItemIndex* wide_ = nullptr;
  std::size_t size_ = 0;
};

// Item indices, 2 bytes each where the catalog has at most 65,536 items (as
// RatingTable keeps them), else 4.
class ItemColumn {
 public:
  static constexpr std::size_t kMaxNarrowItems = std::size_t{1} << 16;

  ItemColumn() = default;
  explicit ItemColumn(bool narrow) : narrow_(narrow) {}

  void reserve(std::size_t n) { narrow_ ? narrow_items_.reserve(n) : wide_items_.reserve(n); }
  void push_back(ItemIndex item) {
    if (narrow_)
      narrow_items_.push_back(static_cast<std::uint16_t>(item));
    else
      wide_items_.push_back(item);
  }
  std::size_t memory_bytes() const noexcept {
    return narrow_items_.capacity() * sizeof(std::uint16_t) +
           wide_items_.capacity() * sizeof(ItemIndex);
  }
  ItemRun run(std::size_t first, std::size_t count) const noexcept {
    if (narrow_)
      return {narrow_items_.data() + first, nullptr, count};
    return {nullptr, wide_items_.data() + first, count};
  }

 private:
  bool narrow_ = false;
  std::vector<std::uint16_t> narrow_items_;
  std::vector<ItemIndex> wide_items_;
};

// Rating values, 1 byte each as a code into their distinct values where
// there are at most 256 of them (as RatingTable keeps them), else 4: read
// back bit for bit either way.
class RatingColumn {
 public:
  // `for_each(f)` calls f(float) with the `count` values in order; it is
  // called twice (which values, then the column). Wide unless `narrow`.
  template <class ForEach>
  void assign(bool narrow, std::size_t count, ForEach&& for_each) {
    std::unordered_map<std::uint32_t, std::uint8_t> code_of;
    value_of_code_.clear();
    if (narrow) {
      // Up to one value past what codes hold, which rules them out.
      for_each([&](float v) {
        const auto bits = std::bit_cast<std::uint32_t>(v);
        if (value_of_code_.size() > 256 || code_of.contains(bits))
          return;
        code_of.emplace(bits, static_cast<std::uint8_t>(value_of_code_.size()));
        value_of_code_.push_back(v);
      });
    }
    narrow_ = narrow && value_of_code_.size() <= 256;
    codes_.clear();
    wide_values_.clear();
    if (narrow_) {
      codes_.reserve(count);
      for_each([&](float v) { codes_.push_back(code_of.at(std::bit_cast<std::uint32_t>(v))); });
    } else {
      value_of_code_.clear();
      wide_values_.reserve(count);
      for_each([&](float v) { wide_values_.push_back(v); });
    }
  }
  // f(value), where value(k) is the value at first + k: the width is
  // tested once, not at every read.
  template <class F>
  decltype(auto) visit(std::size_t first, F&& f) const {
    if (narrow_) {
      return f([codes = codes_.data() + first, values = value_of_code_.data()](std::size_t k) {
        return values[codes[k]];
      });
    }
    return f([values = wide_values_.data() + first](std::size_t k) { return values[k]; });
  }
  std::size_t memory_bytes() const noexcept {
    return codes_.capacity() +
           (value_of_code_.capacity() + wide_values_.capacity()) * sizeof(float);
  }

 private:
  bool narrow_ = false;
  std::vector<std::uint8_t> codes_;
  std::vector<float> value_of_code_;
  std::vector<float> wide_values_;
};

}  // namespace

// Everything learned from one list of training ratings. The constructor
// builds one on a hold-out's complement to learn the weights, then the final
// one on all of them.
struct OfflineUserModel::Fitted {
  double mu = 0;
  std::vector<double> item_bias;
  std::vector<double> user_offset;  // b_u, or the demographic prior's offset
  std::vector<std::uint32_t> support;
  // The means of the users' training ratings, summed in the training set's
  // order; empty where every one equals the sum in time order (mean_of),
  // which is then read instead: a float sum in a double is exact in any
  // order unless the values span some 2^29 in magnitude.
  std::vector<double> means;
  FactorRows factors;  // the SVD's, as floats (the users' as halves if so chosen)
  std::size_t genre_count = 0;
  std::vector<float> affinities;          // users x genre_count; the prior's for unknown users
  std::vector<float> outside_affinities;  // users outside the dataset
  double outside_offset = 0;
  // User u's training ratings are [history_offsets[u], history_offsets[u +
  // 1]) of `history`, history_items and history_ratings; the user is known
  // when there are any. 32-bit, as rating indices are.
  std::vector<std::uint32_t> history_offsets;
  // Per user, oldest first: indices into the dataset's ratings. When every
  // user's training ratings are the oldest part of their history (a holdout
  // split's train always is), they are the start of the dataset's own
  // histories, which are read instead (`histories`; `history` is then
  // empty): 4 bytes a training rating less.
  const UserHistories* histories = nullptr;
  std::vector<RatingIndex> history;
  // Their items and ratings, in the same order: 3 bytes a rating where the
  // catalog has at most 65,536 items and the ratings at most 256 values.
  // What the trained-item tests and the neighbourhood scan read (its
  // max_neighbour_scan most recent are the last ones, contiguous).
  ItemColumn history_items;
  RatingColumn history_ratings;
  // User u's themes are [theme_offsets[u], theme_offsets[u + 1]) of themes,
  // ascending by term. (A Bloom filter of them per user, 32 bytes, spared
  // theme_term some of its searches, but it only serves explanations and
  // the few scores without a slate's table of themes: see rate_into.)
  std::vector<std::uint32_t> theme_offsets;
  std::vector<ThemeAffinity> themes;
  // The neighbourhood term's similarities: one table for all users where
  // the catalog is small enough (a few MB, where per-user sets would cost
  // ~4 KB a user), else per user an indexed set of their max_neighbour_scan
  // most recent rated items, oldest first. Both give the same values.
  OfflineSimilarityTable similarity_table;
  std::vector<OfflineContentSet> recent;
  OfflineDemographicPrior prior;
  // Per item; filled once the weights are known (set_item_terms).
  std::vector<ItemTerms> item_terms;

  Fitted(const Dataset& dataset, std::span<const RatingIndex> train, const OfflineContent& content,
         const OfflineModelOptions& options) {
    const TrainingSet set(dataset, train);
    const std::size_t users = dataset.user_count();
    const std::size_t items = dataset.catalog().size();
    mu = set.global_mean();
    const Baselines baselines = compute_baselines(set, options.baseline);
    item_bias = baselines.item;
    user_offset = baselines.user;
    Svd svd(options.svd);
    svd.fit(set);
    factors = FactorRows(svd, users, items, options.factor_precision);

    support.assign(items, 0);
    for (ItemIndex i = 0; i < items; ++i)
      support[i] = static_cast<std::uint32_t>(set.item_ratings(i).size());
    std::vector<std::uint8_t> known(users, 0);
    means.assign(users, 0.0);
    for (UserIndex u = 0; u < users; ++u) {
      const auto ratings = set.user_ratings(u);
      if (ratings.empty())
        continue;
      known[u] = 1;
      double sum = 0;
      for (const auto& e : ratings)
        sum += e.value;
      means[u] = sum / static_cast<double>(ratings.size());
    }

    // Chronological histories, in the dataset's order (time, then file
    // order), restricted to `train`; a rating listed twice counts twice, as
    // in the training set.
    const RatingTable& table = dataset.ratings();
    if (train.size() > std::numeric_limits<std::uint32_t>::max())
      throw std::invalid_argument("offline model: more than 2^32 training ratings");
    // Ordered by (user, time, index): grouped by user with a counting sort,
    // which looks each rating's user up once (a comparison sort looked both
    // users up at every comparison), then each user's ratings sorted.
    std::vector<std::uint32_t> user_starts(users + 1, 0);
    for (const RatingIndex r : train)
      ++user_starts[table.user(r) + 1];
    std::partial_sum(user_starts.begin(), user_starts.end(), user_starts.begin());
    history.resize(train.size());
    {
      std::vector<std::uint32_t> fill(user_starts.begin(), user_starts.end() - 1);
      for (const RatingIndex r : train)
        history[fill[table.user(r)]++] = r;
    }
    const auto by_time = [&](RatingIndex a, RatingIndex b) {
      if (table.timestamp(a) != table.timestamp(b))
        return table.timestamp(a) < table.timestamp(b);
      return a < b;
    };
    for (UserIndex u = 0; u < users; ++u)
      std::sort(history.begin() + user_starts[u], history.begin() + user_starts[u + 1], by_time);
    history_items = ItemColumn(options.compact && items <= ItemColumn::kMaxNarrowItems);
    history_items.reserve(history.size());
    history_offsets.assign(1, 0);
    history_offsets.reserve(users + 1);
    std::size_t next = 0;
    const UserHistories& all = dataset.histories();
    bool prefixes = options.compact && all.user_count() == users;
    for (UserIndex u = 0; u < users; ++u) {
      const std::size_t first = next;
      for (; next < user_starts[u + 1]; ++next)
        history_items.push_back(table.item(history[next]));
      history_offsets.push_back(static_cast<std::uint32_t>(next));
      if (prefixes) {
        const auto mine = std::span<const RatingIndex>(history).subspan(first, next - first);
        const auto theirs = all.of(u);
        prefixes =
            mine.size() <= theirs.size() && std::equal(mine.begin(), mine.end(), theirs.begin());
      }
    }
    history_ratings.assign(options.compact, history.size(), [&](auto&& f) {
      for (const RatingIndex r : history)
        f(table.value(r));
    });
    if (prefixes) {
      histories = &all;
      std::vector<RatingIndex>().swap(history);
    }
    bool same_means = options.compact;
    for (UserIndex u = 0; u < users && same_means; ++u)
      same_means =
          std::bit_cast<std::uint64_t>(mean_of(u)) == std::bit_cast<std::uint64_t>(means[u]);
    if (same_means)
      std::vector<double>().swap(means);

    const bool tabled =
        options.similarity_table && dataset.catalog().size() <= OfflineSimilarityTable::kMaxItems;
    if (tabled)
      similarity_table = OfflineSimilarityTable(content);
    else
      recent.resize(users);
    std::vector<ItemIndex> members;
    for (UserIndex u = 0; !tabled && u < users; ++u) {
      members.clear();
      for (const ItemIndex i : recent_items_of(u, options.max_neighbour_scan))
        members.push_back(i);
      if (!members.empty())
        recent[u] = OfflineContentSet(content, members);
    }

    // Genre and theme affinities from residuals against the baselines.
    genre_count = std::max<std::size_t>(dataset.catalog().genre_names().size(), 1);
    affinities.assign(users * genre_count, 0.0f);
    theme_offsets.reserve(users + 1);
    theme_offsets.assign(1, 0);
    std::vector<double> genre_sum(genre_count), genre_n(genre_count);
    std::map<std::uint32_t, std::pair<double, std::uint32_t>> theme_sums;
    for (UserIndex u = 0; u < users; ++u) {
      if (known[u]) {
        std::fill(genre_sum.begin(), genre_sum.end(), 0.0);
        std::fill(genre_n.begin(), genre_n.end(), 0.0);
        theme_sums.clear();
        for (const auto& e : set.user_ratings(u)) {
          const double residual = e.value - (mu + user_offset[u] + item_bias[e.other]);
          for (GenreMask m = dataset.catalog().item(e.other).genres; m != 0; m &= m - 1) {
            const auto g = static_cast<std::size_t>(std::countr_zero(m));
            if (g >= genre_count)
              continue;
            genre_sum[g] += residual;
            genre_n[g] += 1;
          }
          for (const std::uint32_t term : content.keywords(e.other)) {
            auto& [sum, n] = theme_sums[term];
            sum += residual;
            ++n;
          }
        }
        for (std::size_t g = 0; g < genre_count; ++g)
          affinities[u * genre_count + g] =
              static_cast<float>(genre_sum[g] / (genre_n[g] + options.genre_shrinkage));
        const std::size_t first = themes.size();
        for (const auto& [term, sum_n] : theme_sums) {
          if (sum_n.second < options.theme_min_support)
            continue;
          themes.push_back(
              {static_cast<std::uint16_t>(term),
               static_cast<float>(sum_n.first / (sum_n.second + options.theme_shrinkage))});
        }
        // Only the strongest themes: they carry the term, and a short list
        // keeps lookups cheap for users with long histories.
        const auto begin = themes.begin() + static_cast<std::ptrdiff_t>(first);
        if (themes.size() - first > kMaxThemesPerUser) {
          std::nth_element(begin, begin + kMaxThemesPerUser, themes.end(),
                           [](const ThemeAffinity& a, const ThemeAffinity& b) {
                             const float sa = std::abs(a.value), sb = std::abs(b.value);
                             return sa != sb ? sa > sb : a.term < b.term;
                           });
          themes.resize(first + kMaxThemesPerUser);
        }
        std::sort(themes.begin() + static_cast<std::ptrdiff_t>(first), themes.end(),
                  [](const ThemeAffinity& a, const ThemeAffinity& b) { return a.term < b.term; });
      }
      if (themes.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("offline model: more than 2^32 themes in all");
      theme_offsets.push_back(static_cast<std::uint32_t>(themes.size()));
    }
    themes.shrink_to_fit();

    // Users without ratings: the demographic prior of offset and affinities.
    const std::size_t width = 1 + genre_count;
    std::vector<double> values(users * width, 0.0);
    for (UserIndex u = 0; u < users; ++u) {
      if (!known[u])
        continue;
      values[u * width] = user_offset[u];
      for (std::size_t g = 0; g < genre_count; ++g)
        values[u * width + 1 + g] = affinities[u * genre_count + g];
    }
    prior = OfflineDemographicPrior(dataset, known, values, width, options.demographic_shrinkage);
    for (UserIndex u = 0; u < users; ++u) {
      if (known[u])
        continue;
      const auto p = prior.prior(u);
      user_offset[u] = p[0];
      for (std::size_t g = 0; g < genre_count; ++g)
        affinities[u * genre_count + g] = static_cast<float>(p[1 + g]);
    }
    const auto everyone = prior.prior(static_cast<UserIndex>(users));
    outside_offset = everyone[0];
    outside_affinities.resize(genre_count);
    for (std::size_t g = 0; g < genre_count; ++g)
      outside_affinities[g] = static_cast<float>(everyone[1 + g]);
  }

  void set_item_terms(const OfflineModelOptions& options, const OfflineWeights& weights) {
    item_terms.resize(support.size());
    for (std::size_t i = 0; i < support.size(); ++i) {
      ItemTerms& t = item_terms[i];
      t.support = support[i];
      t.content = content_weight(t.support, options);
      // The same products, in the same order, as score_impl once made them.
      const double warm = 1.0 - t.content;
      t.warm = warm > 0;
      t.taste = warm * weights.taste_match;
      t.theme = warm * weights.theme;
      t.genre = warm * weights.genre;
      t.offset = t.warm ? static_cast<float>(warm * item_bias[i]) : 0.0f;
    }
  }

  std::size_t user_count() const noexcept { return user_offset.size(); }
  std::size_t memory_bytes() const noexcept {
    const auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
    std::size_t sum = bytes(user_offset) + bytes(means) + bytes(factors.users) +
                      bytes(factors.half_users) + bytes(factors.known_user) + bytes(affinities) +
                      bytes(history_offsets) + bytes(history) + history_items.memory_bytes() +
                      history_ratings.memory_bytes() + bytes(theme_offsets) + bytes(themes) +
                      bytes(recent);
    for (const OfflineContentSet& set : recent)
      sum += set.memory_bytes();
    return sum;
  }

  bool knows(UserIndex u) const noexcept {
    return u < user_count() && history_offsets[u] != history_offsets[u + 1];
  }
  // The mean of the user's training ratings, summed in time order (0 without).
  double mean_of(UserIndex u) const noexcept {
    if (!knows(u))
      return 0.0;
    const std::size_t first = history_offsets[u];
    const std::size_t count = history_offsets[u + 1] - first;
    return history_ratings.visit(first, [&](const auto& value) {
      double sum = 0;
      for (std::size_t k = 0; k < count; ++k)
        sum += value(k);
      return sum / static_cast<double>(count);
    });
  }
  double offset(UserIndex u) const noexcept {
    return u < user_offset.size() ? user_offset[u] : outside_offset;
  }
  std::span<const float> genre_affinities(UserIndex u) const noexcept {
    if (u >= user_count())
      return outside_affinities;
    return std::span<const float>(affinities).subspan(u * genre_count, genre_count);
  }
  std::span<const RatingIndex> history_of(UserIndex u) const noexcept {
    if (!knows(u))
      return {};
    const std::size_t count = history_offsets[u + 1] - history_offsets[u];
    if (histories != nullptr)
      return histories->of(u).first(count);
    return std::span<const RatingIndex>(history).subspan(history_offsets[u], count);
  }
  // The items of the user's training ratings, oldest first.
  ItemRun training_items_of(UserIndex u) const noexcept {
    if (u >= user_count())
      return {};
    return history_items.run(history_offsets[u], history_offsets[u + 1] - history_offsets[u]);
  }
  // The last `scan` of them, still oldest first.
  ItemRun recent_items_of(UserIndex u, std::size_t scan) const noexcept {
    if (u >= user_count())
      return {};
    const std::size_t count =
        std::min<std::size_t>(history_offsets[u + 1] - history_offsets[u], scan);
    return history_items.run(history_offsets[u + 1] - count, count);
  }
  std::span<const ThemeAffinity> themes_of(UserIndex u) const noexcept {
    if (u >= user_count())
      return {};
    return std::span<const ThemeAffinity>(themes).subspan(theme_offsets[u],
                                                          theme_offsets[u + 1] - theme_offsets[u]);
  }

  // The genre term G and the genre pulling hardest in its direction.
  double genre_term(UserIndex u, GenreMask genres, std::uint32_t* key, float* value) const {
    return genre_term_of(genre_affinities(u), genres, key, value);
  }
  static double genre_term_of(std::span<const float> a, GenreMask genres, std::uint32_t* key,
                              float* value) {
    double sum = 0;
    int n = 0;
    for (GenreMask m = genres; m != 0; m &= m - 1) {
      const auto g = static_cast<std::size_t>(std::countr_zero(m));
      ++n;
      if (g < a.size())
        sum += a[g];
    }
    if (n == 0)
      return 0.0;
    const double term = sum / n;
    if (key && term != 0) {
      float best = 0;
      for (GenreMask m = genres; m != 0; m &= m - 1) {
        const auto g = static_cast<std::size_t>(std::countr_zero(m));
        if (g >= a.size())
          continue;
        const float pull = term > 0 ? a[g] : -a[g];
        if (pull > best) {
          best = pull;
          *key = static_cast<std::uint32_t>(g);
          *value = a[g];
        }
      }
    }
    return term;
  }

  // The theme term T and up to two matched themes pulling its way.
  double theme_term(UserIndex u, std::span<const std::uint32_t> keywords, OfflineDrivers* d) const {
    const auto mine = themes_of(u);
    if (mine.empty())
      return 0.0;
    double sum = 0;
    int matches = 0;
    std::array<ThemeAffinity, 8> matched{};
    for (const std::uint32_t term : keywords) {
      // A branchless lower bound: whether a keyword is a theme of the user
      // is a coin toss to the branch predictor.
      const ThemeAffinity* found = mine.data();
      for (std::size_t n = mine.size(); n > 1;) {
        const std::size_t half = n / 2;
        // Arithmetic, not ?:, which GCC compiles to a branch here.
        found += static_cast<std::size_t>(found[half - 1].term < term) * half;
        n -= half;
      }
      if (found->term != term)
        continue;
      sum += found->value;
      if (static_cast<std::size_t>(matches) < matched.size())
        matched[matches] = *found;
      ++matches;
    }
    if (matches == 0)
      return 0.0;
    const double term = sum / std::sqrt(static_cast<double>(matches));
    if (d && term != 0) {
      const auto n = std::min<std::size_t>(static_cast<std::size_t>(matches), matched.size());
      const double sign = term > 0 ? 1.0 : -1.0;
      // Keywords are strongest first, so equal pulls keep the item's order:
      // a stable insertion sort (std::stable_sort would allocate a buffer
      // for these few elements on every call).
      for (std::size_t k = 1; k < n; ++k) {
        const ThemeAffinity moving = matched[k];
        std::size_t j = k;
        for (; j > 0 && sign * moving.value > sign * matched[j - 1].value; --j)
          matched[j] = matched[j - 1];
        matched[j] = moving;
      }
      int kept = 0;
      for (std::size_t k = 0; k < n && kept < 2; ++k) {
        if (sign * matched[k].value <= 0)
          break;
        d->theme_keys[kept] = matched[k].term;
        d->theme_affinities[kept] = matched[k].value;
        ++kept;
      }
    }
    return term;
  }

  // The neighbourhood term C: the user's most content-similar recent rated
  // items, their deviations from the user's baseline weighted by s^2.
  double neighbour_term(UserIndex u, ItemIndex item, const OfflineContent& content,
                        const OfflineModelOptions& o, OfflineDrivers* d) const {
    if (o.neighbours == 0)
      return 0.0;
    // The max_neighbour_scan most recent rated items, oldest first: the k-th
    // most recent is items[last - k].
    const ItemRun items = recent_items_of(u, o.max_neighbour_scan);
    const std::size_t count = items.size();
    if (count == 0)
      return 0.0;
    const std::size_t last = count - 1;
    std::array<float, kMaxNeighbourScan> similarity;
    const std::span<float> out(similarity.data(), count);
    if (!similarity_table.empty())
      items.visit([&](auto members) { similarity_table.similarities(item, members, out); });
    else
      recent[u].similarities(content, item, out);
    // One integer key per similar item, larger for more similar and, among
    // equals, for more recent, so selection compares integers only.
    std::array<std::uint64_t, kMaxNeighbourScan> found;
    std::size_t n = 0;
    for (std::size_t k = 0; k < count; ++k) {
      const float s = similarity[last - k];
      if (s > 0)
        found[n++] = (std::uint64_t{std::bit_cast<std::uint32_t>(s)} << 32) |
                     (0xffffffffu - static_cast<std::uint32_t>(k));
    }
    // The k most similar; their order does not matter, only which they are.
    const std::size_t keep = std::min(n, o.neighbours);
    if (keep < n)
      std::nth_element(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep),
                       found.begin() + static_cast<std::ptrdiff_t>(n), std::greater<>());
    const auto similarity_of = [&](std::size_t k) {
      return std::bit_cast<float>(static_cast<std::uint32_t>(found[k] >> 32));
    };
    const auto age_of = [&](std::size_t k) {
      return 0xffffffffu - static_cast<std::uint32_t>(found[k]);
    };
    const double baseline = mu + offset(u);
    // The rating of the k-th most recent, as `rating` reads it.
    const std::size_t first = history_offsets[u + 1] - count;
    return history_ratings.visit(first, [&](const auto& rated) {
      const auto rating = [&](std::uint32_t age) { return rated(last - age); };
      double weighted = 0, weights = 0;
      for (std::size_t k = 0; k < keep; ++k) {
        const double w = static_cast<double>(similarity_of(k)) * similarity_of(k);
        weighted += w * (rating(age_of(k)) - baseline);
        weights += w;
      }
      const double term = weighted / (weights + o.neighbour_shrinkage);
      if (d && term != 0) {
        double best = 0;
        for (std::size_t k = 0; k < keep; ++k) {
          const std::uint32_t age = age_of(k);
          const double w = static_cast<double>(similarity_of(k)) * similarity_of(k);
          const double pull = w * (rating(age) - baseline) * (term > 0 ? 1.0 : -1.0);
          if (pull > best) {
            best = pull;
            d->similar_item = items[last - age];
            d->similar_rating = rating(age);
            d->similar_similarity = similarity_of(k);
          }
        }
      }
      return term;
    });
  }
};

namespace {

// Ridge least squares for the three weights on a hold-out, toward the
// defaults, each clamped into [0, kMaxWeight].
OfflineWeights solve_weights(const std::vector<std::array<double, 3>>& x,
                             const std::vector<double>& y) {
  const OfflineWeights defaults;
  const double w0[3] = {defaults.taste_match, defaults.genre, defaults.theme};
  double a[3][4] = {};
  for (std::size_t r = 0; r < x.size(); ++r) {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j)
        a[i][j] += x[r][i] * x[r][j];
      a[i][3] += x[r][i] * y[r];
    }
  }
  for (int i = 0; i < 3; ++i) {
    a[i][i] += kWeightRidge;
    a[i][3] += kWeightRidge * w0[i];
  }
  // Gauss-Jordan with partial pivoting; the ridge keeps it well posed.
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 3; ++r)
      if (std::abs(a[r][col]) > std::abs(a[pivot][col]))
        pivot = r;
    std::swap(a[col], a[pivot]);
    for (int r = 0; r < 3; ++r) {
      if (r == col)
        continue;
      const double factor = a[r][col] / a[col][col];
      for (int c = col; c < 4; ++c)
        a[r][c] -= factor * a[col][c];
    }
  }
  OfflineWeights w;
  w.taste_match = std::clamp(a[0][3] / a[0][0], 0.0, kMaxWeight);
  w.genre = std::clamp(a[1][3] / a[1][1], 0.0, kMaxWeight);
  w.theme = std::clamp(a[2][3] / a[2][2], 0.0, kMaxWeight);
  w.learned = true;
  w.validation_ratings = x.size();
  return w;
}

}  // namespace

OfflineUserModel::OfflineUserModel(const Dataset& dataset, std::span<const RatingIndex> train,
                                   OfflineModelOptions options)
    : dataset_(&dataset),
      options_(std::move(options)),
      content_(dataset.catalog(), options_.content) {
  check_options(options_);
  if (train.empty())
    throw std::invalid_argument("offline model: the train split is empty");
  for (const RatingIndex r : train)
    if (r >= dataset.ratings().size())
      throw std::out_of_range("offline model: a train index is not a rating of the dataset");

  // The hold-out: a seeded share of the ratings of users with 5 or more.
  std::vector<std::uint32_t> per_user(dataset.user_count(), 0);
  for (const RatingIndex r : train)
    ++per_user[dataset.ratings().user(r)];
  std::vector<RatingIndex> fit_part, held_out;
  Rng rng(derive_seed(options_.seed, kValidationStream));
  for (const RatingIndex r : train) {
    const bool hold =
        per_user[dataset.ratings().user(r)] >= 5 && rng.uniform01() < options_.validation_fraction;
    (hold ? held_out : fit_part).push_back(r);
  }
  if (held_out.size() >= options_.min_validation_ratings && !fit_part.empty()) {
    const Fitted part(dataset, fit_part, content_, options_);
    std::vector<std::array<double, 3>> x;
    std::vector<double> y;
    x.reserve(held_out.size());
    y.reserve(held_out.size());
    for (const RatingIndex r : held_out) {
      const UserIndex u = dataset.ratings().user(r);
      const ItemIndex i = dataset.ratings().item(r);
      if (!part.knows(u) || part.support[i] == 0)
        continue;
      x.push_back({part.factors.dot(u, i),
                   part.genre_term(u, dataset.catalog().item(i).genres, nullptr, nullptr),
                   part.theme_term(u, content_.keywords(i), nullptr)});
      y.push_back(dataset.ratings().value(r) - (part.mu + part.offset(u) + part.item_bias[i]));
    }
    if (x.size() >= options_.min_validation_ratings)
      weights_ = solve_weights(x, y);
  }
  fitted_ = std::make_unique<Fitted>(dataset, train, content_, options_);
  fitted_->set_item_terms(options_, weights_);
  const auto genre_names = dataset.catalog().genre_names();
  for (std::size_t g = 0; g < genre_names.size() && g < 64; ++g)
    if (printable_in_profile(genre_names[g]))
      printable_genres_ |= GenreMask{1} << g;
  std::vector<std::uint8_t> printable_terms(content_.term_count());
  for (std::size_t t = 0; t < content_.term_count(); ++t)
    printable_terms[t] = printable_in_profile(content_.term(static_cast<std::uint32_t>(t)));
  const std::size_t items = dataset.catalog().size();
  printable_keyword_offsets_.reserve(items + 1);
  printable_keyword_offsets_.push_back(0);
  for (ItemIndex i = 0; i < items; ++i) {
    for (const std::uint32_t term : content_.keywords(i))
      if (printable_terms[term])
        printable_keywords_.push_back(term);
    printable_keyword_offsets_.push_back(static_cast<std::uint32_t>(printable_keywords_.size()));
  }
  printable_keywords_.shrink_to_fit();
  std::size_t known_users = 0;
  for (UserIndex u = 0; u < dataset.user_count(); ++u)
    known_users += fitted_->knows(u) ? 1 : 0;
  spdlog::info(
      "{}: fitted on {} ratings ({} users, {} items known; {} content terms); weights "
      "taste-match {:.3f}, genre {:.3f}, theme {:.3f} ({})",
      kOfflineModelName, train.size(), known_users,
      std::count_if(fitted_->support.begin(), fitted_->support.end(),
                    [](std::uint32_t n) { return n > 0; }),
      content_.term_count(), weights_.taste_match, weights_.genre, weights_.theme,
      weights_.learned ? fmt::format("learned on {} held-out ratings", weights_.validation_ratings)
                       : std::string("defaults: too few ratings to hold out"));
}

OfflineUserModel::~OfflineUserModel() = default;
OfflineUserModel::OfflineUserModel(OfflineUserModel&&) noexcept = default;
OfflineUserModel& OfflineUserModel::operator=(OfflineUserModel&&) noexcept = default;

bool OfflineUserModel::knows_user(UserIndex user) const noexcept {
  return fitted_->knows(user);
}

bool OfflineUserModel::is_training_rating(UserIndex user, ItemIndex item) const noexcept {
  // A scan without early exit, which GCC vectorises: the items are in time
  // order (the neighbourhood scan reads them so), and folds ask this only
  // of users whose history dwarfs the batch (they mark a bitmap otherwise).
  return fitted_->training_items_of(user).visit([&](auto items) {
    using Stored = typename decltype(items)::value_type;
    if constexpr (sizeof(Stored) < sizeof(ItemIndex))
      if (item > std::numeric_limits<Stored>::max())
        return false;
    const auto key = static_cast<Stored>(item);
    Stored found = 0;  // at the stored width, so that it vectorises
    for (const Stored i : items)
      found |= static_cast<Stored>(i == key);
    return found != 0;
  });
}

std::uint32_t OfflineUserModel::item_support(ItemIndex item) const noexcept {
  return item < fitted_->support.size() ? fitted_->support[item] : 0;
}

std::vector<Interaction> OfflineUserModel::training_history(UserIndex user) const {
  const RatingTable& table = dataset_->ratings();
  std::vector<Interaction> out;
  out.reserve(fitted_->history_of(user).size());
  for (const RatingIndex r : fitted_->history_of(user))
    out.push_back({table.item(r), table.value(r), table.timestamp(r)});
  return out;
}

double OfflineUserModel::user_mean(UserIndex user) const noexcept {
  const Fitted& f = *fitted_;
  if (!f.knows(user))
    return 0.0;
  return f.means.empty() ? f.mean_of(user) : f.means[user];
}

std::span<const float> OfflineUserModel::genre_affinities(UserIndex user) const noexcept {
  return fitted_->genre_affinities(user);
}

DemographicMatch OfflineUserModel::demographic_match(UserIndex user) const noexcept {
  return fitted_->prior.match(user);
}

std::size_t OfflineUserModel::fitted_bytes() const noexcept {
  return fitted_->memory_bytes();
}

struct OfflineUserModel::UserView {
  UserIndex user = 0;
  bool known = false;
  DemographicMatch match = DemographicMatch::kEveryone;
  float base = 0;  // the global mean
  float offset = 0;
  FactorRow factors;  // the SVD's row; null when it does not know the user
  std::span<const float> affinities;
  // The user's themes by term (see rate), or nullptr: searched per keyword.
  const ThemeSlot* themes = nullptr;
};

OfflineUserModel::UserView OfflineUserModel::user_view(UserIndex user) const noexcept {
  const Fitted& f = *fitted_;
  UserView v;
  v.user = user;
  v.known = f.knows(user);
  v.match = v.known ? DemographicMatch::kEveryone : f.prior.match(user);
  v.base = static_cast<float>(f.mu);
  v.offset = static_cast<float>(f.offset(user));
  v.factors = f.factors.user_row(user);
  v.affinities = f.genre_affinities(user);
  return v;
}

OfflineScore OfflineUserModel::score(UserIndex user, ItemIndex item) const {
  return score_impl(user_view(user), item, nullptr);
}

OfflineScore OfflineUserModel::score(UserIndex user, ItemIndex item,
                                     const OfflineUserState& state) const {
  return score_impl(user_view(user), item, &state);
}

OfflineScore OfflineUserModel::score_impl(const UserView& u, ItemIndex item,
                                          const OfflineUserState* state, bool drivers) const {
  const Catalog& catalog = dataset_->catalog();
  if (item >= catalog.size())
    throw std::out_of_range("offline model: item index outside the catalog");
  const Fitted& f = *fitted_;
  const GenreMask genres = catalog.items()[item].genres;
  const ItemTerms& t = f.item_terms[item];

  OfflineScore result;
  OfflineDrivers& d = result.drivers;
  const bool known = u.known;
  d.user_known = known;
  d.demographic_match = u.match;
  d.base = u.base;
  d.user_offset = u.offset;
  d.item_support = t.support;
  const double a = t.content;
  d.content_weight = static_cast<float>(a);

  if (t.warm) {
    d.item_offset = t.offset;
    if (known) {
      d.taste_match = static_cast<float>(t.taste * f.factors.dot(u.factors, item));
      const auto keywords = content_.keywords(item);
      double theme = 0;
      if (u.themes != nullptr && !drivers) {
        // Adding a miss's 0 leaves the sum's bits as they are (it starts at
        // +0 and never becomes -0), so the sum is the matches' in keyword
        // order, as the search gives.
        double sum = 0;
        std::uint32_t matches = 0;
        for (const std::uint32_t term : keywords) {
          const ThemeSlot slot = u.themes[term];
          sum += slot.value;
          matches += slot.present;
        }
        if (matches > 0)
          theme = sum / std::sqrt(static_cast<double>(matches));
      } else {
        theme = f.theme_term(u.user, keywords, drivers ? &d : nullptr);
      }
      d.theme = static_cast<float>(t.theme * theme);
    }
  }
  const double genre_term = Fitted::genre_term_of(
      u.affinities, genres, drivers ? &d.genre_key : nullptr, &d.genre_affinity);
  d.genre = static_cast<float>((known ? t.genre : weights_.genre) * genre_term);
  if (a > 0 && known)
    d.similar = static_cast<float>(
        a * f.neighbour_term(u.user, item, content_, options_, drivers ? &d : nullptr));
  if (state != nullptr && !state->drift.empty()) {
    d.drift = static_cast<float>(state->drift_for(genres));
    float best = 0;
    for (const OfflineDrift& drift :
         drivers ? std::span<const OfflineDrift>(state->drift) : std::span<const OfflineDrift>()) {
      if (!(genres & (GenreMask{1} << drift.genre)))
        continue;
      const float pull = d.drift >= 0 ? drift.value : -drift.value;
      if (pull > best) {
        best = pull;
        d.drift_genre = drift.genre;
        d.drift_value = drift.value;
      }
    }
  }

  // Summed in the order of the drivers' fields, drift last, so the score
  // without drift is a prefix of the sum: the same bits as a drift-free score.
  const double undrifted = static_cast<double>(d.base) + d.user_offset + d.item_offset +
                           d.taste_match + d.genre + d.theme + d.similar;
  const double raw = undrifted + d.drift;
  const RatingScale& scale = dataset_->scale();
  const auto clip = [&](double v) {
    return std::clamp(v, static_cast<double>(scale.min), static_cast<double>(scale.max));
  };
  result.raw = clip(raw);
  result.undrifted_raw = clip(undrifted);
  result.rating = static_cast<float>(round_to_scale(result.raw, scale));
  return result;
}

std::string OfflineUserModel::explain(UserIndex, ItemIndex item, const OfflineScore& score) const {
  std::string out;
  append_offline_explanation(out, OfflineExplanationContext{dataset_->catalog(), content_, scale()},
                             item, score);
  return out;
}

namespace {

// Which items a user was trained on, for a run of lookups: the user's
// training items marked in a bitmap of the catalog the thread keeps (cleared
// when this ends), cheaper than a search per lookup unless the history
// dwarfs the lookups; then marked() is false and the caller searches. One
// at a time in a thread.
class TrainedMarks {
 public:
  TrainedMarks(ItemRun history, std::size_t catalog_size, std::size_t lookups) {
    if (history.empty() || history.size() > 8 * lookups)
      return;
    thread_local std::vector<std::uint64_t> bits;
    if (bits.size() < catalog_size / 64 + 1)
      bits.resize(catalog_size / 64 + 1);
    words_ = bits.data();
    history_ = history;
    for (const ItemIndex i : history)
      words_[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  ~TrainedMarks() {
    for (const ItemIndex i : history_)
      words_[i / 64] = 0;
  }
  TrainedMarks(const TrainedMarks&) = delete;
  TrainedMarks& operator=(const TrainedMarks&) = delete;

  bool marked() const noexcept { return words_ != nullptr; }
  // Only when marked().
  bool operator[](ItemIndex item) const noexcept {
    return ((words_[item / 64] >> (item % 64)) & 1) != 0;
  }

 private:
  std::uint64_t* words_ = nullptr;
  ItemRun history_;
};

}  // namespace

template <class Rating>
void OfflineUserModel::rate_into(OfflineUserState& state, std::span<const ItemIndex> items,
                                 std::vector<Rating>& out, bool explain) const {
  out.resize(items.size());
  const Catalog& catalog = dataset_->catalog();
  const OfflineExplanationContext context{catalog, content_, scale()};
  UserView user = user_view(state.user);
  // Half-precision factors as floats once a slate, not once an item.
  thread_local std::vector<float> factor_floats;
  user.factors = fitted_->factors.as_floats(user.factors, factor_floats);
  // The user's themes spread into a table by term for the slate, so each
  // keyword of an item costs a load instead of a search; left all zeros
  // after, for the thread's next slate.
  thread_local std::vector<ThemeSlot> theme_table;
  const auto themes = fitted_->themes_of(state.user);
  struct Spread {
    std::vector<ThemeSlot>& table;
    std::span<const ThemeAffinity> themes;
    ~Spread() {
      for (const ThemeAffinity& t : themes)
        table[t.term] = ThemeSlot{};
    }
  };
  std::optional<Spread> spread;
  if (!explain && user.known && !themes.empty()) {
    if (theme_table.size() < content_.term_count())
      theme_table.resize(content_.term_count());
    spread.emplace(theme_table, themes);
    for (const ThemeAffinity& t : themes)
      theme_table[t.term] = ThemeSlot{t.value, 1};
    user.themes = theme_table.data();
  }
  const bool tallied = state.residuals.open(
      state.user, printable_genres_,
      OfflineResidualTally::filter_of(fitted_->training_items_of(state.user)), items.size());
  for (std::size_t k = 0; k < items.size(); ++k) {
    const OfflineScore s = score_impl(user, items[k], &state, explain);
    // What the fold's drift would take of this rating (see fold).
    if (tallied)
      state.residuals.add(
          printable_genres_, items[k], s.rating, catalog.items()[items[k]].genres,
          state.residuals.may_be_trained(items[k]) && is_training_rating(state.user, items[k]),
          s.rating - s.undrifted_raw);
    Rating& r = out[k];
    r.item = items[k];
    r.rating = s.rating;
    if constexpr (requires { r.raw; })
      r.raw = s.raw;
    r.explanation.clear();
    if (explain)
      append_offline_explanation(r.explanation, context, items[k], s);
  }
}

void OfflineUserModel::rate(OfflineUserState& state, std::span<const ItemIndex> items,
                            std::vector<OfflineRating>& out, bool explain) const {
  rate_into(state, items, out, explain);
}

void OfflineUserModel::rate(OfflineUserState& state, std::span<const ItemIndex> items,
                            std::vector<ItemRating>& out, bool explain) const {
  rate_into(state, items, out, explain);
}

OfflineUserState OfflineUserModel::new_state(UserIndex user) const {
  OfflineUserState state;
  state.user = user;
  return state;
}

OfflineProfileContext OfflineUserModel::profile_context(UserIndex user) const {
  return OfflineProfileContext{
      .catalog = dataset_->catalog(),
      .content = content_,
      .scale = scale(),
      .demographics = user < dataset_->user_count() ? dataset_->demographics(user) : std::nullopt,
      .expected_affinities = fitted_->genre_affinities(user),
      .user_known = fitted_->knows(user),
      .match = fitted_->prior.match(user),
  };
}

std::string OfflineUserModel::apply_batch(OfflineUserState& state,
                                          std::span<const Interaction> batch) const {
  const OfflineTaste taste_before = state.taste;
  const std::vector<OfflineDrift> drift_before = state.drift;
  const auto change = fold(state, batch, FoldScope::kTasteAndChange);
  return describe_offline_change(
      profile_context(state.user),
      OfflineChangeInput{taste_before, state.taste, change, drift_before, state.drift, batch});
}

void OfflineUserModel::fold_batch(OfflineUserState& state,
                                  std::span<const Interaction> batch) const {
  fold(state, batch, FoldScope::kTaste);
}

void OfflineUserModel::fold_drift(OfflineUserState& state,
                                  std::span<const Interaction> batch) const {
  fold(state, batch, FoldScope::kDrift);
}

std::size_t OfflineUserModel::batch_residuals(UserIndex user, std::span<const Interaction> batch,
                                              GenreResiduals& residuals) const {
  const Catalog& catalog = dataset_->catalog();
  const TrainedMarks trained(fitted_->training_items_of(user), catalog.size(), batch.size());
  const auto is_trained = [&](ItemIndex item) {
    return trained.marked() ? trained[item] : is_training_rating(user, item);
  };
  const UserView view = user_view(user);
  std::size_t news = 0;
  for (const Interaction& i : batch) {
    // Ratings the model was trained on carry no news.
    if (is_trained(i.item))
      continue;
    ++news;
    const double residual = i.rating - score_impl(view, i.item, nullptr, false).raw;
    for (GenreMask m = catalog.items()[i.item].genres & printable_genres_; m != 0; m &= m - 1) {
      const auto g = static_cast<std::size_t>(std::countr_zero(m));
      residuals.sum[g] += residual;
      ++residuals.count[g];
    }
  }
  return news;
}

std::optional<OfflineTasteChange> OfflineUserModel::fold(OfflineUserState& state,
                                                         std::span<const Interaction> batch,
                                                         FoldScope scope) const {
  const Catalog& catalog = dataset_->catalog();
  for (const Interaction& i : batch)
    if (i.item >= catalog.size())
      throw std::out_of_range("offline model: a batch item is outside the catalog");

  // Only what a profile can name is tracked (see printable_genres_ and
  // printable_keywords_).
  // Scratch reused by the thread: this runs on every profile update.
  thread_local std::vector<TasteEvidence> evidence;
  evidence.clear();
  if (scope != FoldScope::kDrift) {
    for (const Interaction& i : batch) {
      const std::uint32_t first = printable_keyword_offsets_[i.item];
      evidence.push_back({i.rating, catalog.items()[i.item].genres & printable_genres_,
                          content_.decade(i.item),
                          std::span<const std::uint32_t>(printable_keywords_)
                              .subspan(first, printable_keyword_offsets_[i.item + 1] - first)});
    }
  }
  // The drift's residuals: the ratings' tally when the batch is what was
  // rated since the last fold (the usual batch), which is these sums bit
  // for bit; otherwise each item scored again.
  GenreResiduals residuals;
  std::size_t news = 0;
  if (state.residuals.matches(state.user, printable_genres_, batch))
    news = state.residuals.residuals(printable_genres_, residuals);
  else
    news = batch_residuals(state.user, batch, residuals);
  std::optional<OfflineTasteChange> change;
  if (scope == FoldScope::kTasteAndChange)
    change = merge_taste(state.taste, evidence, options_.taste);
  else if (scope == FoldScope::kTaste)
    fold_taste(state.taste, evidence, options_.taste);
  finish_fold(state, residuals, news);
  return change;
}

void OfflineUserModel::fold_rated_drift(OfflineUserState& state, std::size_t rated) const {
  if (!state.residuals.holds(state.user, printable_genres_, rated))
    throw std::logic_error(
        "offline model: a fold of the ratings tallied that the tally does not hold");
  GenreResiduals residuals;
  const std::size_t news = rated > 0 ? state.residuals.residuals(printable_genres_, residuals) : 0;
  finish_fold(state, residuals, news);
}

void OfflineUserModel::finish_fold(OfflineUserState& state, const GenreResiduals& residuals,
                                   std::size_t news) const {
  if (news > 0 || !state.drift.empty())
    update_drift(state.drift, residuals, options_.drift);
  ++state.updates;
  state.residuals.clear();
}

std::optional<std::string> OfflineUserModel::record_feedback(OfflineUserState& state,
                                                             ItemIndex item, float rating) const {
  if (item >= dataset_->catalog().size())
    throw std::out_of_range("offline model: a feedback item is outside the catalog");
  state.pending.push_back({item, rating, 0});
  if (state.pending.size() < options_.update_every)
    return std::nullopt;
  std::string change = apply_batch(state, state.pending);
  state.pending.clear();
  return change;
}

std::string OfflineUserModel::profile_text(const OfflineUserState& state) const {
  return render_offline_profile(profile_context(state.user), state);
}

std::optional<OfflineUserState> OfflineUserModel::parse_profile(UserIndex user,
                                                                std::string_view text) const {
  auto parsed = parse_offline_profile(profile_context(user), text);
  if (!parsed)
    return std::nullopt;
  OfflineUserState state = new_state(user);
  state.taste = std::move(parsed->taste);
  state.drift = std::move(parsed->drift);
  return state;
}

}  // namespace lusifer
