#include "engine/sim/offline_demographics.hpp"

#include <array>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace lusifer {
namespace {

// Group keys per nesting level; empty when the level cannot be formed.
std::array<std::string, 4> group_keys(const std::optional<Demographics>& demographics) {
  std::array<std::string, 4> keys{"", "", "", ""};
  if (!demographics)
    return keys;
  const std::string age = offline_age_group(*demographics);
  if (age.empty())
    return keys;
  keys[1] = age;
  if (demographics->gender.empty())
    return keys;
  keys[2] = age + '\x1f';
  keys[2] += demographics->gender;
  if (demographics->occupation.empty())
    return keys;
  keys[3] = keys[2] + '\x1f';
  keys[3] += demographics->occupation;
  return keys;
}

}  // namespace

std::string offline_age_group(const Demographics& demographics) {
  if (!demographics.age_group.empty())
    return std::string(demographics.age_group);
  if (!demographics.age)
    return {};
  const int age = *demographics.age;
  if (age < 18)
    return "under 18";
  if (age <= 24)
    return "18-24";
  if (age <= 34)
    return "25-34";
  if (age <= 44)
    return "35-44";
  if (age <= 49)
    return "45-49";
  if (age <= 55)
    return "50-55";
  return "56+";
}

OfflineDemographicPrior::OfflineDemographicPrior(const Dataset& dataset,
                                                 std::span<const std::uint8_t> contributes,
                                                 std::span<const double> values, std::size_t width,
                                                 double shrinkage)
    : width_(width) {
  const std::size_t users = dataset.user_count();
  if (contributes.size() != users || values.size() != users * width)
    throw std::invalid_argument("offline demographic prior: one row of values per user expected");
  if (width == 0)
    throw std::invalid_argument("offline demographic prior: width must be >= 1");
  if (!(shrinkage >= 0))
    throw std::invalid_argument("offline demographic prior: shrinkage < 0");

  // Sums and counts per group; std::map keeps the group numbering independent
  // of hash order.
  struct Sum {
    std::vector<double> total;
    double members = 0;
  };
  std::array<std::map<std::string, Sum>, 4> levels;
  std::vector<std::array<std::string, 4>> keys(users);
  for (UserIndex u = 0; u < users; ++u) {
    keys[u] = group_keys(dataset.demographics(u));
    if (!contributes[u])
      continue;
    for (int level = 0; level < 4; ++level) {
      if (level > 0 && keys[u][level].empty())
        break;
      Sum& sum = levels[level][keys[u][level]];
      if (sum.total.empty())
        sum.total.assign(width, 0.0);
      for (std::size_t k = 0; k < width; ++k)
        sum.total[k] += values[u * width + k];
      sum.members += 1;
    }
  }

  // Values level by level, each shrunk toward its parent.
  std::array<std::map<std::string, std::uint32_t>, 4> index;
  groups_.assign(width, 0.0);
  if (auto everyone = levels[0].find(""); everyone != levels[0].end()) {
    for (std::size_t k = 0; k < width; ++k)
      groups_[k] = everyone->second.total[k] / everyone->second.members;
  }
  index[0][""] = 0;
  for (int level = 1; level < 4; ++level) {
    for (const auto& [key, sum] : levels[level]) {
      // The parent's key is this key up to its last separator.
      const auto cut = key.rfind('\x1f');
      const std::string parent = level == 1 ? std::string() : key.substr(0, cut);
      const std::uint32_t parent_group = index[level - 1].at(parent);
      const auto group = static_cast<std::uint32_t>(groups_.size() / width);
      for (std::size_t k = 0; k < width; ++k) {
        const double parent_value = groups_[parent_group * width + k];
        groups_.push_back((sum.total[k] + shrinkage * parent_value) / (sum.members + shrinkage));
      }
      index[level][key] = group;
    }
  }

  user_group_.assign(users, 0);
  user_match_.assign(users, 0);
  for (UserIndex u = 0; u < users; ++u) {
    for (int level = 3; level >= 1; --level) {
      if (keys[u][level].empty())
        continue;
      const auto found = index[level].find(keys[u][level]);
      if (found == index[level].end())
        continue;
      user_group_[u] = found->second;
      user_match_[u] = static_cast<std::uint8_t>(level);
      break;
    }
  }
}

std::span<const double> OfflineDemographicPrior::prior(UserIndex user) const noexcept {
  const std::uint32_t group = user < user_group_.size() ? user_group_[user] : 0;
  if (groups_.empty())
    return {};
  return std::span<const double>(groups_).subspan(group * width_, width_);
}

DemographicMatch OfflineDemographicPrior::match(UserIndex user) const noexcept {
  return user < user_match_.size() ? static_cast<DemographicMatch>(user_match_[user])
                                   : DemographicMatch::kEveryone;
}

}  // namespace lusifer
