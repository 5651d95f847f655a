#include "data/import/JsonScan.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ks::data {
namespace {

constexpr std::array<bool, 256> makeTable(std::string_view chars) {
    std::array<bool, 256> t{};
    for (char c : chars) t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr auto kStringSpecial = makeTable("\"\\");
constexpr auto kScalarEnd = makeTable(",]} \t\r\n");

uint64_t prefixXor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

// Bits of the bytes escaped by a backslash (simdjson's odd-length backslash sequence rule);
// `prevEscaped` carries an escape across blocks.
uint64_t findEscaped(uint64_t backslash, uint64_t& prevEscaped) {
    backslash &= ~prevEscaped;
    const uint64_t followsEscape = backslash << 1 | prevEscaped;
    constexpr uint64_t kEvenBits = 0x5555555555555555ULL;
    const uint64_t oddSequenceStarts = backslash & ~kEvenBits & ~followsEscape;
    uint64_t sequencesStartingOnEvenBits = 0;
    prevEscaped =
        __builtin_add_overflow(oddSequenceStarts, backslash, &sequencesStartingOnEvenBits);
    const uint64_t invertMask = sequencesStartingOnEvenBits << 1;
    return (kEvenBits ^ invertMask) & followsEscape;
}

} // namespace

struct JsonScanner::Masks {
    uint64_t quote = 0, backslash = 0, open = 0, close = 0;
};

// Bit i set when byte i of the 64 at `p` is a quote, backslash, opening or closing bracket.
JsonScanner::Masks JsonScanner::classify(const char* p) {
    Masks m;
#if defined(__SSE2__)
    for (int k = 0; k < 4; ++k) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
        auto bits = [&](char c) {
            return uint64_t(unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_set1_epi8(c)))))
                   << (16 * k);
        };
        m.quote |= bits('"');
        m.backslash |= bits('\\');
        m.open |= bits('{') | bits('[');
        m.close |= bits('}') | bits(']');
    }
#else
    for (int k = 0; k < 64; ++k) {
        const uint64_t bit = uint64_t(1) << k;
        switch (p[k]) {
        case '"':
            m.quote |= bit;
            break;
        case '\\':
            m.backslash |= bit;
            break;
        case '{':
        case '[':
            m.open |= bit;
            break;
        case '}':
        case ']':
            m.close |= bit;
            break;
        default:
            break;
        }
    }
#endif
    return m;
}

namespace {} // namespace

JsonScanner::JsonScanner(ReadFn read, size_t blockBytes)
    : m_read(std::move(read)), m_block(std::max<size_t>(blockBytes, 4096)) {
    m_buffer.resize(m_block + simdjson::SIMDJSON_PADDING);
}

bool JsonScanner::fill(size_t need) {
    while (m_end - m_pos < need) {
        if (m_eof) return false;
        if (m_pos > 0) { // drop what was consumed
            std::memmove(m_buffer.data(), m_buffer.data() + m_pos, m_end - m_pos);
            m_base += m_pos;
            m_end -= m_pos;
            m_pos = 0;
        }
        const size_t room = m_buffer.size() - simdjson::SIMDJSON_PADDING - m_end;
        if (room < m_block / 2) { // one value longer than the window: grow it
            if (m_buffer.size() > kMaxValueBytes + m_block) {
                m_tooLarge = true;
                return false;
            }
            m_buffer.resize(m_buffer.size() + m_block);
            continue;
        }
        const size_t got = m_read(m_buffer.data() + m_end, room);
        if (got == 0) m_eof = true;
        m_end += got;
        std::memset(m_buffer.data() + m_end, ' ', simdjson::SIMDJSON_PADDING);
    }
    return true;
}

int JsonScanner::peek() {
    for (;;) {
        while (m_pos < m_end) {
            const char c = m_buffer[m_pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
                return static_cast<unsigned char>(c);
            ++m_pos;
        }
        if (!fill(1)) return -1;
    }
}

size_t JsonScanner::valueLength() {
    if (!fill(1)) return 0;
    const char first = m_buffer[m_pos];
    size_t i = m_pos; // absolute index into m_buffer; re-based after each fill
    auto refill = [&](size_t extra = 1) {
        // fill() may move the window even when it fails: rebase `i` either way.
        const size_t rel = i - m_pos;
        const bool more = fill(rel + extra);
        i = m_pos + rel;
        return more;
    };
    if (first != '{' && first != '[' && first != '"') { // a scalar: up to the next delimiter
        for (;;) {
            while (i < m_end && !kScalarEnd[static_cast<unsigned char>(m_buffer[i])]) ++i;
            if (i < m_end) return i - m_pos;
            if (!refill()) return m_eof && !m_tooLarge && i > m_pos ? i - m_pos : 0;
        }
    }
    if (first == '"') return stringLength(i);
    return containerLength();
}

size_t JsonScanner::stringLength(size_t i) {
    for (++i;;) {
        const char* p = m_buffer.data();
        while (i < m_end && !kStringSpecial[static_cast<unsigned char>(p[i])]) ++i;
        if (i + 1 < m_end) {
            if (p[i] == '"') return i + 1 - m_pos;
            i += 2; // a backslash and the byte it escapes
            continue;
        }
        const size_t rel = i - m_pos;
        const bool more = fill(rel + 2);
        i = m_pos + rel; // fill() may move the window even when it fails
        if (!more) {
            if (i < m_end && m_buffer[i] == '"') return i + 1 - m_pos; // the string ends the input
            return 0;
        }
    }
}

// An object or array, 64 bytes at a time, the way simdjson's stage 1 finds structure: bit masks
// of quotes, backslashes and brackets; escaped quotes removed; a prefix-XOR of the quotes marks
// the bytes inside strings; brackets outside strings change the depth.
size_t JsonScanner::containerLength() {
    size_t i = m_pos; // start of the current 64-byte block
    uint64_t prevEscaped = 0, prevInString = 0;
    int64_t depth = 0;
    for (;;) {
        if (m_end - i < 64) { // whole blocks only, so escapes carry over correctly
            const size_t rel = i - m_pos;
            const bool more = fill(rel + 64);
            i = m_pos + rel;
            if (!more && i >= m_end) return 0;
        }
        const char* p = m_buffer.data() + i;
        const size_t valid = std::min<size_t>(64, m_end - i); // the padding holds the rest
        Masks m = classify(p);
        const uint64_t live = valid == 64 ? ~uint64_t(0) : (uint64_t(1) << valid) - 1;
        const uint64_t escaped = findEscaped(m.backslash & live, prevEscaped);
        const uint64_t quotes = m.quote & live & ~escaped;
        const uint64_t inString = prefixXor(quotes) ^ prevInString;
        prevInString = uint64_t(int64_t(inString) >> 63);
        uint64_t brackets = (m.open | m.close) & live & ~inString;
        while (brackets) {
            const int bit = __builtin_ctzll(brackets);
            brackets &= brackets - 1;
            if ((m.open >> bit) & 1)
                ++depth;
            else if (--depth <= 0)
                return i + size_t(bit) + 1 - m_pos;
        }
        i += valid;
    }
}

JsonScanner::ReadFn readFromText(std::string_view text) {
    return [text, at = size_t(0)](char* out, size_t capacity) mutable {
        const size_t n = std::min(capacity, text.size() - at);
        std::memcpy(out, text.data() + at, n);
        at += n;
        return n;
    };
}

} // namespace ks::data
