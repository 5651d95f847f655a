#include "data/import/Csv.h"

namespace ks::data {

CsvReader::CsvReader(std::string_view text) : m_text(text) {
    if (m_text.starts_with("\xEF\xBB\xBF")) m_pos = 3;
}

void CsvReader::skipBlankLines() {
    while (m_pos < m_text.size() && (m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
        if (m_text[m_pos] == '\n') ++m_line;
        ++m_pos;
    }
}

std::optional<char> CsvReader::peek() {
    skipBlankLines();
    if (m_pos >= m_text.size()) return std::nullopt;
    return m_text[m_pos];
}

void CsvReader::skipLine() {
    const size_t end = m_text.find('\n', m_pos);
    m_pos = end == std::string_view::npos ? m_text.size() : end + 1;
    ++m_line;
}

bool CsvReader::next(std::vector<std::string_view>& fields) {
    fields.clear();
    m_storage.clear();
    m_spans.clear();
    m_unterminated = false;
    skipBlankLines();
    if (m_pos >= m_text.size()) return false;
    m_recordLine = m_line;
    size_t fieldStart = 0;
    bool quoted = false, afterQuote = false;
    for (;;) {
        if (m_pos >= m_text.size()) {
            m_unterminated = quoted;
            break;
        }
        const char c = m_text[m_pos++];
        if (quoted) {
            if (c == '"') {
                if (m_pos < m_text.size() && m_text[m_pos] == '"') {
                    m_storage += '"';
                    ++m_pos;
                } else {
                    quoted = false;
                    afterQuote = true;
                }
            } else {
                if (c == '\n') ++m_line;
                m_storage += c;
            }
            continue;
        }
        if (c == ',') {
            m_spans.emplace_back(fieldStart, m_storage.size());
            fieldStart = m_storage.size();
            afterQuote = false;
        } else if (c == '\n') {
            ++m_line;
            break;
        } else if (c == '\r') {
            if (m_pos < m_text.size() && m_text[m_pos] == '\n') continue; // CRLF: '\n' ends it
            break;
        } else if (c == '"' && m_storage.size() == fieldStart && !afterQuote) {
            quoted = true;
        } else {
            m_storage += c; // bytes after a closing quote are kept, as most readers do
        }
    }
    m_spans.emplace_back(fieldStart, m_storage.size());
    fields.reserve(m_spans.size());
    for (const auto& [begin, end] : m_spans)
        fields.emplace_back(m_storage.data() + begin, end - begin);
    return true;
}

CsvHeader::CsvHeader(const std::vector<std::string_view>& names) {
    for (std::string_view n : names) {
        while (!n.empty() && n.front() == ' ') n.remove_prefix(1);
        while (!n.empty() && (n.back() == ' ' || n.back() == '\r')) n.remove_suffix(1);
        m_names.emplace_back(n);
    }
    for (size_t i = 0; i < m_names.size(); ++i) m_index.emplace(m_names[i], i);
}

std::optional<size_t> CsvHeader::find(std::initializer_list<std::string_view> names) const {
    for (std::string_view wanted : names)
        if (auto it = m_index.find(wanted); it != m_index.end()) return it->second;
    return std::nullopt;
}

} // namespace ks::data
