#pragma once
// A small RFC 4180 CSV reader for importers (rocprof, Nsight Compute): comma-separated fields,
// optional double quotes ("" inside quotes is one quote; quoted fields may span lines), CRLF or
// LF line ends, a UTF-8 byte-order mark skipped. Records are read one at a time; field views
// stay valid until the next call. A quote left open at the end of the input ends the field and
// marks the record `unterminated`. No size limits beyond the input: a record is never larger
// than the text it comes from.
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ks::data {

class CsvReader {
public:
    explicit CsvReader(std::string_view text);

    // Reads the next record into `fields`; false at the end of the input. Blank lines are
    // skipped.
    bool next(std::vector<std::string_view>& fields);
    // 1-based line where the last record started, for error messages.
    size_t line() const { return m_recordLine; }
    // True when the last record ended inside an open quote (a truncated file).
    bool unterminated() const { return m_unterminated; }
    // Byte offset of the next unread byte.
    size_t offset() const { return m_pos; }
    // The first byte of the next record (blank lines skipped), nullopt at the end of the input:
    // lets a reader pass over a tool's own lines around its CSV with skipLine().
    std::optional<char> peek();
    // Passes over the rest of the current line without reading it as CSV.
    void skipLine();

private:
    void skipBlankLines();

    std::string_view m_text;
    size_t m_pos = 0, m_line = 1, m_recordLine = 0;
    bool m_unterminated = false;
    std::string m_storage; // the unescaped fields of the current record
    std::vector<std::pair<size_t, size_t>> m_spans;
};

// Column lookup by name in a header record.
class CsvHeader {
public:
    CsvHeader() = default;
    explicit CsvHeader(const std::vector<std::string_view>& names);
    // The index points into the names: not copyable or movable.
    CsvHeader(const CsvHeader&) = delete;
    CsvHeader& operator=(const CsvHeader&) = delete;
    // Index of the first of `names` present (names compared exactly, after trimming spaces).
    std::optional<size_t> find(std::initializer_list<std::string_view> names) const;
    bool has(std::string_view name) const { return find({name}).has_value(); }
    size_t size() const { return m_names.size(); }

private:
    std::vector<std::string> m_names;
    std::unordered_map<std::string_view, size_t> m_index; // first column of each name
};

} // namespace ks::data
