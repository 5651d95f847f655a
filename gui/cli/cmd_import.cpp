// Placeholder until the 'import' command lands.
#include "Commands.h"

#include <cstdio>

namespace ks::cli {

int cmdImport(const Args&) {
    std::fprintf(stderr, "kernscope-cli import: not built yet\n");
    return 2;
}

} // namespace ks::cli
