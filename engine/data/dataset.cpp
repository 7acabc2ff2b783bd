#include "engine/data/dataset.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace lusifer {

std::string_view format_name(DatasetFormat format) noexcept {
  switch (format) {
    case DatasetFormat::kMovieLens100K:
      return "movielens-100k";
    case DatasetFormat::kMovieLens1M:
      return "movielens-1m";
    case DatasetFormat::kMovieLensLatest:
      return "movielens-latest";
  }
  return "unknown";
}

int RatingScale::level_count() const noexcept {
  return static_cast<int>(std::lround((max - min) / step)) + 1;
}

int RatingScale::level_of(double value) const noexcept {
  if (!std::isfinite(value))
    return -1;
  const double k = std::round((value - min) / step);
  if (k < 0 || k >= level_count())
    return -1;
  if (std::abs(min + k * step - value) > 1e-6)
    return -1;
  return static_cast<int>(k);
}

bool RatingScale::contains(double value) const noexcept {
  return level_of(value) >= 0;
}

std::optional<std::uint32_t> IdIndex::find(ExternalId id) const {
  if (id >= 0 && id < kDirectLimit) {
    const auto slot = static_cast<std::size_t>(id);
    if (slot >= direct_.size() || direct_[slot] == kAbsent)
      return std::nullopt;
    return direct_[slot];
  }
  const auto it = map_.find(id);
  if (it == map_.end())
    return std::nullopt;
  return it->second;
}

std::uint32_t IdIndex::insert(ExternalId id) {
  if (id >= 0 && id < kDirectLimit) {
    const auto slot = static_cast<std::size_t>(id);
    if (slot >= direct_.size())
      direct_.resize(std::max(slot + 1, direct_.size() * 2), kAbsent);
    if (direct_[slot] == kAbsent)
      direct_[slot] = static_cast<std::uint32_t>(size_++);
    return direct_[slot];
  }
  const auto [it, added] = map_.try_emplace(id, static_cast<std::uint32_t>(size_));
  if (added)
    ++size_;
  return it->second;
}

void IdIndex::reserve(std::size_t n) {
  map_.reserve(std::min<std::size_t>(n, 1024));
}

std::optional<ItemIndex> Catalog::find_by_title(std::string_view title) const {
  const auto it = title_index_.find(std::string(title));
  if (it == title_index_.end())
    return std::nullopt;
  return it->second;
}

std::optional<int> Catalog::genre_index(std::string_view name) const {
  for (std::size_t i = 0; i < genre_names_.size(); ++i) {
    if (genre_names_[i] == name)
      return static_cast<int>(i);
  }
  return std::nullopt;
}

int Catalog::add_genre(std::string_view name) {
  if (const auto existing = genre_index(name))
    return *existing;
  if (genre_names_.size() == 64)
    throw std::length_error("more than 64 genres");
  genre_names_.emplace_back(name);
  return static_cast<int>(genre_names_.size() - 1);
}

std::vector<std::string_view> Catalog::genres_of(const Item& item) const {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < genre_names_.size(); ++i) {
    if ((item.genres >> i) & 1u)
      names.emplace_back(genre_names_[i]);
  }
  return names;
}

std::size_t RatingTable::memory_bytes() const noexcept {
  return run_users_.capacity() * sizeof(UserIndex) +
         run_starts_.capacity() * sizeof(std::uint64_t) +
         runs_before_.capacity() * sizeof(std::uint32_t) + users_.capacity() * sizeof(UserIndex) +
         narrow_items_.capacity() * sizeof(std::uint16_t) +
         wide_items_.capacity() * sizeof(ItemIndex) + value_codes_.capacity() +
         value_of_code_.capacity() * sizeof(float) + wide_values_.capacity() * sizeof(float) +
         time_offsets_.capacity() * sizeof(std::uint32_t) +
         wide_times_.capacity() * sizeof(std::int64_t);
}

namespace {

// The number of stretches of consecutive equal users, or nullopt when a
// user's ratings are in more than one: the table keeps runs only where each
// is all of its user's ratings, as the files that group users give them.
std::optional<std::size_t> count_user_runs(std::span<const UserIndex> users) {
  if (users.empty())
    return 0;
  const UserIndex user_count = *std::max_element(users.begin(), users.end()) + 1;
  std::vector<bool> seen(user_count, false);
  std::size_t runs = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    if (i > 0 && users[i] == users[i - 1])
      continue;
    if (seen[users[i]])
      return std::nullopt;
    seen[users[i]] = true;
    ++runs;
  }
  return runs;
}

}  // namespace

void RatingTable::assign(std::vector<UserIndex> users, std::span<const ItemIndex> items,
                         std::span<const float> values, std::span<const std::int64_t> timestamps) {
  *this = RatingTable{};
  size_ = users.size();
  // Runs cost a user each and 12 bytes each 64 ratings, the column 4 bytes
  // a rating.
  const std::size_t blocks = (users.size() + 63) / 64;
  const std::optional<std::size_t> runs = count_user_runs(users);
  if (runs && *runs * 4 + blocks * 12 < users.size() * 4) {
    run_users_.reserve(*runs);
    run_starts_.assign(blocks, 0);
    runs_before_.reserve(blocks);
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (i % 64 == 0)
        runs_before_.push_back(static_cast<std::uint32_t>(run_users_.size()));
      if (i == 0 || users[i] != users[i - 1]) {
        run_starts_[i / 64] |= std::uint64_t{1} << (i % 64);
        run_users_.push_back(users[i]);
      }
    }
    users = {};
  } else {
    users_ = std::move(users);
    users_.shrink_to_fit();
  }
  if (items.empty())
    return;

  if (*std::max_element(items.begin(), items.end()) <= 0xFFFF) {
    narrow_items_.assign(items.begin(), items.end());
  } else {
    wide_items_.assign(items.begin(), items.end());
  }

  // Distinct values compared as bits, so that -0 and 0 (and NaNs) keep
  // their own codes and every value reads back exactly.
  std::vector<std::uint32_t> distinct;
  std::uint32_t previous = 0;
  for (const float v : values) {
    const auto bits = std::bit_cast<std::uint32_t>(v);
    if (!distinct.empty() && bits == previous)
      continue;  // ratings repeat: most need no search
    previous = bits;
    if (std::find(distinct.begin(), distinct.end(), bits) != distinct.end())
      continue;
    if (distinct.size() == 256) {
      distinct.clear();
      break;
    }
    distinct.push_back(bits);
  }
  if (distinct.empty()) {
    wide_values_.assign(values.begin(), values.end());
  } else {
    value_of_code_.reserve(distinct.size());
    for (const std::uint32_t bits : distinct)
      value_of_code_.push_back(std::bit_cast<float>(bits));
    value_codes_.reserve(values.size());
    // The last value's code is a good guess for the next (ratings repeat).
    std::size_t code = 0;
    for (const float v : values) {
      const auto bits = std::bit_cast<std::uint32_t>(v);
      if (distinct[code] != bits)
        code = static_cast<std::size_t>(std::find(distinct.begin(), distinct.end(), bits) -
                                        distinct.begin());
      value_codes_.push_back(static_cast<std::uint8_t>(code));
    }
  }

  const auto [earliest, latest] = std::minmax_element(timestamps.begin(), timestamps.end());
  // The span as unsigned arithmetic: latest - earliest can overflow int64.
  const std::uint64_t span =
      static_cast<std::uint64_t>(*latest) - static_cast<std::uint64_t>(*earliest);
  if (span <= std::numeric_limits<std::uint32_t>::max()) {
    time_origin_ = *earliest;
    time_offsets_.reserve(timestamps.size());
    for (const std::int64_t t : timestamps)
      time_offsets_.push_back(static_cast<std::uint32_t>(static_cast<std::uint64_t>(t) -
                                                         static_cast<std::uint64_t>(*earliest)));
  } else {
    wide_times_.assign(timestamps.begin(), timestamps.end());
  }
}

UserHistories::UserHistories(const RatingTable& ratings, std::size_t user_count)
    : offsets_(user_count + 1, 0), order_(ratings.size()) {
  // A counting sort by user keeps file order within each user...
  ratings.for_each_user_run([this](UserIndex u, RatingIndex first, RatingIndex last) {
    offsets_[u + 1] += last - first;
  });
  std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
  std::vector<std::uint32_t> cursor(offsets_.begin(), offsets_.end() - 1);
  ratings.for_each_user_run([&](UserIndex u, RatingIndex first, RatingIndex last) {
    for (RatingIndex i = first; i < last; ++i)
      order_[cursor[u]++] = i;
  });
  // ...so sorting by (time, index) breaks ties by file order, like a stable
  // sort by time, without a stable sort's buffer.
  const auto by_time = [&ratings](RatingIndex a, RatingIndex b) {
    const std::int64_t ta = ratings.timestamp(a), tb = ratings.timestamp(b);
    return ta != tb ? ta < tb : a < b;
  };
  for (std::size_t u = 0; u < user_count; ++u) {
    const auto first = order_.begin() + static_cast<std::ptrdiff_t>(offsets_[u]);
    const auto last = order_.begin() + static_cast<std::ptrdiff_t>(offsets_[u + 1]);
    if (!std::is_sorted(first, last, by_time))
      std::sort(first, last, by_time);
  }
}

std::span<const RatingIndex> UserHistories::of(UserIndex user) const {
  return std::span<const RatingIndex>(order_).subspan(offsets_.at(user),
                                                      offsets_.at(user + 1) - offsets_[user]);
}

std::span<const RatingIndex> UserHistories::last(UserIndex user, std::size_t n) const {
  const auto all = of(user);
  return all.last(std::min(n, all.size()));
}

DatasetBuilder::DatasetBuilder(DatasetFormat format, std::string source, RatingScale scale) {
  dataset_.format_ = format;
  dataset_.source_ = std::move(source);
  dataset_.scale_ = scale;
}

bool DatasetBuilder::add_user(ExternalId id, const std::optional<Demographics>& demographics) {
  if (dataset_.user_ids_.find(id))
    return false;
  dataset_.user_ids_.insert(id);
  dataset_.users_.push_back(User{id});
  dataset_.demographics_.push_back(demographics);
  return true;
}

UserIndex DatasetBuilder::user_for_id(ExternalId id) {
  const std::size_t before = dataset_.user_ids_.size();
  const UserIndex index = dataset_.user_ids_.insert(id);
  if (dataset_.user_ids_.size() != before) {
    dataset_.users_.push_back(User{id});
    dataset_.demographics_.push_back(std::nullopt);
  }
  return index;
}

bool DatasetBuilder::add_item(Item item) {
  Catalog& c = dataset_.catalog_;
  if (c.ids_.find(item.id))
    return false;
  c.ids_.insert(item.id);
  c.items_.push_back(std::move(item));
  return true;
}

void DatasetBuilder::set_external_ids(ItemIndex item, std::optional<ExternalId> imdb_id,
                                      std::optional<ExternalId> tmdb_id) {
  Item& target = dataset_.catalog_.items_.at(item);
  target.imdb_id = imdb_id;
  target.tmdb_id = tmdb_id;
}

void DatasetBuilder::reserve_ratings(std::size_t n) {
  rating_users_.reserve(n);
  rating_items_.reserve(n);
  rating_values_.reserve(n);
  rating_times_.reserve(n);
}

void DatasetBuilder::add_rating(UserIndex user, ItemIndex item, float value,
                                std::int64_t timestamp) {
  rating_users_.push_back(user);
  rating_items_.push_back(item);
  rating_values_.push_back(value);
  rating_times_.push_back(timestamp);
}

void DatasetBuilder::add_tag_application(ItemIndex item, std::string_view tag) {
  if (tags_.size() <= item)
    tags_.resize(dataset_.catalog_.size());
  ++tags_.at(item)[std::string(tag)];
  ++dataset_.tag_applications_;
}

namespace {

// The permutation that sorts `ids` ascending: new_index[old] = rank.
template <class Record>
std::vector<std::uint32_t> rank_by_id(const std::vector<Record>& records) {
  std::vector<std::uint32_t> order(records.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return records[a].id < records[b].id; });
  std::vector<std::uint32_t> new_index(records.size());
  for (std::uint32_t rank = 0; rank < order.size(); ++rank)
    new_index[order[rank]] = rank;
  return new_index;
}

template <class Record>
void apply_ranking(std::vector<Record>& records, const std::vector<std::uint32_t>& new_index,
                   IdIndex& ids) {
  std::vector<Record> sorted(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    sorted[new_index[i]] = std::move(records[i]);
  records = std::move(sorted);
  ids = IdIndex{};
  ids.reserve(records.size());
  for (const auto& r : records)
    ids.insert(r.id);
}

template <class Record>
bool sorted_by_id(const std::vector<Record>& records) {
  return std::is_sorted(records.begin(), records.end(),
                        [](const Record& a, const Record& b) { return a.id < b.id; });
}

}  // namespace

Dataset DatasetBuilder::finish() {
  Dataset& d = dataset_;
  Catalog& c = d.catalog_;
  if (!sorted_by_id(d.users_)) {
    const auto new_index = rank_by_id(d.users_);
    apply_ranking(d.users_, new_index, d.user_ids_);
    d.demographics_.renumber(new_index);
    for (auto& u : rating_users_)
      u = new_index[u];
  }
  tags_.resize(c.items_.size());
  if (!sorted_by_id(c.items_)) {
    const auto new_index = rank_by_id(c.items_);
    apply_ranking(c.items_, new_index, c.ids_);
    for (auto& i : rating_items_)
      i = new_index[i];
    std::vector<std::unordered_map<std::string, std::uint32_t>> sorted_tags(tags_.size());
    for (std::size_t i = 0; i < tags_.size(); ++i)
      sorted_tags[new_index[i]] = std::move(tags_[i]);
    tags_ = std::move(sorted_tags);
  }

  for (std::size_t i = 0; i < c.items_.size(); ++i) {
    auto& out = c.items_[i].tags;
    for (auto& [tag, count] : tags_[i])
      out.push_back(TagCount{tag, count});
    std::sort(out.begin(), out.end(), [](const TagCount& a, const TagCount& b) {
      return a.count != b.count ? a.count > b.count : a.tag < b.tag;
    });
  }
  tags_.clear();

  c.title_index_.clear();
  c.title_index_.reserve(c.items_.size());
  for (ItemIndex i = 0; i < c.items_.size(); ++i)
    c.title_index_.try_emplace(c.items_[i].title, i);

  // Loaders grow users by doubling; what is loaded stays for the whole run,
  // so any spare room would be held with it (up to half the users).
  d.users_.shrink_to_fit();
  d.demographics_.shrink_to_fit();
  d.ratings_.assign(std::move(rating_users_), rating_items_, rating_values_, rating_times_);
  rating_items_ = {};
  rating_values_ = {};
  rating_times_ = {};

  d.histories_ = UserHistories(d.ratings_, d.users_.size());
  return std::move(dataset_);
}

}  // namespace lusifer
