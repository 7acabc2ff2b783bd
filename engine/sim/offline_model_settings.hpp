#pragma once

// The [llm.offline] section of the configuration: how the offline model
// (backend = "offline", offline_user_model.hpp) keeps what it fits.
//
//   [llm.offline]
//   factor_precision = "single"   # or "half": the users' SVD factors in
//                                 # 2 bytes each (results change slightly)
//
// Every key is optional; the other options keep their defaults. The section
// is read whatever the backend, so a config can switch backends without
// edits. Reading follows config_file.hpp: wrong types, unknown values and
// unknown keys are ConfigErrors naming file and line.

#include "engine/config/config_file.hpp"
#include "engine/sim/offline_user_model.hpp"

namespace lusifer {

OfflineModelOptions read_offline_model_options(ConfigFile& file);

}  // namespace lusifer
