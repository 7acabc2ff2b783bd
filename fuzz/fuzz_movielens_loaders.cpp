// Fuzzes the dataset loaders with whole dataset directories: every MovieLens
// format, item-text joins and the official 100K split files.
//
// The loaders read paths, so the input is split into files written to a
// per-process directory in memory-backed /dev/shm. The input is a sequence
// of sections in the format `head` prints for several files:
//
//   ==> u.data <==
//   1	5	4	881250949
//   ==> u.item <==
//   ...
//
// Only the file names of the formats are accepted (the part after the last
// '/' of the header, so `head dir/*` output works as a seed); other sections
// are ignored, so no input can write outside the directory. Text before the
// first header is ignored.
//
// Each input is loaded twice, strict and lenient. An InputError is fine (it
// is how bad input is reported); any other exception or a crash is a bug. A
// dataset that loads must be consistent, as dataset.hpp promises: users and
// items in ascending id order and findable by id, ratings on the scale and
// pointing at real users and items, and histories holding each rating of
// their user once, oldest first. Strict loads skip nothing.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/dataset_loader.hpp"
#include "engine/data/item_text_loader.hpp"
#include "engine/data/split.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using namespace lusifer;
namespace fs = std::filesystem;

constexpr std::array<std::string_view, 16> kFileNames = {
    "u.data",   "u.item",      "u.user",     "u.genre",      "u.occupation", "u1.base",
    "u1.test",  "ratings.dat", "movies.dat", "users.dat",    "ratings.csv",  "movies.csv",
    "tags.csv", "links.csv",   "users.csv",  "item_text.csv"};
constexpr std::string_view kHeaderOpen = "==> ";
constexpr std::string_view kHeaderClose = " <==";

class ScratchDirectory {
 public:
  ScratchDirectory() {
    const fs::path shm = "/dev/shm";
    std::error_code ec;
    const fs::path base = fs::is_directory(shm, ec) ? shm : fs::temp_directory_path();
    path_ = base / ("lusifer-fuzz-loaders-" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const fs::path& path() const noexcept { return path_; }

  // Leaves exactly the files of this input in the directory.
  void clear() const {
    for (const auto name : kFileNames)
      ::unlink((path_ / name).c_str());
  }

  void write(std::string_view name, std::string_view content) const {
    std::FILE* file = std::fopen((path_ / name).c_str(), "wb");
    LUSIFER_FUZZ_CHECK(file != nullptr, "the scratch directory is writable");
    if (!content.empty())
      std::fwrite(content.data(), 1, content.size(), file);
    std::fclose(file);
  }

 private:
  fs::path path_;
};

const ScratchDirectory& scratch() {
  static const ScratchDirectory kScratch;
  return kScratch;
}

// The allowed file name a header line names, or empty.
std::string_view file_name_of(std::string_view header) {
  if (!header.starts_with(kHeaderOpen) || !header.ends_with(kHeaderClose))
    return {};
  std::string_view path =
      header.substr(kHeaderOpen.size(), header.size() - kHeaderOpen.size() - kHeaderClose.size());
  if (const auto slash = path.rfind('/'); slash != std::string_view::npos)
    path.remove_prefix(slash + 1);
  for (const auto name : kFileNames) {
    if (path == name)
      return name;
  }
  return {};
}

struct Section {
  std::string_view name;
  std::string_view content;
};

std::vector<Section> split_sections(std::string_view input) {
  std::vector<Section> sections;
  std::size_t pos = 0;
  std::string_view current;
  std::size_t content_start = 0;
  while (pos <= input.size()) {
    const std::size_t end = std::min(input.find('\n', pos), input.size());
    const std::string_view line = input.substr(pos, end - pos);
    if (line.starts_with(kHeaderOpen)) {
      if (!current.empty())
        sections.push_back({current, input.substr(content_start, pos - content_start)});
      current = file_name_of(line);
      content_start = std::min(end + 1, input.size());
    }
    pos = end + 1;
  }
  if (!current.empty())
    sections.push_back({current, input.substr(content_start)});
  return sections;
}

void check_dataset(const Dataset& d) {
  const auto users = d.users();
  for (std::size_t u = 0; u < users.size(); ++u) {
    LUSIFER_FUZZ_CHECK(u == 0 || users[u - 1].id < users[u].id,
                       "users are indexed in ascending order of their ids");
    LUSIFER_FUZZ_CHECK(d.find_user(users[u].id) == static_cast<UserIndex>(u),
                       "every user is found by its id");
  }
  const Catalog& catalog = d.catalog();
  const auto items = catalog.items();
  const std::size_t genre_count = catalog.genre_names().size();
  LUSIFER_FUZZ_CHECK(genre_count <= 64, "at most 64 genres");
  for (std::size_t i = 0; i < items.size(); ++i) {
    LUSIFER_FUZZ_CHECK(i == 0 || items[i - 1].id < items[i].id,
                       "items are indexed in ascending order of their ids");
    LUSIFER_FUZZ_CHECK(catalog.find(items[i].id) == static_cast<ItemIndex>(i),
                       "every item is found by its id");
    LUSIFER_FUZZ_CHECK(genre_count == 64 || (items[i].genres >> genre_count) == 0,
                       "items only have genres of the catalog's vocabulary");
    LUSIFER_FUZZ_CHECK(catalog.find_by_title(items[i].title).has_value(),
                       "every item is found by its title");
  }
  const RatingTable& ratings = d.ratings();
  for (RatingIndex r = 0; r < ratings.size(); ++r) {
    LUSIFER_FUZZ_CHECK(ratings.user(r) < d.user_count(), "ratings point at real users");
    LUSIFER_FUZZ_CHECK(ratings.item(r) < catalog.size(), "ratings point at real items");
    LUSIFER_FUZZ_CHECK(d.scale().contains(ratings.value(r)), "ratings are on the dataset's scale");
  }
  const UserHistories& histories = d.histories();
  LUSIFER_FUZZ_CHECK(histories.user_count() == d.user_count(), "one history per user");
  std::size_t total = 0;
  for (UserIndex u = 0; u < d.user_count(); ++u) {
    const auto history = histories.of(u);
    total += history.size();
    for (std::size_t k = 0; k < history.size(); ++k) {
      LUSIFER_FUZZ_CHECK(history[k] < ratings.size() && ratings.user(history[k]) == u,
                         "a history holds only its user's ratings");
      if (k > 0) {
        const auto a = history[k - 1];
        const auto b = history[k];
        LUSIFER_FUZZ_CHECK(ratings.timestamp(a) < ratings.timestamp(b) ||
                               (ratings.timestamp(a) == ratings.timestamp(b) && a < b),
                           "histories run oldest first, ties in file order");
      }
    }
  }
  LUSIFER_FUZZ_CHECK(total == ratings.size(), "histories hold every rating once");
}

void check_diagnostics(const InputDiagnostics& diagnostics) {
  std::size_t by_file = 0;
  for (const auto& f : diagnostics.skipped_by_file())
    by_file += f.skipped_lines;
  LUSIFER_FUZZ_CHECK(by_file == diagnostics.skipped_lines(),
                     "skipped lines per file add up to the total");
  LUSIFER_FUZZ_CHECK(diagnostics.samples().size() <= InputDiagnostics::kMaxSamples,
                     "at most kMaxSamples messages are kept");
  LUSIFER_FUZZ_CHECK(diagnostics.lenient() || diagnostics.skipped_lines() == 0,
                     "strict mode skips nothing");
}

void load_once(const fs::path& directory, bool lenient, bool has_item_text, bool has_split) {
  InputDiagnostics diagnostics(lenient);
  try {
    Dataset dataset = load_dataset(directory, diagnostics);
    check_dataset(dataset);
    if (has_item_text) {
      const ItemTextSource source{directory / "item_text.csv", {}, {}, lenient};
      const ItemTextReport report = join_item_text(dataset, source, diagnostics);
      LUSIFER_FUZZ_CHECK(
          report.joined + report.unmatched + report.without_text + report.already_had_text <=
              report.rows,
          "each item-text row is counted at most once");
    }
    if (has_split && dataset.format() == DatasetFormat::kMovieLens100K) {
      const Split split = load_official_split(dataset, directory, "u1", diagnostics);
      for (const auto* side : {&split.train, &split.test}) {
        for (std::size_t k = 0; k < side->size(); ++k) {
          LUSIFER_FUZZ_CHECK((*side)[k] < dataset.ratings().size(),
                             "split sides hold ratings of the dataset");
          LUSIFER_FUZZ_CHECK(k == 0 || (*side)[k - 1] < (*side)[k],
                             "split sides are ascending and without repeats");
        }
      }
    }
  } catch (const InputError&) {
    // How bad input is reported.
  }
  check_diagnostics(diagnostics);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const ScratchDirectory& dir = scratch();
  dir.clear();
  bool has_item_text = false;
  bool has_split = false;
  for (const auto& section : split_sections(input)) {
    dir.write(section.name, section.content);
    has_item_text = has_item_text || section.name == "item_text.csv";
    has_split = has_split || section.name == "u1.base" || section.name == "u1.test";
  }
  load_once(dir.path(), /*lenient=*/false, has_item_text, has_split);
  load_once(dir.path(), /*lenient=*/true, has_item_text, has_split);
  return 0;
}
