// Placeholder until the 'record' command lands.
#include "Commands.h"

#include <cstdio>

namespace ks::cli {

int cmdRecord(const Args&) {
    std::fprintf(stderr, "kernscope-cli record: not built yet\n");
    return 2;
}

} // namespace ks::cli
