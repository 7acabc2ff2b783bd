#include "engine/sim/offline_user_state.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "engine/core/bit_count.hpp"

namespace lusifer {
namespace {

constexpr double kSmallestDrift = 0.05;

// A frozen state is its fields as bytes, unaligned, after a u32 of the
// block's size and a byte of its format:
// - compact: counts of the taste's lists and the drift as single bytes, and
//   values as whole hundredths (i16) with counts as u16: a leaning in 8
//   bytes, not 12, a drift in 3. Taste and drift values are kept at 0.01
//   (offline_taste.hpp), so this is exact; a state it would not give back
//   bit for bit (checked on freezing) is frozen wide.
// - wide: every count as u32, every value as it is.
// Pending feedback, in neither the taste nor the drift, is kept whole.
enum class FrozenFormat : std::uint8_t { kWide = 0, kCompact = 1 };

class ByteWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  std::vector<std::byte>& bytes() noexcept { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(const std::byte* at) noexcept : at_(at) {}
  template <class T>
  T take() noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }

 private:
  const std::byte* at_;
};

// A block of just the first `n` bytes of `block` (of a frozen state or a
// tally: both copy their block whole).
std::unique_ptr<std::byte[]> copy_of(const std::byte* block, std::size_t n) {
  auto copy = std::make_unique_for_overwrite<std::byte[]>(n);
  std::memcpy(copy.get(), block, n);
  return copy;
}

// `value` as whole hundredths, when they give it back bit for bit.
std::optional<std::int16_t> hundredths(float value) noexcept {
  const double scaled = std::round(static_cast<double>(value) * 100.0);
  if (!(scaled >= INT16_MIN && scaled <= INT16_MAX))
    return std::nullopt;
  const auto k = static_cast<std::int16_t>(scaled);
  const auto back = static_cast<float>(static_cast<double>(k) / 100.0);
  if (std::bit_cast<std::uint32_t>(back) != std::bit_cast<std::uint32_t>(value))
    return std::nullopt;
  return k;
}

float from_hundredths(std::int16_t k) noexcept {
  return static_cast<float>(static_cast<double>(k) / 100.0);
}

bool compact_fits(const OfflineUserState& s) noexcept {
  const auto lists_fit = [](const std::vector<OfflineLeaning>& list) {
    return list.size() <= UINT8_MAX &&
           std::all_of(list.begin(), list.end(), [](const OfflineLeaning& l) {
             return l.count <= UINT16_MAX && hundredths(l.value).has_value();
           });
  };
  return lists_fit(s.taste.genres) && lists_fit(s.taste.themes) && lists_fit(s.taste.eras) &&
         s.drift.size() <= UINT8_MAX &&
         std::all_of(s.drift.begin(), s.drift.end(),
                     [](const OfflineDrift& d) { return hundredths(d.value).has_value(); });
}

std::uint32_t count_of(std::size_t n) {
  if (n > UINT32_MAX)
    throw std::length_error("an offline state with a list of more than 2^32 - 1");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

FrozenOfflineState::FrozenOfflineState(const OfflineUserState& state) {
  const bool compact = compact_fits(state);
  ByteWriter out;
  out.put(std::uint32_t{0});  // the size, once known
  out.put(compact ? FrozenFormat::kCompact : FrozenFormat::kWide);
  out.put(state.user);
  out.put(state.taste.rated);
  out.put(state.taste.mean);
  out.put(state.updates);
  const std::vector<OfflineLeaning>* lists[] = {&state.taste.genres, &state.taste.themes,
                                                &state.taste.eras};
  for (const auto* list : lists) {
    if (compact)
      out.put(static_cast<std::uint8_t>(list->size()));
    else
      out.put(count_of(list->size()));
  }
  if (compact)
    out.put(static_cast<std::uint8_t>(state.drift.size()));
  else
    out.put(count_of(state.drift.size()));
  out.put(count_of(state.pending.size()));
  for (const auto* list : lists) {
    for (const OfflineLeaning& l : *list) {
      out.put(l.key);
      if (compact) {
        out.put(*hundredths(l.value));
        out.put(static_cast<std::uint16_t>(l.count));
      } else {
        out.put(l.value);
        out.put(l.count);
      }
    }
  }
  for (const OfflineDrift& d : state.drift) {
    out.put(d.genre);
    if (compact)
      out.put(*hundredths(d.value));
    else
      out.put(d.value);
  }
  for (const Interaction& i : state.pending)
    out.put(i);
  std::vector<std::byte>& bytes = out.bytes();
  const std::uint32_t size = count_of(bytes.size());
  std::memcpy(bytes.data(), &size, sizeof size);
  bytes_ = copy_of(bytes.data(), bytes.size());
}

FrozenOfflineState::FrozenOfflineState(const FrozenOfflineState& other) {
  *this = other;
}

FrozenOfflineState& FrozenOfflineState::operator=(const FrozenOfflineState& other) {
  if (this != &other)
    bytes_ = other.bytes_ ? copy_of(other.bytes_.get(), other.byte_count())
                          : std::unique_ptr<std::byte[]>();
  return *this;
}

std::size_t FrozenOfflineState::byte_count() const noexcept {
  return ByteReader(bytes_.get()).take<std::uint32_t>();
}

OfflineUserState FrozenOfflineState::thaw() const {
  if (!bytes_)
    throw std::logic_error("thawing a FrozenOfflineState that holds no state");
  ByteReader in(bytes_.get());
  in.take<std::uint32_t>();
  const bool compact = in.take<FrozenFormat>() == FrozenFormat::kCompact;
  OfflineUserState s;
  s.user = in.take<UserIndex>();
  s.taste.rated = in.take<std::uint32_t>();
  s.taste.mean = in.take<float>();
  s.updates = in.take<std::uint32_t>();
  const auto count = [&] {
    return compact ? std::uint32_t{in.take<std::uint8_t>()} : in.take<std::uint32_t>();
  };
  std::vector<OfflineLeaning>* lists[] = {&s.taste.genres, &s.taste.themes, &s.taste.eras};
  for (auto* list : lists)
    list->resize(count());
  s.drift.resize(count());
  s.pending.resize(in.take<std::uint32_t>());
  for (auto* list : lists) {
    for (OfflineLeaning& l : *list) {
      l.key = in.take<std::uint32_t>();
      if (compact) {
        l.value = from_hundredths(in.take<std::int16_t>());
        l.count = in.take<std::uint16_t>();
      } else {
        l.value = in.take<float>();
        l.count = in.take<std::uint32_t>();
      }
    }
  }
  for (OfflineDrift& d : s.drift) {
    d.genre = in.take<std::uint8_t>();
    d.value = compact ? from_hundredths(in.take<std::int16_t>()) : in.take<float>();
  }
  for (Interaction& i : s.pending)
    i = in.take<Interaction>();
  return s;
}

namespace {

constexpr std::uint64_t kTallySeed = 0x74616c6c79310000ULL;  // "tally1"

}  // namespace

OfflineResidualTally::OfflineResidualTally(const OfflineResidualTally& other) {
  *this = other;
}

OfflineResidualTally& OfflineResidualTally::operator=(const OfflineResidualTally& other) {
  if (this != &other)
    bytes_ = other.bytes_ ? copy_of(other.bytes_.get(), other.allocated_bytes())
                          : std::unique_ptr<std::byte[]>();
  return *this;
}

std::size_t OfflineResidualTally::allocated_bytes() const noexcept {
  return bytes_ ? block_size(header().genres) : 0;
}

unsigned OfflineResidualTally::scattered_slot(GenreMask printable, int bit) noexcept {
  return count_bits(printable & ((GenreMask{1} << bit) - 1));
}

bool OfflineResidualTally::open(UserIndex user, GenreMask printable, std::uint64_t trained_filter,
                                std::size_t items) {
  if (items > kMaxItems) {
    bytes_.reset();
    return false;
  }
  // The genres are the model's, the same at every call: a tally of other
  // genres is a mistake, kept from overrunning the sums by add().
  if (bytes_ && header().user == user && header().rated + items <= kMaxItems)
    return true;
  const unsigned genres = count_bits(printable);
  std::uint8_t first = kScattered;
  if (printable != 0) {
    const int lowest = std::countr_zero(printable);
    const GenreMask run = printable >> lowest;
    if ((run & (run + 1)) == 0)
      first = static_cast<std::uint8_t>(lowest);
  }
  bytes_ = std::make_unique<std::byte[]>(block_size(genres));  // zeros: sums of +0.0, as a fold's
  header() = {kTallySeed, trained_filter, user, 0, 0, static_cast<std::uint8_t>(genres), first};
  return true;
}

bool OfflineResidualTally::matches(UserIndex user, GenreMask printable,
                                   std::span<const Interaction> batch) const noexcept {
  if (!bytes_ || !holds(user, printable, batch.size()))
    return false;
  std::uint64_t hash = kTallySeed;
  for (const Interaction& i : batch)
    hash = chain(hash, i.item, i.rating);
  return hash == header().hash;
}

bool OfflineResidualTally::holds(UserIndex user, GenreMask printable,
                                 std::size_t rated) const noexcept {
  if (!bytes_)
    return rated == 0;
  const Header& h = header();
  return h.rated == rated && h.user == user && h.genres == count_bits(printable);
}

std::size_t OfflineResidualTally::residuals(GenreMask printable,
                                            GenreResiduals& out) const noexcept {
  const Header& h = header();
  const double* sums = sums_of(h);
  const std::uint8_t* counts = counts_of(h);
  std::size_t slot = 0;
  for (GenreMask m = printable; m != 0 && slot < h.genres; m &= m - 1, ++slot) {
    const auto g = static_cast<std::size_t>(std::countr_zero(m));
    out.sum[g] = sums[slot];
    out.count[g] = counts[slot];
  }
  return h.news;
}

void update_drift(std::vector<OfflineDrift>& drift, const GenreResiduals& residuals,
                  const OfflineDriftOptions& options) {
  // Only genres with drift or news can come out with drift: any other's
  // value stays 0 (or NaN with a non-finite decay), which is not kept. A
  // fold touches a few of the 64.
  GenreMask active = 0;
  for (std::size_t g = 0; g < 64; ++g)
    active |= GenreMask{residuals.count[g] != 0} << g;
  for (const OfflineDrift& d : drift)
    active |= GenreMask{1} << d.genre;
  std::array<double, 64> values;  // read for active genres only
  for (GenreMask m = active; m != 0; m &= m - 1)
    values[std::countr_zero(m)] = 0;
  for (const OfflineDrift& d : drift)
    values[d.genre] = d.value;
  for (GenreMask m = active; m != 0; m &= m - 1) {
    const auto g = static_cast<std::size_t>(std::countr_zero(m));
    const double kept = options.decay * values[g];
    const std::uint32_t n = residuals.count[g];
    double next = kept;
    if (n > 0) {
      const double mean = residuals.sum[g] / n;
      next = (options.prior * kept + n * mean) / (options.prior + n);
    }
    values[g] = quantize_hundredths(std::clamp(next, -options.max, options.max));
  }
  // Gathered on the stack, then assigned: pushed into `drift` and trimmed,
  // its capacity kept every genre that ever passed (up to 64 x 8 bytes a user).
  std::array<OfflineDrift, 64> kept;
  std::size_t n = 0;
  for (GenreMask m = active; m != 0; m &= m - 1) {
    const auto g = static_cast<std::size_t>(std::countr_zero(m));
    if (std::abs(values[g]) >= kSmallestDrift - 1e-9)
      kept[n++] = {static_cast<std::uint8_t>(g), static_cast<float>(values[g])};
  }
  std::sort(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(n),
            [](const OfflineDrift& a, const OfflineDrift& b) {
              const float sa = std::abs(a.value), sb = std::abs(b.value);
              return sa != sb ? sa > sb : a.genre < b.genre;
            });
  n = std::min(n, OfflineUserState::kMaxDriftGenres);
  drift.assign(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace lusifer
