// Placeholder until the 'compare' command lands.
#include "Commands.h"

#include <cstdio>

namespace ks::cli {

int cmdCompare(const Args&) {
    std::fprintf(stderr, "kernscope-cli compare: not built yet\n");
    return 2;
}

} // namespace ks::cli
