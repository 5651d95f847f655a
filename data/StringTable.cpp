#include "data/StringTable.h"

namespace ks::data {

StringTable::StringTable() : m_offsets{0} { intern(""); }

StringTable::StringTable(const StringTable& other)
    : m_data(other.m_data), m_offsets(other.m_offsets) {
    rebuildIndex();
}

StringTable& StringTable::operator=(const StringTable& other) {
    if (this != &other) {
        m_data = other.m_data;
        m_offsets = other.m_offsets;
        rebuildIndex();
    }
    return *this;
}

uint32_t StringTable::intern(std::string_view s) {
    if (auto it = m_index.find(s); it != m_index.end()) return it->second;
    const char* before = m_data.data();
    m_data.insert(m_data.end(), s.begin(), s.end());
    m_offsets.push_back(m_data.size());
    const auto id = uint32_t(size() - 1);
    if (m_data.data() != before) {
        rebuildIndex(); // the keys are views into m_data, which just moved
    } else {
        m_index.emplace(get(id), id);
    }
    return id;
}

uint32_t StringTable::find(std::string_view s) const {
    auto it = m_index.find(s);
    return it == m_index.end() ? kNotFound : it->second;
}

void StringTable::assign(std::vector<char> blob, std::vector<uint64_t> offsets) {
    m_data = std::move(blob);
    m_offsets = std::move(offsets);
    if (m_offsets.empty()) m_offsets.push_back(0);
    rebuildIndex();
}

void StringTable::rebuildIndex() {
    m_index.clear();
    m_index.reserve(size() * 2);
    for (uint32_t i = 0; i < size(); ++i) m_index.emplace(get(i), i); // first id wins
}

} // namespace ks::data
