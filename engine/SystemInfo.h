#pragma once
// Facts about the machine the engine runs on.
#include <string>

namespace ks::engine {

// "AMD EPYC 7B13" from /proc/cpuinfo, or "cpu" when unknown.
std::string cpuModelName();
int cpuCount();

} // namespace ks::engine
