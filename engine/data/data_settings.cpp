#include "engine/data/data_settings.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "engine/data/dataset_loader.hpp"
#include "engine/data/movielens_latest_loader.hpp"

namespace lusifer {

SyntheticWorldOptions read_world_options(ConfigSection s) {
  SyntheticWorldOptions w;
  w.users = static_cast<std::uint64_t>(s.get_int("users", static_cast<std::int64_t>(w.users), 1, 100'000'000));
  w.items = static_cast<std::uint64_t>(s.get_int("items", static_cast<std::int64_t>(w.items), 2, 10'000'000));
  w.seed = static_cast<std::uint64_t>(s.get_int("seed", static_cast<std::int64_t>(w.seed), 0,
                                                std::numeric_limits<std::int64_t>::max()));
  w.mean_ratings_per_user = s.get_double("mean_ratings", w.mean_ratings_per_user, 1.0, 1e6);
  w.min_ratings_per_user =
      static_cast<std::uint32_t>(s.get_int("min_ratings", w.min_ratings_per_user, 1, 1'000'000));
  w.max_ratings_per_user =
      static_cast<std::uint32_t>(s.get_int("max_ratings", w.max_ratings_per_user, 1, 100'000'000));
  w.rating_noise = s.get_double("noise", w.rating_noise, 0.0, 10.0);
  w.drift_strength = s.get_double("drift", w.drift_strength, 0.0, 10.0);
  w.taste_selectivity = s.get_double("selectivity", w.taste_selectivity, 0.0, 100.0);
  w.candidates_per_rating =
      static_cast<std::uint32_t>(s.get_int("candidates", w.candidates_per_rating, 1, 10'000));
  w.global_mean = s.get_double("global_mean", w.global_mean, 0.0, 5.0);
  w.demographic_effect = s.get_double("demographic_effect", w.demographic_effect, 0.0, 10.0);
  w.tag_rate = s.get_double("tag_rate", w.tag_rate, 0.0, 100.0);
  w.time_span_days =
      static_cast<std::uint32_t>(s.get_int("span_days", w.time_span_days, 1, 100'000));
  try {
    validate(w);
  } catch (const std::invalid_argument& e) {
    throw s.invalid("users", "consistent world settings", e.what());
  }
  return w;
}

DataSettings read_data_settings(ConfigFile& file) {
  DataSettings d;
  ConfigSection data = file.section("data");
  d.synthetic = data.get_choice("source", "synthetic", {"synthetic", "directory"}) == "synthetic";
  d.world = read_world_options(file.section("world"));
  if (d.synthetic) {
    d.source.directory = data.get<std::filesystem::path>("path", "runs/world");
    d.source.format = DatasetFormat::kMovieLensLatest;
  } else {
    d.source.directory = data.require<std::filesystem::path>("path");
    const auto format = data.get<std::string>("format", "auto");
    try {
      d.source.format = parse_format_name(format);
    } catch (const std::invalid_argument& e) {
      throw data.invalid("format", "auto, movielens-100k, movielens-1m or movielens-latest",
                         fmt::format("\"{}\"", format));
    }
  }
  d.source.lenient = data.get<bool>("lenient", false);
  for (ConfigSection text : data.tables("item_text")) {
    ItemTextSource source;
    source.file = text.require<std::filesystem::path>("file");
    source.key_column = text.get<std::string>("key_column", "");
    source.text_columns = text.get<std::vector<std::string>>("text_columns", {});
    source.overwrite = text.get<bool>("overwrite", false);
    d.source.item_texts.push_back(std::move(source));
  }
  ConfigSection split = data.section("split");
  d.split.method = split.get_enum("method", SplitMethod::kHoldout,
                                  {{"official", SplitMethod::kOfficial},
                                   {"holdout", SplitMethod::kHoldout},
                                   {"kfold", SplitMethod::kKFold}});
  d.split.official_name = split.get<std::string>("name", "u1");
  d.split.holdout_k = static_cast<std::size_t>(split.get_int("k", 10, 1, 1'000'000));
  d.split.folds = static_cast<std::size_t>(split.get_int("folds", 5, 2, 1000));
  d.split.fold = static_cast<std::size_t>(split.get_int("fold", 1, 1, 1000));
  d.split.seed = static_cast<std::uint64_t>(split.get_int("seed", 42, 0, std::numeric_limits<std::int64_t>::max()));
  if (d.split.fold > d.split.folds) {
    throw split.invalid("fold", fmt::format("a fold from 1 to {}", d.split.folds),
                        std::to_string(d.split.fold));
  }
  return d;
}

}  // namespace lusifer
