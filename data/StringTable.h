#pragma once
// Interned UTF-8 strings. Stored on disk as one byte blob plus n+1 offsets (data/RUNFILE.md).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ks::data {

class StringTable {
public:
    StringTable();
    StringTable(const StringTable& other);
    StringTable& operator=(const StringTable& other);
    StringTable(StringTable&&) noexcept = default;
    StringTable& operator=(StringTable&&) noexcept = default;

    // Returns the id of `s`, adding it when new. Id 0 is always the empty string.
    uint32_t intern(std::string_view s);
    // Id of `s` if present, else kNotFound.
    uint32_t find(std::string_view s) const;
    std::string_view get(uint32_t id) const {
        return {m_data.data() + m_offsets[id], size_t(m_offsets[id + 1] - m_offsets[id])};
    }
    size_t size() const { return m_offsets.size() - 1; }
    bool contains(uint32_t id) const { return id < size(); }

    const std::vector<char>& blob() const { return m_data; }
    const std::vector<uint64_t>& offsets() const { return m_offsets; }
    // Replaces the contents from a blob and offsets read from disk (validated by the caller).
    void assign(std::vector<char> blob, std::vector<uint64_t> offsets);

    static constexpr uint32_t kNotFound = 0xffffffffu;

private:
    void rebuildIndex();
    std::vector<char> m_data;
    std::vector<uint64_t> m_offsets;
    std::unordered_map<std::string_view, uint32_t> m_index; // views into m_data: rebuilt on growth
};

} // namespace ks::data
