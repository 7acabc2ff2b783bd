// Demographics are interned: each distinct string and each distinct
// combination stored once, a user holding one index; the views handed out
// outlive moves of the Dataset.

#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "engine/data/dataset.hpp"

using namespace lusifer;

namespace {

// Demographics whose strings live only as long as the returned strings do, so
// that what the table hands back cannot be views of the caller's copies.
struct OwnedDemographics {
  std::optional<int> age;
  std::string age_group, gender, occupation, zip_code;

  Demographics view() const { return {age, age_group, gender, occupation, zip_code}; }
};

}  // namespace

TEST_CASE("equal strings and equal combinations are stored once", "[demographics]") {
  DemographicsTable table;
  const std::string long_occupation = "technician/engineer, night shifts";  // past SSO
  for (int u = 0; u < 1000; ++u) {
    const OwnedDemographics d{30 + u % 2, "25-34", u % 3 == 0 ? "F" : "M", long_occupation,
                              u % 2 == 0 ? "94043" : "10001"};
    table.push_back(d.view());
  }
  CHECK(table.size() == 1000);
  // "25-34", "F", "M", the occupation, two zip codes.
  CHECK(table.distinct_strings() == 6);
  // Age and zip code go together (u % 2); gender cycles by u % 3: 2 x 2.
  CHECK(table.distinct_combinations() == 4);

  const auto a = table.of(0);
  const auto b = table.of(999);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->occupation == long_occupation);
  CHECK(a->occupation.data() == b->occupation.data());  // one copy, shared
  CHECK(*a == Demographics{30, "25-34", "F", long_occupation, "94043"});
  CHECK(*b == Demographics{31, "25-34", "F", long_occupation, "10001"});
  CHECK(*table.of(1) == Demographics{31, "25-34", "M", long_occupation, "10001"});

  // A user costs their 4-byte index, once the lookup tables are dropped.
  table.shrink_to_fit();
  CHECK(table.memory_bytes() < 1000 * 4 + 4 * 24 + 64 + 6 * 4 + 256);
}

TEST_CASE("an unknown age, age 0 and no demographics are told apart", "[demographics]") {
  DemographicsTable table;
  table.push_back(Demographics{std::nullopt, "", "F", "", ""});
  table.push_back(Demographics{0, "", "F", "", ""});
  table.push_back(std::nullopt);
  table.push_back(Demographics{});
  CHECK(table.of(0) == Demographics{std::nullopt, "", "F", "", ""});
  CHECK(table.of(1) == Demographics{0, "", "F", "", ""});
  CHECK_FALSE(table.of(2).has_value());
  // Demographics with every field empty are still demographics.
  REQUIRE(table.of(3).has_value());
  CHECK(*table.of(3) == Demographics{});
  CHECK(table.distinct_combinations() == 3);
  CHECK_THROWS_AS(table.of(4), std::out_of_range);
}

TEST_CASE("adding after shrink_to_fit still finds what is stored", "[demographics]") {
  DemographicsTable table;
  table.push_back(Demographics{40, "", "M", "writer", "02139"});
  table.shrink_to_fit();
  table.push_back(Demographics{40, "", "M", "writer", "02139"});
  table.push_back(Demographics{41, "", "M", "writer", "02139"});
  CHECK(table.distinct_strings() == 4);
  CHECK(table.distinct_combinations() == 2);
  CHECK(table.of(1) == table.of(0));
  CHECK(table.of(2)->age == 41);
}

TEST_CASE("a dataset's demographics follow their users and outlive moves", "[demographics]") {
  DatasetBuilder builder(DatasetFormat::kMovieLens100K, "test", RatingScale{});
  {
    // Added out of id order, so finish() renumbers them.
    const OwnedDemographics writer{53, "", "F", "writer", "94043"};
    const OwnedDemographics engineer{24, "", "M", "engineer, systems and networks", "85711"};
    REQUIRE(builder.add_user(30, writer.view()));
    REQUIRE(builder.add_user(10, engineer.view()));
    REQUIRE(builder.add_user(20));
    CHECK_FALSE(builder.add_user(10, writer.view()));  // an id seen before changes nothing
    builder.user_for_id(5);                            // a user known only from ratings
  }
  Dataset first = builder.finish();
  REQUIRE(first.user_count() == 4);
  CHECK(first.user(0).id == 5);
  CHECK_FALSE(first.demographics(0).has_value());
  CHECK(first.demographics(1) ==
        Demographics{24, "", "M", "engineer, systems and networks", "85711"});
  CHECK_FALSE(first.demographics(2).has_value());
  CHECK(first.demographics(3) == Demographics{53, "", "F", "writer", "94043"});

  const Demographics engineer = *first.demographics(1);
  const Demographics writer = *first.demographics(3);
  Dataset second = std::move(first);
  Dataset third;
  third = std::move(second);
  // The views taken before the moves still read the same characters, where
  // the moved-to dataset keeps them.
  CHECK(engineer == Demographics{24, "", "M", "engineer, systems and networks", "85711"});
  CHECK(writer == Demographics{53, "", "F", "writer", "94043"});
  CHECK(third.demographics(1)->occupation.data() == engineer.occupation.data());
  CHECK(third.demographics(3)->gender.data() == writer.gender.data());
  CHECK(third.demographics_table().memory_bytes() > 0);
}
