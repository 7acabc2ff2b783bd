#pragma once

// Every user's demographics, stored once per distinct value.
//
// Demographics repeat heavily (two genders, seven age groups, 21 occupations;
// zip codes less but they are short), so a table of optional strings per user
// (152 bytes each, even for a user without demographics) spends almost all of
// its bytes on copies. Here each distinct string is stored once, each distinct
// combination of values once (as ids of its strings), and a user holds only
// the 4-byte index of their combination: at a million users that is 4 MB
// instead of 145 MiB.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lusifer {

// One user's demographics, as views.
//
// A loader fills one with views of what it reads; DemographicsTable copies
// the strings. The views DemographicsTable::of returns point into the table's
// own storage: they stay valid until the table is destroyed or added to, and
// moving the table (or the Dataset holding it) keeps them valid.
struct Demographics {
  std::optional<int> age;       // in years (100K), or the bucket's lower bound (1M)
  std::string_view age_group;   // the bucket's label where the format has buckets ("25-34")
  std::string_view gender;      // "M", "F", or as the source spells it
  std::string_view occupation;  // a name, resolved from codes where the format uses codes
  std::string_view zip_code;

  bool operator==(const Demographics&) const = default;
};

class DemographicsTable {
 public:
  // Appends the next user's demographics (nullopt when they have none).
  // Throws std::length_error past 4 GiB of distinct strings.
  void push_back(const std::optional<Demographics>& demographics);

  std::size_t size() const noexcept { return combination_of_user_.size(); }
  // The demographics of user `user` (0 <= user < size()); nullopt when they
  // have none. Throws std::out_of_range past size().
  std::optional<Demographics> of(std::size_t user) const;

  // Renumbers the users: user i becomes user new_index[i] (a permutation of
  // 0..size()-1).
  void renumber(const std::vector<std::uint32_t>& new_index);

  // Drops what only push_back needs (its lookup tables, rebuilt if it is
  // called again) and any spare room: what is loaded stays for the whole run.
  void shrink_to_fit();

  std::size_t distinct_strings() const noexcept { return string_ends_.size(); }
  std::size_t distinct_combinations() const noexcept { return combinations_.size(); }
  // The bytes the table holds, lookup tables included.
  std::size_t memory_bytes() const noexcept;

 private:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};

  // The ids of the strings, in Demographics' order (age_group, gender,
  // occupation, zip_code).
  struct Combination {
    std::int32_t age = 0;
    std::uint32_t has_age = 0;
    std::array<std::uint32_t, 4> strings{};

    bool operator==(const Combination&) const = default;
  };
  struct CombinationHash {
    std::size_t operator()(const Combination& c) const noexcept;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  std::uint32_t intern(std::string_view s);
  std::string_view string(std::uint32_t id) const noexcept;
  void rebuild_lookup();

  std::vector<std::uint32_t> combination_of_user_;  // kNone: no demographics
  std::vector<Combination> combinations_;
  // String i is chars_[string_ends_[i-1] (0 for i = 0), string_ends_[i]). A
  // vector, not a std::string: moving it keeps its buffer, and so the views.
  std::vector<char> chars_;
  std::vector<std::uint32_t> string_ends_;
  // Only while users are added.
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> string_ids_;
  std::unordered_map<Combination, std::uint32_t, CombinationHash> combination_ids_;
};

}  // namespace lusifer
