#include "SystemInfo.h"

#include <fstream>
#include <thread>

namespace ks::engine {

std::string cpuModelName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) break;
        const auto begin = line.find_first_not_of(" \t", colon + 1);
        if (begin == std::string::npos) break;
        return line.substr(begin);
    }
    return "cpu";
}

int cpuCount() {
    const unsigned n = std::thread::hardware_concurrency();
    return n ? int(n) : 1;
}

} // namespace ks::engine
