#pragma once
// Streaming access to a large JSON file whose interesting part is one long array (a Chrome
// trace's traceEvents): the file is read in blocks into a window, and the scanner finds where
// each value ends (tracking strings and nesting with counters, never recursion) so that each
// element can be handed to simdjson on its own. Memory is the window (a few MB, or the largest
// single element), not the file. The window always keeps simdjson's padding after its end.
#include <algorithm>
#include "data/Result.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::data {

class JsonScanner {
public:
    // `read(buffer, capacity)` returns the number of bytes read, 0 at the end.
    using ReadFn = std::function<size_t(char*, size_t)>;
    explicit JsonScanner(ReadFn read, size_t blockBytes = size_t(4) << 20);

    // Skips whitespace; returns the next byte without consuming it, or -1 at the end of input.
    int peek();
    // Consumes one byte (after peek() returned it).
    void advance() { ++m_pos; }
    // Length of the JSON value starting at the current byte (object, array, string or scalar),
    // reading more input as needed. 0 when the input ends inside the value (truncated).
    // Nesting is counted, not recursed, so any depth is safe here.
    size_t valueLength();
    // The value at the current position (valid until the next call that reads input), with at
    // least simdjsonPadding() readable bytes after it; consume(n) moves past it.
    const char* current() const { return m_buffer.data() + m_pos; }
    size_t capacityFromCurrent() const { return m_buffer.size() - m_pos; }
    void consume(size_t n) { m_pos += std::min(n, m_end - m_pos); } // never past the data
    // Offset in the file of the current byte (for error messages).
    uint64_t offset() const { return m_base + m_pos; }
    // True when a value was longer than the largest allowed (kMaxValueBytes).
    bool valueTooLarge() const { return m_tooLarge; }

    static constexpr size_t kMaxValueBytes = size_t(1) << 30;

private:
    struct Masks;
    static Masks classify(const char* p);
    size_t stringLength(size_t at);
    size_t containerLength();
    // Makes at least `need` bytes from m_pos available; false when the input ends first.
    bool fill(size_t need);

    ReadFn m_read;
    std::vector<char> m_buffer; // [0, m_end) data, then padding
    size_t m_block, m_pos = 0, m_end = 0;
    uint64_t m_base = 0; // file offset of m_buffer[0]
    bool m_eof = false, m_tooLarge = false;
};

// A reader over an in-memory text (parsers that take a string_view).
JsonScanner::ReadFn readFromText(std::string_view text);

} // namespace ks::data
