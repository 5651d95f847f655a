// Placeholder until the 'export' command lands.
#include "Commands.h"

#include <cstdio>

namespace ks::cli {

int cmdExport(const Args&) {
    std::fprintf(stderr, "kernscope-cli export: not built yet\n");
    return 2;
}

} // namespace ks::cli
