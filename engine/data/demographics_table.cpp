#include "engine/data/demographics_table.hpp"

#include <limits>
#include <stdexcept>

namespace lusifer {

std::size_t DemographicsTable::CombinationHash::operator()(const Combination& c) const noexcept {
  // FNV-1a over the six 32-bit fields.
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto mix = [&h](std::uint32_t v) {
    h ^= v;
    h *= 0x100000001b3ull;
  };
  mix(static_cast<std::uint32_t>(c.age));
  mix(c.has_age);
  for (const std::uint32_t s : c.strings)
    mix(s);
  return static_cast<std::size_t>(h);
}

void DemographicsTable::push_back(const std::optional<Demographics>& demographics) {
  if (!demographics) {
    combination_of_user_.push_back(kNone);
    return;
  }
  if (string_ids_.size() != string_ends_.size() || combination_ids_.size() != combinations_.size())
    rebuild_lookup();
  const Demographics& d = *demographics;
  Combination c;
  c.age = d.age.value_or(0);
  c.has_age = d.age.has_value();
  c.strings = {intern(d.age_group), intern(d.gender), intern(d.occupation), intern(d.zip_code)};
  const auto [it, added] =
      combination_ids_.try_emplace(c, static_cast<std::uint32_t>(combinations_.size()));
  if (added)
    combinations_.push_back(c);
  combination_of_user_.push_back(it->second);
}

std::optional<Demographics> DemographicsTable::of(std::size_t user) const {
  const std::uint32_t id = combination_of_user_.at(user);
  if (id == kNone)
    return std::nullopt;
  const Combination& c = combinations_[id];
  Demographics d;
  if (c.has_age)
    d.age = c.age;
  d.age_group = string(c.strings[0]);
  d.gender = string(c.strings[1]);
  d.occupation = string(c.strings[2]);
  d.zip_code = string(c.strings[3]);
  return d;
}

void DemographicsTable::renumber(const std::vector<std::uint32_t>& new_index) {
  if (new_index.size() != combination_of_user_.size())
    throw std::invalid_argument("demographics: one new index per user expected");
  std::vector<std::uint32_t> renumbered(combination_of_user_.size());
  for (std::size_t i = 0; i < new_index.size(); ++i)
    renumbered.at(new_index[i]) = combination_of_user_[i];
  combination_of_user_ = std::move(renumbered);
}

void DemographicsTable::shrink_to_fit() {
  combination_of_user_.shrink_to_fit();
  combinations_.shrink_to_fit();
  chars_.shrink_to_fit();
  string_ends_.shrink_to_fit();
  string_ids_ = {};
  combination_ids_ = {};
}

std::size_t DemographicsTable::memory_bytes() const noexcept {
  // The lookup tables' nodes are estimated: a key, a value and a pointer each.
  std::size_t lookup =
      (string_ids_.bucket_count() + combination_ids_.bucket_count()) * sizeof(void*);
  lookup += string_ids_.size() * (sizeof(std::string) + sizeof(std::uint32_t) + sizeof(void*));
  lookup += combination_ids_.size() * (sizeof(Combination) + sizeof(std::uint32_t) + sizeof(void*));
  return combination_of_user_.capacity() * sizeof(std::uint32_t) +
         combinations_.capacity() * sizeof(Combination) + chars_.capacity() +
         string_ends_.capacity() * sizeof(std::uint32_t) + lookup;
}

std::uint32_t DemographicsTable::intern(std::string_view s) {
  if (const auto it = string_ids_.find(s); it != string_ids_.end())
    return it->second;
  if (s.size() > std::numeric_limits<std::uint32_t>::max() - chars_.size())
    throw std::length_error("demographics: more than 4 GiB of distinct strings");
  chars_.insert(chars_.end(), s.begin(), s.end());
  const auto id = static_cast<std::uint32_t>(string_ends_.size());
  string_ends_.push_back(static_cast<std::uint32_t>(chars_.size()));
  string_ids_.emplace(std::string(s), id);
  return id;
}

std::string_view DemographicsTable::string(std::uint32_t id) const noexcept {
  const std::uint32_t begin = id == 0 ? 0 : string_ends_[id - 1];
  return std::string_view(chars_.data() + begin, string_ends_[id] - begin);
}

void DemographicsTable::rebuild_lookup() {
  string_ids_.clear();
  for (std::uint32_t id = 0; id < string_ends_.size(); ++id)
    string_ids_.emplace(std::string(string(id)), id);
  combination_ids_.clear();
  for (std::uint32_t id = 0; id < combinations_.size(); ++id)
    combination_ids_.emplace(combinations_[id], id);
}

}  // namespace lusifer
