// Placeholder until the 'stats' command lands.
#include "Commands.h"

#include <cstdio>

namespace ks::cli {

int cmdStats(const Args&) {
    std::fprintf(stderr, "kernscope-cli stats: not built yet\n");
    return 2;
}

} // namespace ks::cli
