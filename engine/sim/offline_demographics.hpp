#pragma once

// What the offline simulated user (not an LLM) assumes about a user without
// ratings: the average of users like them.
//
// Every user with ratings contributes a vector of values (the offline model
// uses their rating offset and genre affinities). Groups nest: everyone; the
// same age group; the same age group and gender; the same age group, gender
// and occupation. A group's value is its members' mean shrunk toward its
// parent group's value,
//   value(group) = (sum over members + s * value(parent)) / (members + s),
// so a group of two users moves only a little away from its parent. A user
// without ratings gets the value of the most specific group that matches
// their demographics, or everyone's mean when they have none.
//
// Age groups are the dataset's own buckets where it has them (MovieLens 1M:
// "25-34"), else MovieLens 1M's buckets applied to the age in years.
//
// Immutable after construction; safe to share between threads.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/data/dataset.hpp"

namespace lusifer {

// "under 18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+", or the
// dataset's label; empty when the age is unknown.
std::string offline_age_group(const Demographics& demographics);

// How specific the group behind a prior is.
enum class DemographicMatch {
  kEveryone = 0,
  kAgeGroup = 1,
  kAgeGroupGender = 2,
  kAgeGroupGenderOccupation = 3,
};

class OfflineDemographicPrior {
 public:
  OfflineDemographicPrior() = default;
  // `values` holds `width` numbers per dataset user, row-major; only rows of
  // users with contributes[u] != 0 are read. Throws std::invalid_argument
  // when the sizes disagree, width is 0 or shrinkage is negative.
  OfflineDemographicPrior(const Dataset& dataset, std::span<const std::uint8_t> contributes,
                          std::span<const double> values, std::size_t width, double shrinkage);

  std::size_t width() const noexcept { return width_; }
  // The prior of dataset user `user` (any index; everyone's mean outside the
  // dataset or without demographics).
  std::span<const double> prior(UserIndex user) const noexcept;
  DemographicMatch match(UserIndex user) const noexcept;

 private:
  std::size_t width_ = 0;
  std::vector<double>
      groups_;  // group g: groups_[g * width_, (g + 1) * width_); group 0 = everyone
  std::vector<std::uint32_t> user_group_;
  std::vector<std::uint8_t> user_match_;
};

}  // namespace lusifer
