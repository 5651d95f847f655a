#include "data/reference/NpyHeader.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ks::data::npy {
namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// A tiny reader for the Python dict literal NumPy writes:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class Literal {
public:
    explicit Literal(std::string_view s) : m_s(s) {}
    void skipSpace() {
        while (m_pos < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_pos]))) ++m_pos;
    }
    bool eat(char c) {
        skipSpace();
        if (m_pos < m_s.size() && m_s[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    bool peek(char c) {
        skipSpace();
        return m_pos < m_s.size() && m_s[m_pos] == c;
    }
    bool string(std::string& out) {
        skipSpace();
        if (m_pos >= m_s.size() || (m_s[m_pos] != '\'' && m_s[m_pos] != '"')) return false;
        const char q = m_s[m_pos++];
        const size_t end = m_s.find(q, m_pos);
        if (end == std::string_view::npos) return false;
        out = std::string(m_s.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return true;
    }
    bool word(std::string& out) {
        skipSpace();
        const size_t start = m_pos;
        while (m_pos < m_s.size() && std::isalnum(static_cast<unsigned char>(m_s[m_pos]))) ++m_pos;
        out = std::string(m_s.substr(start, m_pos - start));
        return !out.empty();
    }
    bool integer(int64_t& out) {
        skipSpace();
        const size_t start = m_pos;
        uint64_t v = 0;
        while (m_pos < m_s.size() && std::isdigit(static_cast<unsigned char>(m_s[m_pos]))) {
            const uint64_t d = uint64_t(m_s[m_pos] - '0');
            if (v > (uint64_t(INT64_MAX) - d) / 10) return false;
            v = v * 10 + d;
            ++m_pos;
        }
        if (m_pos == start) return false;
        if (m_pos < m_s.size() && (m_s[m_pos] == 'L' || m_s[m_pos] == 'l')) ++m_pos; // Python 2
        out = int64_t(v);
        return true;
    }

private:
    std::string_view m_s;
    size_t m_pos = 0;
};

uint32_t readLe(const std::byte* p, int n) {
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint32_t(p[i]);
    return v;
}

Result<DType> parseDescr(const std::string& descr, bool& bigEndian, const std::string& where) {
    bigEndian = false;
    if (descr.find('O') != std::string::npos)
        return makeError(where + ": object array (pickled Python objects) refused: "
                                 "save numeric arrays only");
    if (descr.size() < 3) return makeError(where + ": unknown dtype '" + descr + "'");
    const char order = descr[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return makeError(where + ": unknown byte order in dtype '" + descr + "'");
    const std::string code = descr.substr(1);
    bigEndian = order == '>';
    static const struct {
        const char* code;
        DType type;
    } kCodes[] = {{"f2", DType::F16},
                  {"f4", DType::F32},
                  {"f8", DType::F64},
                  {"i1", DType::I8},
                  {"i2", DType::I16},
                  {"i4", DType::I32},
                  {"i8", DType::I64},
                  {"u1", DType::U8},
                  {"u2", DType::U16},
                  {"u4", DType::U32},
                  {"u8", DType::U64},
                  {"b1", DType::Bool},
                  // ml_dtypes' bfloat16 is saved as a 2-byte void type.
                  {"V2", DType::BF16}};
    for (const auto& c : kCodes)
        if (code == c.code) return c.type;
    return makeError(where + ": unsupported dtype '" + descr + "'");
}

} // namespace

bool shapeBytes(const std::vector<int64_t>& shape, size_t itemSize, size_t& bytes) {
    uint64_t n = itemSize;
    for (int64_t d : shape) {
        if (d < 0) return false;
        if (__builtin_mul_overflow(n, uint64_t(d), &n)) return false;
    }
    // Keep sizes representable as int64 element counts and as ptrdiff_t.
    if (n > uint64_t(INT64_MAX)) return false;
    bytes = size_t(n);
    return true;
}

Result<size_t> headerEnd(const std::byte* data, size_t size, const std::string& where) {
    if (size < 10 || std::memcmp(data, kMagic, 6) != 0)
        return makeError(where + ": not a .npy file (bad magic)");
    const int major = int(data[6]);
    if (major == 1) return size_t(10) + readLe(data + 8, 2);
    if (major == 2 || major == 3) {
        if (size < 12) return makeError(where + ": truncated .npy preamble");
        return size_t(12) + readLe(data + 8, 4);
    }
    return makeError(where + ": unsupported .npy format version " + std::to_string(major) + "." +
                     std::to_string(int(data[7])));
}

Result<Header> parseHeader(const std::byte* data, size_t size, const std::string& where) {
    auto end = headerEnd(data, size, where);
    if (!end) return end.error();
    const size_t start = int(data[6]) == 1 ? 10 : 12;
    if (end.value() > size)
        return makeError(where + ": truncated: header needs " + std::to_string(end.value()) +
                         " bytes, file has " + std::to_string(size));
    const std::string_view text(reinterpret_cast<const char*>(data) + start, end.value() - start);
    Header h;
    h.dataOffset = end.value();
    Literal lit(text);
    if (!lit.eat('{')) return makeError(where + ": malformed header (no dictionary)");
    bool haveDescr = false, haveOrder = false, haveShape = false;
    while (!lit.eat('}')) {
        std::string key;
        if (!lit.string(key) || !lit.eat(':'))
            return makeError(where + ": malformed header (expected 'key':)");
        if (key == "descr") {
            std::string descr;
            if (lit.peek('['))
                return makeError(where + ": structured dtype (record array) not supported");
            if (!lit.string(descr)) return makeError(where + ": malformed header (descr)");
            auto t = parseDescr(descr, h.bigEndian, where);
            if (!t) return t.error();
            h.dtype = t.value();
            haveDescr = true;
        } else if (key == "fortran_order") {
            std::string w;
            if (!lit.word(w) || (w != "True" && w != "False"))
                return makeError(where + ": malformed header (fortran_order)");
            h.fortranOrder = w == "True";
            haveOrder = true;
        } else if (key == "shape") {
            if (!lit.eat('(')) return makeError(where + ": malformed header (shape)");
            while (!lit.eat(')')) {
                int64_t d;
                if (!lit.integer(d)) return makeError(where + ": malformed header (shape)");
                h.shape.push_back(d);
                if (!lit.eat(',') && !lit.peek(')'))
                    return makeError(where + ": malformed header (shape)");
            }
            haveShape = true;
        } else {
            return makeError(where + ": malformed header (unknown key '" + key + "')");
        }
        if (!lit.eat(',') && !lit.peek('}')) return makeError(where + ": malformed header");
    }
    if (!haveDescr || !haveOrder || !haveShape)
        return makeError(where + ": malformed header (needs descr, fortran_order and shape)");
    if (!shapeBytes(h.shape, dtypeSize(h.dtype), h.dataBytes))
        return makeError(where + ": shape too large (element count overflows)");
    if (h.dtype == DType::BF16 && h.bigEndian) h.bigEndian = false; // void: no byte order
    return h;
}

void normalise(Tensor& t, const Header& h) {
    const size_t item = dtypeSize(t.dtype);
    if (h.bigEndian && item > 1) {
        for (size_t i = 0; i < t.bytes.size(); i += item)
            std::reverse(t.bytes.begin() + ptrdiff_t(i), t.bytes.begin() + ptrdiff_t(i + item));
    }
    if (t.dtype == DType::Bool)
        for (auto& b : t.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
    const size_t nd = t.shape.size();
    if (!h.fortranOrder || nd < 2 || t.bytes.empty()) return;
    // Fortran order: element (i0, ..., in-1) sits at sum(i_k * fstride_k), fstride_0 = 1.
    std::vector<size_t> fstride(nd, 1);
    for (size_t k = 1; k < nd; ++k) fstride[k] = fstride[k - 1] * size_t(t.shape[k - 1]);
    std::vector<std::byte> out(t.bytes.size());
    std::vector<int64_t> idx(nd, 0);
    size_t src = 0;
    const size_t n = size_t(t.numel());
    for (size_t i = 0; i < n; ++i) {
        std::memcpy(out.data() + i * item, t.bytes.data() + src * item, item);
        // Advance the C-order odometer, keeping the Fortran offset in step.
        for (size_t k = nd; k-- > 0;) {
            if (++idx[k] < t.shape[k]) {
                src += fstride[k];
                break;
            }
            src -= fstride[k] * size_t(idx[k] - 1);
            idx[k] = 0;
        }
    }
    t.bytes = std::move(out);
}

} // namespace ks::data::npy
