#pragma once
// Checked arithmetic and conversions for numbers that come from files. Every size, count, offset,
// extent or timestamp read from untrusted input passes through one of these before it becomes an
// allocation, a loop bound or a stored value: overflow and out-of-range values are reported
// (std::nullopt / false), never wrapped or truncated.
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

namespace ks::data {

// a * b, or nullopt on overflow.
template <std::unsigned_integral T> constexpr std::optional<T> checkedMul(T a, T b) {
    T out{};
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}
template <std::unsigned_integral T> constexpr std::optional<T> checkedAdd(T a, T b) {
    T out{};
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}
template <std::signed_integral T> constexpr std::optional<T> checkedMul(T a, T b) {
    T out{};
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}
template <std::signed_integral T> constexpr std::optional<T> checkedAdd(T a, T b) {
    T out{};
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

// a + b and b - a held at the int64 limits instead of wrapping: sums of durations, where a
// total past 292 years is "very long", not negative.
constexpr int64_t saturatingAdd(int64_t a, int64_t b) {
    int64_t out = 0;
    if (!__builtin_add_overflow(a, b, &out)) return out;
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}
constexpr int64_t saturatingSpan(int64_t start, int64_t end) {
    int64_t out = 0;
    if (!__builtin_sub_overflow(end, start, &out)) return out;
    return end > start ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

// Product of extents (a tensor's element count, a dataset's size), or nullopt on overflow.
template <class T> constexpr std::optional<uint64_t> checkedProduct(std::span<const T> extents) {
    uint64_t n = 1;
    for (T e : extents) {
        if constexpr (std::is_signed_v<T>)
            if (e < 0) return std::nullopt;
        auto next = checkedMul<uint64_t>(n, static_cast<uint64_t>(e));
        if (!next) return std::nullopt;
        n = *next;
    }
    return n;
}

// count * elementSize bytes, checked for overflow and against what the source can hold
// (`available`, for example the file size). Use before resizing a buffer from a declared size.
constexpr std::optional<uint64_t> checkedBytes(uint64_t count, uint64_t elementSize,
                                               uint64_t available) {
    auto bytes = checkedMul<uint64_t>(count, elementSize);
    if (!bytes || *bytes > available) return std::nullopt;
    return bytes;
}

// An integer or floating value converted to integer type T when it is finite, integral-valued
// (for floating inputs: truncation toward zero is allowed only when `truncate`) and in range.
template <std::integral T, class V> constexpr std::optional<T> narrow(V v, bool truncate = true) {
    if constexpr (std::is_floating_point_v<V>) {
        if (!std::isfinite(v)) return std::nullopt;
        const long double t = std::trunc(static_cast<long double>(v));
        if (!truncate && t != static_cast<long double>(v)) return std::nullopt;
        // The bounds as long double are exact for every integer type up to 64 bits.
        if (t < static_cast<long double>(std::numeric_limits<T>::min()) ||
            t > static_cast<long double>(std::numeric_limits<T>::max()))
            return std::nullopt;
        return static_cast<T>(t);
    } else {
        if (!std::in_range<T>(v)) return std::nullopt;
        return static_cast<T>(v);
    }
}

// A time in seconds/milliseconds/microseconds (any finite double) as int64 nanoseconds, rounded
// to the nearest ns; nullopt when it does not fit.
inline std::optional<int64_t> toNanoseconds(double value, double nsPerUnit) {
    const double ns = value * nsPerUnit;
    if (!std::isfinite(ns)) return std::nullopt;
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if (ns >= 9223372036854775807.0 || ns < -9223372036854775807.0) return std::nullopt;
    return static_cast<int64_t>(std::llround(ns));
}

// Parses all of `text` as a base-10 integer of type T; nullopt on junk or out of range.
template <std::integral T> std::optional<T> parseInteger(std::string_view text) {
    T out{};
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
    return out;
}

// Parses all of `text` as a finite double; nullopt on junk, overflow or non-finite values.
inline std::optional<double> parseFinite(std::string_view text) {
    double out = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, out);
    if (ec != std::errc() || p != end || text.empty() || !std::isfinite(out)) return std::nullopt;
    return out;
}

} // namespace ks::data
