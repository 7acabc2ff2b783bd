#include "engine/sim/prompt_templates.hpp"

#include <catch2/catch.hpp>

#include "tests/sim/prompt_test_support.hpp"

using namespace lusifer;
using lusifer::testing::copy_default_prompts;
using lusifer::testing::default_prompts_dir;
using lusifer::testing::TempDir;

namespace {

// Loads the default templates with `file` replaced by `text`, expecting an
// InputError, and returns it.
InputError load_error_with(std::string_view file, std::string_view text) {
  const TempDir dir;
  copy_default_prompts(dir);
  dir.write(file, text);
  try {
    PromptTemplates::load(dir.path());
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError for " << file);
  return InputError("", 0, "", "");
}

PromptTemplate parse(std::string_view text, TemplateKind kind = TemplateKind::kItem) {
  return PromptTemplate::parse(text, "test.txt", kind);
}

}  // namespace

TEST_CASE("the repository's templates load and use their required placeholders", "[prompts]") {
  const auto templates = PromptTemplates::load(default_prompts_dir());
  for (std::size_t i = 0; i < kTemplateKindCount; ++i) {
    const auto kind = static_cast<TemplateKind>(i);
    const auto& t = templates.get(kind);
    CHECK(t.kind() == kind);
    CHECK_FALSE(t.lines().empty());
    for (const auto required : required_placeholders(kind))
      CHECK(t.uses(required));
  }
  CHECK(templates.get(TemplateKind::kRateItems).uses(Placeholder::kRecentRatings));
  CHECK(templates.get(TemplateKind::kUser).uses(Placeholder::kOccupation));
}

TEST_CASE("an unknown placeholder is an error naming the file and line", "[prompts]") {
  const auto e = load_error_with("rate_items.txt",
                                 "Rate these.\n\n{{profile}}\n{{candidate}}\n"
                                 "{{candidates}}\n{{answer_shape}}\n");
  CHECK(e.file().ends_with("rate_items.txt"));
  CHECK(e.line() == 4);
  CHECK(e.found() == "{{candidate}}");
  CHECK(e.expected().find("{{candidates}}") != std::string::npos);
  CHECK(std::string(e.what()).find("rate_items.txt:4:") != std::string::npos);
}

TEST_CASE("a placeholder another file may use is still an error here", "[prompts]") {
  const auto e = load_error_with("item.txt", "- {{key}}: {{title}}\n  rated {{ rating }}\n");
  CHECK(e.file().ends_with("item.txt"));
  CHECK(e.line() == 2);
  CHECK(e.found() == "{{rating}}");
}

TEST_CASE("a missing required placeholder is an error naming it", "[prompts]") {
  const auto e = load_error_with("rate_items.txt", "Rate.\n{{profile}}\n{{answer_shape}}\n");
  CHECK(e.file().ends_with("rate_items.txt"));
  CHECK(e.line() == 0);
  CHECK(e.expected().find("{{candidates}}") != std::string::npos);
  const auto h = load_error_with("history_item.txt", "- {{key}}: {{title}}\n");
  CHECK(h.expected().find("{{rating}}") != std::string::npos);
}

TEST_CASE("an unclosed placeholder is an error with its line", "[prompts]") {
  const auto e = load_error_with("system.txt", "Hello.\nScale {{scale_min to 5.\n");
  CHECK(e.line() == 2);
  CHECK(e.expected().find("}}") != std::string::npos);
  CHECK(e.found().find("{{scale_min") != std::string::npos);
}

TEST_CASE("task templates must put stable parts before variable ones", "[prompts]") {
  // The candidates change every call, the profile rarely: candidates first
  // would defeat the providers' prefix caches.
  const auto e = load_error_with("rate_items.txt",
                                 "Rate.\nMovies:{{candidates}}\nProfile:{{profile}}\n"
                                 "{{answer_shape}}\n");
  CHECK(e.line() == 3);
  CHECK(e.expected().find("{{profile}} before {{candidates}}") != std::string::npos);
  const auto u = load_error_with("update_profile.txt",
                                 "{{profile}}\n{{history}}\n{{user}}\n{{answer_shape}}\n");
  CHECK(u.line() == 3);
  // The scale is the same for a whole run and may go anywhere.
  CHECK_NOTHROW(parse("{{profile}}{{candidates}}{{scale_levels}}\n{{answer_shape}} {{scale_max}}",
                      TemplateKind::kRateItems));
}

TEST_CASE("a missing template file is an error naming it", "[prompts]") {
  const TempDir dir;
  copy_default_prompts(dir);
  std::filesystem::remove(dir.path() / "repair.txt");
  try {
    PromptTemplates::load(dir.path());
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.file().ends_with("repair.txt"));
    CHECK(e.line() == 0);
  }
  CHECK_THROWS_AS(PromptTemplates::load(dir.path() / "nowhere"), InputError);
}

TEST_CASE("invalid UTF-8 in a template is an error with its line", "[prompts]") {
  const auto e = load_error_with("user.txt", "About:\n- Age: {{age}} \xff\n");
  CHECK(e.line() == 2);
  CHECK(e.expected() == "UTF-8 text");
}

TEST_CASE("rendering substitutes values and drops lines whose values are all empty", "[prompts]") {
  const auto t = parse(
      "- {{key}}: {{title}}\n  Genres: {{genres}}\n  Tags: {{tags}}\n"
      "  Tags and genres: {{tags}} / {{genres}}\nFixed line\n");
  PlaceholderValues v;
  v.set(Placeholder::kKey, "item_5");
  v.set(Placeholder::kTitle, "Heat (1995)");
  v.set(Placeholder::kGenres, "Action");
  CHECK(t.render(v) ==
        "- item_5: Heat (1995)\n  Genres: Action\n  Tags and genres:  / Action\nFixed line");
  CHECK_FALSE(t.all_placeholders_empty(v));
  CHECK(t.all_placeholders_empty(PlaceholderValues{}));
}

TEST_CASE("comments vanish, CRLF and a byte-order mark are accepted, trailing blanks go",
          "[prompts]") {
  const auto t = parse(
      "\xEF\xBB\xBF{{! header comment }}\r\n{{key}} {{! inline }}x\r\n  {{!only}}  \r\n\r\n\r\n");
  PlaceholderValues v;
  v.set(Placeholder::kKey, "item_1");
  CHECK(t.render(v) == "item_1 x");
  REQUIRE(t.lines().size() == 1);
  CHECK(t.lines()[0].number == 2);
  // Spaces inside braces are allowed.
  const auto spaced = parse("{{ key }}|{{title   }}");
  v.set(Placeholder::kTitle, "T");
  CHECK(spaced.render(v) == "item_1|T");
}

TEST_CASE("placeholder names round-trip", "[prompts]") {
  for (std::size_t i = 0; i < kPlaceholderCount; ++i) {
    const auto p = static_cast<Placeholder>(i);
    CHECK(placeholder_from_name(placeholder_name(p)) == p);
  }
  CHECK_FALSE(placeholder_from_name("nope"));
  CHECK(template_file_name(TemplateKind::kRateItems) == "rate_items.txt");
}
