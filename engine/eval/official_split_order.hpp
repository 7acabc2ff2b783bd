#pragma once

// The official split files of MovieLens 100K (u1..u5, ua, ub) with each side
// listed in the order of its file, not in rating-index order.
//
// Why: the Lusifer protocol caps the test side at the first 10 rows per user
// "in u1.test file order" (the authors' pandas `head(10)`), and u1.test is
// sorted by user and then item, whereas u.data, which fixes rating indices,
// is not sorted at all. The authors' "last 40 training ratings" also broke
// timestamp ties in u1.base order (a stable sort of u1.base by user and time).
//
// Guarantees: the same ratings as load_official_split (which does all the
// checking and reports every bad line through `diagnostics`); only the order
// differs. A rating listed twice in a file keeps its first line, as there.
// Errors: those of load_official_split.

#include <filesystem>
#include <string_view>

#include "engine/core/input_error.hpp"
#include "engine/data/dataset.hpp"
#include "engine/data/split.hpp"

namespace lusifer {

Split load_official_split_in_file_order(const Dataset& dataset,
                                        const std::filesystem::path& directory,
                                        std::string_view name, InputDiagnostics& diagnostics);

}  // namespace lusifer
