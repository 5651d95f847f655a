#pragma once
// Fixture runs for the GUI tests, written with data::writeRun, and helpers to drive Qt headless.
#include "data/Run.h"

#include <functional>
#include <string>

namespace ks::test {

// A QApplication for widget tests (created once, offscreen).
void ensureApp();
// Processes events until `done` or the timeout; returns done().
bool waitUntil(const std::function<bool()>& done, int timeoutMs = 20000);

// A synthetic GPU run (kernels on streams, copies, API calls with correlation ids, nested
// ranges, a counter) with device properties for occupancy, plus sampled stacks and a tensor.
data::Run makeGuiRun(size_t kernels = 3000);
// Writes makeGuiRun() to `dir`/fixture.ksr.h5 and returns the path.
std::string writeGuiRun(const std::string& dir, size_t kernels = 3000);

} // namespace ks::test
