#include "engine/sim/offline_model_settings.hpp"

namespace lusifer {

OfflineModelOptions read_offline_model_options(ConfigFile& file) {
  OfflineModelOptions options;
  ConfigSection offline = file.section("llm.offline");
  options.factor_precision =
      offline.get_enum("factor_precision", options.factor_precision,
                       {{"single", FloatPrecision::kSingle}, {"half", FloatPrecision::kHalf}});
  return options;
}

}  // namespace lusifer
