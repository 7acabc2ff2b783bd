#include "engine/sim/prompt_text.hpp"

#include <catch2/catch.hpp>

#include "engine/sim/answer_schema.hpp"
#include "engine/sim/prompt_keys.hpp"

using namespace lusifer;

TEST_CASE("display titles put MovieLens's trailing articles back in front", "[prompts][text]") {
  CHECK(display_title("American President, The (1995)") == "The American President (1995)");
  CHECK(display_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)") ==
        "The City of Lost Children (Cité des enfants perdus, La) (1995)");
  CHECK(display_title("Misérables, Les (1995)") == "Les Misérables (1995)");
  CHECK(display_title("Avventura, L' (1960)") == "L'Avventura (1960)");
  CHECK(display_title("Shawshank Redemption, The") == "The Shawshank Redemption");
  CHECK(display_title("Heat (1995)") == "Heat (1995)");
  CHECK(display_title("Black Mirror") == "Black Mirror");
  CHECK(display_title(", The") == ", The");  // nothing to move the article in front of
}

TEST_CASE("single_line collapses whitespace and drops control characters", "[prompts][text]") {
  CHECK(single_line("  Woody, a cowboy doll,\n is jealous\tof Buzz.\r\n ") ==
        "Woody, a cowboy doll, is jealous of Buzz.");
  CHECK(single_line("a\x01"
                    "b") == "ab");
  CHECK(single_line("") == "");
}

TEST_CASE("truncate_text keeps at most the limit in characters, never splitting UTF-8",
          "[prompts][text]") {
  CHECK(truncate_text("short", 10) == "short");
  CHECK(truncate_text("exactly ten", 11) == "exactly ten");
  CHECK(truncate_text("anything", 0) == "");
  // Cut at the last space in the final third, then the ellipsis.
  CHECK(truncate_text("one two three four five", 16) == "one two three\xE2\x80\xA6");
  CHECK(truncate_text("one two three four five", 12) == "one two thr\xE2\x80\xA6");
  // No space near the end: cut mid-word.
  CHECK(truncate_text("abcdefghijklmnop", 6) == "abcde\xE2\x80\xA6");
  // 'é' is two bytes; five characters stay five characters.
  const std::string cut = truncate_text("éééééééééé", 5);
  CHECK(cut == "éééé\xE2\x80\xA6");
}

TEST_CASE("ratings and scales print as a person writes them", "[prompts][text]") {
  CHECK(format_rating(4.0) == "4");
  CHECK(format_rating(3.5) == "3.5");
  CHECK(format_rating(0.5) == "0.5");
  CHECK(format_rating(4.25) == "4.25");
  CHECK(scale_levels_text(RatingScale{1.0f, 5.0f, 1.0f}) == "1, 2, 3, 4, 5");
  CHECK(scale_levels_text(RatingScale{0.5f, 2.5f, 0.5f}) == "0.5, 1, 1.5, 2, 2.5");
}

TEST_CASE("item keys and user tags are exact", "[prompts][keys]") {
  CHECK(item_key(42) == "item_42");
  CHECK(parse_item_key("item_42") == 42);
  CHECK(parse_item_key("item_-3") == -3);
  CHECK_FALSE(parse_item_key("item_"));
  CHECK_FALSE(parse_item_key("item_4x"));
  CHECK_FALSE(parse_item_key("item_+4"));
  CHECK_FALSE(parse_item_key("item_99999999999999999999"));
  CHECK_FALSE(parse_item_key("42"));
  CHECK(user_tag(7) == "lusifer-user-7");
  CHECK(parse_user_tag("lusifer-user-7") == 7);
  CHECK_FALSE(parse_user_tag("user-7"));
  for (const auto kind : {TaskKind::kCreateProfile, TaskKind::kUpdateProfile, TaskKind::kRateItems})
    CHECK(task_kind_from_schema_name(answer_schema_name(kind)) == kind);
  CHECK_FALSE(task_kind_from_schema_name("rating"));
  CHECK(unique_candidates({3, 1, 3, 2, 1}) == std::vector<ItemIndex>{3, 1, 2});
}

TEST_CASE("scales read back from their levels", "[prompts][schema]") {
  const auto half = scale_from_levels_text("0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5");
  REQUIRE(half);
  CHECK(half->min == 0.5f);
  CHECK(half->max == 5.0f);
  CHECK(half->step == 0.5f);
  const auto whole = scale_from_levels_text(scale_levels_text(RatingScale{1.0f, 10.0f, 1.0f}));
  REQUIRE(whole);
  CHECK(whole->level_count() == 10);
  CHECK_FALSE(scale_from_levels_text("1, 2, 4"));
  CHECK_FALSE(scale_from_levels_text("5"));
  CHECK_FALSE(scale_from_levels_text("one, two"));
}
