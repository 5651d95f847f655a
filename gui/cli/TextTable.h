#pragma once
// Plain-text tables for the command line's reports (stats, diff).
#include <algorithm>
#include <string>
#include <vector>

namespace ks::cli {

// Display width of UTF-8 text ("µs" is two bytes, one column).
inline size_t displayWidth(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

// Columns right-aligned except the last (the name), which is left as is.
struct TextTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;

    std::string render() const {
        std::vector<size_t> width(header.size());
        for (size_t c = 0; c < header.size(); ++c) width[c] = displayWidth(header[c]);
        for (const auto& r : rows)
            for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], displayWidth(r[c]));
        std::string out;
        auto line = [&](const std::vector<std::string>& cells) {
            for (size_t c = 0; c < cells.size(); ++c) {
                const bool last = c + 1 == cells.size();
                const std::string pad(width[c] - displayWidth(cells[c]), ' ');
                out += last ? cells[c] : pad + cells[c] + "  ";
            }
            out += "\n";
        };
        line(header);
        std::vector<std::string> rule;
        for (size_t c = 0; c < header.size(); ++c) rule.push_back(std::string(width[c], '-'));
        line(rule);
        for (const auto& r : rows) line(r);
        return out;
    }
};

} // namespace ks::cli
