#pragma once
// Helpers for the importer tests: the shared real files, the Python oracle, and reading a
// run's tables back as rows.
#include "data/Run.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace ks::test {

// Exit code CTest reports as "skipped" (SKIP_RETURN_CODE in tests/import/CMakeLists.txt).
constexpr int kSkipped = 77;

// shared/thirdparty/<relative>; exits the test process with kSkipped when the folder is absent
// (a fresh clone without the shared material). KS_THIRDPARTY_DIR overrides the location.
std::string thirdParty(const std::string& relative);
// tests/import/oracle.py KIND FILE, parsed.
nlohmann::json oracle(const std::string& kind, const std::string& path);

// Root-to-leaf frame names of a stack node joined with ';'.
std::string stackPath(const data::Run& run, uint32_t node);
// Sum of sample weights per stack path (optionally only one thread or event).
std::map<std::string, uint64_t> foldedWeights(const data::Run& run);

} // namespace ks::test
