#include "engine/sim/offline_user_state.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace lusifer {
namespace {

constexpr double kSmallestDrift = 0.05;

// A frozen state's layout: a header of counts, then the lists, each as its
// elements' bytes (all trivially copyable), unaligned, read by memcpy.
struct FrozenHeader {
  UserIndex user = 0;
  std::uint32_t rated = 0;
  float mean = 0;
  std::uint32_t updates = 0;
  std::uint32_t genres = 0;
  std::uint32_t themes = 0;
  std::uint32_t eras = 0;
  std::uint32_t drift = 0;
  std::uint32_t pending = 0;
};
static_assert(std::is_trivially_copyable_v<OfflineLeaning> &&
              std::is_trivially_copyable_v<OfflineDrift> &&
              std::is_trivially_copyable_v<Interaction>);

std::size_t frozen_size(const FrozenHeader& h) noexcept {
  return sizeof(FrozenHeader) +
         (std::size_t{h.genres} + h.themes + h.eras) * sizeof(OfflineLeaning) +
         std::size_t{h.drift} * sizeof(OfflineDrift) + std::size_t{h.pending} * sizeof(Interaction);
}

std::uint32_t count_of(std::size_t n) {
  if (n > UINT32_MAX)
    throw std::length_error("an offline state with a list of more than 2^32 - 1");
  return static_cast<std::uint32_t>(n);
}

template <class T>
std::byte* put(std::byte* at, const std::vector<T>& list) noexcept {
  if (!list.empty())
    std::memcpy(at, list.data(), list.size() * sizeof(T));
  return at + list.size() * sizeof(T);
}

template <class T>
const std::byte* take(const std::byte* at, std::uint32_t n, std::vector<T>& list) {
  list.resize(n);
  if (n > 0)
    std::memcpy(list.data(), at, std::size_t{n} * sizeof(T));
  return at + std::size_t{n} * sizeof(T);
}

}  // namespace

FrozenOfflineState::FrozenOfflineState(const OfflineUserState& state) {
  FrozenHeader h;
  h.user = state.user;
  h.rated = state.taste.rated;
  h.mean = state.taste.mean;
  h.updates = state.updates;
  h.genres = count_of(state.taste.genres.size());
  h.themes = count_of(state.taste.themes.size());
  h.eras = count_of(state.taste.eras.size());
  h.drift = count_of(state.drift.size());
  h.pending = count_of(state.pending.size());
  bytes_ = std::make_unique_for_overwrite<std::byte[]>(frozen_size(h));
  std::memcpy(bytes_.get(), &h, sizeof h);
  std::byte* at = bytes_.get() + sizeof h;
  at = put(at, state.taste.genres);
  at = put(at, state.taste.themes);
  at = put(at, state.taste.eras);
  at = put(at, state.drift);
  put(at, state.pending);
}

FrozenOfflineState::FrozenOfflineState(const FrozenOfflineState& other) {
  *this = other;
}

FrozenOfflineState& FrozenOfflineState::operator=(const FrozenOfflineState& other) {
  if (this == &other)
    return *this;
  if (!other.bytes_) {
    bytes_.reset();
    return *this;
  }
  const std::size_t n = other.byte_count();
  auto copy = std::make_unique_for_overwrite<std::byte[]>(n);
  std::memcpy(copy.get(), other.bytes_.get(), n);
  bytes_ = std::move(copy);
  return *this;
}

std::size_t FrozenOfflineState::byte_count() const noexcept {
  FrozenHeader h;
  std::memcpy(&h, bytes_.get(), sizeof h);
  return frozen_size(h);
}

OfflineUserState FrozenOfflineState::thaw() const {
  if (!bytes_)
    throw std::logic_error("thawing a FrozenOfflineState that holds no state");
  FrozenHeader h;
  std::memcpy(&h, bytes_.get(), sizeof h);
  OfflineUserState s;
  s.user = h.user;
  s.taste.rated = h.rated;
  s.taste.mean = h.mean;
  s.updates = h.updates;
  const std::byte* at = bytes_.get() + sizeof h;
  at = take(at, h.genres, s.taste.genres);
  at = take(at, h.themes, s.taste.themes);
  at = take(at, h.eras, s.taste.eras);
  at = take(at, h.drift, s.drift);
  take(at, h.pending, s.pending);
  return s;
}

double OfflineUserState::drift_for(GenreMask genres) const noexcept {
  if (drift.empty() || genres == 0)
    return 0.0;
  double sum = 0;
  for (const OfflineDrift& d : drift)
    if (genres & (GenreMask{1} << d.genre))
      sum += d.value;
  return sum / std::popcount(genres);
}

void update_drift(std::vector<OfflineDrift>& drift, const GenreResiduals& residuals,
                  const OfflineDriftOptions& options) {
  std::array<double, 64> values{};
  for (const OfflineDrift& d : drift)
    values[d.genre] = d.value;
  for (std::size_t g = 0; g < values.size(); ++g) {
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
  for (std::size_t g = 0; g < values.size(); ++g) {
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
