#pragma once
// `kernscope --bench-timeline RUN`: frame times (layout + paint) at several zoom levels.
#include <QString>

#include <cstdio>

namespace ks::gui {

// Prints a table to `out`; returns a process exit code.
int benchTimeline(const QString& path, int width, int height, std::FILE* out);

} // namespace ks::gui
