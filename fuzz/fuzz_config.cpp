// Fuzzes configuration files as researchers write them: TOML text through
// ConfigFile::parse, command-line overrides, the [data]/[world], [prompts]
// and [llm] readers, the unknown-key check and the TOML written back.
//
// Input: the file's text, optionally followed by a line "--- overrides"
// (not valid TOML, so it never occurs in a file) and one `--set` assignment
// per line after it.
//
// A ConfigError (an InputError) is how every problem in a config is
// reported; any other exception or a crash is a bug. What to_toml() writes
// is stored with a run's results, so it must parse again.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config_error.hpp"
#include "engine/config/config_file.hpp"
#include "engine/config/config_override.hpp"
#include "engine/data/data_settings.hpp"
#include "engine/gateway/gateway_settings.hpp"
#include "engine/sim/prompt_settings.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;

constexpr std::string_view kOverridesMarker = "\n--- overrides\n";
// Paths in the file resolve against this name's directory; nothing is read.
const std::string kName = "/nonexistent/lusifer-fuzz/config.toml";

std::vector<std::string> override_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    if (end > start)
      lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void read_everything(ConfigFile& file) {
  (void)read_data_settings(file);
  (void)read_prompt_settings(file);
  (void)read_gateway_settings(file);
  (void)file.unknown_keys();
  file.check_all_consumed();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto marker = input.find(kOverridesMarker);
  const std::string_view text = input.substr(0, marker);
  const std::string_view overrides = marker == std::string_view::npos
                                         ? std::string_view{}
                                         : input.substr(marker + kOverridesMarker.size());

  std::string written;
  try {
    ConfigFile file = ConfigFile::parse(text, kName);
    apply_overrides(file, override_lines(overrides));
    written = file.to_toml();
    read_everything(file);
  } catch (const ConfigError&) {
    // How config problems are reported.
  }
  if (written.empty())
    return 0;

  // What was written must read back as a config file...
  std::optional<ConfigFile> again;
  try {
    again.emplace(ConfigFile::parse(written, kName));
  } catch (const ConfigError& e) {
    LUSIFER_FUZZ_CHECK(false,
                       std::string("the TOML that to_toml() writes parses again: ") + e.what());
  }
  // ...whose settings errors are ConfigErrors too.
  try {
    read_everything(*again);
  } catch (const ConfigError&) {
  }
  return 0;
}
