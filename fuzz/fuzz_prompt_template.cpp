// Fuzzes the prompt template language: users edit config/prompts/*.txt, so
// any text may reach PromptTemplate::parse.
//
// Input: one byte picks the template kind (% 9, in TemplateKind's order:
// system, create_profile, cold_start_profile, update_profile, rate_items,
// repair, user, item, history_item); the rest is the file's text.
//
// parse may refuse the text with an InputError; anything else it throws, and
// any crash, is a bug. A template it accepts must keep the header's
// promises: it uses only placeholders allowed in its file and every required
// one, and it renders, with empty values and with values that themselves look
// like placeholders, the same way through both render overloads.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/core/input_error.hpp"
#include "engine/sim/prompt_templates.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;

bool contains(std::span<const Placeholder> list, Placeholder p) {
  return std::find(list.begin(), list.end(), p) != list.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lusifer::fuzz::FuzzInput in(data, size);
  const auto kind = static_cast<TemplateKind>(in.byte() % kTemplateKindCount);
  const std::string_view text = in.rest();

  PromptTemplate parsed;
  try {
    parsed = PromptTemplate::parse(text, "fuzz.txt", kind);
  } catch (const InputError&) {
    return 0;
  }
  LUSIFER_FUZZ_CHECK(parsed.kind() == kind, "a template keeps its kind");

  for (std::size_t i = 0; i < kPlaceholderCount; ++i) {
    const auto p = static_cast<Placeholder>(i);
    if (parsed.uses(p)) {
      LUSIFER_FUZZ_CHECK(contains(allowed_placeholders(kind), p),
                         "an accepted template uses only the placeholders its file allows");
    }
    LUSIFER_FUZZ_CHECK(placeholder_from_name(placeholder_name(p)) == p,
                       "placeholder names read back to their placeholder");
  }
  for (const auto p : required_placeholders(kind)) {
    LUSIFER_FUZZ_CHECK(parsed.uses(p), "an accepted template uses every required placeholder");
  }

  // Values are inserted verbatim, never parsed again: "{{x}}" in a title must
  // reach the prompt as typed.
  static const std::array<std::string, 3> kValues = {"", "{{title}}", "x\ny"};
  PlaceholderValues values;
  for (std::size_t i = 0; i < kPlaceholderCount; ++i)
    values.set(static_cast<Placeholder>(i), kValues[i % kValues.size()]);
  const std::string rendered = parsed.render(values);
  std::string appended = "prefix";
  parsed.render(appended, values);
  LUSIFER_FUZZ_CHECK(appended == "prefix" + rendered, "render appends what render returns");

  PlaceholderValues empty;
  LUSIFER_FUZZ_CHECK(parsed.all_placeholders_empty(empty), "unset placeholders render empty");
  (void)parsed.render(empty);
  return 0;
}
