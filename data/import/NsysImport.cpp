#include "data/import/NsysImport.h"

#include "data/Checked.h"
#include "data/import/ImportSupport.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ks::data {
namespace {

// ---------------------------------------------------------------- SQLite, defensively

struct DbClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbClose>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

constexpr int kMaxTextBytes = 16 << 20; // longer strings or blobs are refused by SQLite itself

// A database from a hostile file: no triggers, views, schema-defined functions or writes.
void harden(sqlite3* db) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, kMaxTextBytes);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
}

// "file:" URI for a path: everything but unreserved characters and '/' percent-encoded.
std::string fileUri(const std::string& path) {
    std::string out = "file:";
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out + "?immutable=1";
}

Result<Db> openFile(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(fileUri(path).c_str(), &raw,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
    Db db(raw);
    if (rc != SQLITE_OK)
        return Error{
            path + ": cannot open as SQLite: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
    harden(db.get());
    return db;
}

Result<Db> openBytes(std::string_view bytes, const std::string& source) {
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
        sqlite3_close_v2(raw);
        return Error{source + ": cannot open an in-memory SQLite database"};
    }
    Db db(raw);
    harden(db.get());
    auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(std::max<size_t>(bytes.size(), 1)));
    if (!copy) return Error{source + ": out of memory"};
    if (!bytes.empty()) std::memcpy(copy, bytes.data(), bytes.size());
    const int rc = sqlite3_deserialize(
        db.get(), "main", copy, sqlite3_int64(bytes.size()), sqlite3_int64(bytes.size()),
        SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    if (rc != SQLITE_OK) return Error{source + ": not an SQLite database"};
    return db;
}

// The names of the real tables (not views, not virtual tables) and each one's columns.
struct Schema {
    std::map<std::string, std::set<std::string>> tables;
    bool has(const std::string& table) const { return tables.count(table) > 0; }
    bool has(const std::string& table, const std::string& column) const {
        auto it = tables.find(table);
        return it != tables.end() && it->second.count(column) > 0;
    }
};

std::string quoteIdentifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

Result<Stmt> prepare(sqlite3* db, const std::string& sql, const std::string& source) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), int(sql.size()), &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return Error{source + ": " + sqlite3_errmsg(db)};
    }
    return Stmt(raw);
}

std::string_view textAt(sqlite3_stmt* s, int col) {
    if (sqlite3_column_type(s, col) != SQLITE_TEXT) return {};
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
    const int n = sqlite3_column_bytes(s, col);
    return p && n > 0 ? std::string_view(p, size_t(n)) : std::string_view{};
}

Result<Schema> readSchema(sqlite3* db, const std::string& source) {
    auto tables = prepare(db,
                          "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT "
                          "LIKE 'sqlite_%'",
                          source);
    if (!tables) return tables.error();
    Schema schema;
    int rc;
    while ((rc = sqlite3_step(tables->get())) == SQLITE_ROW) {
        const std::string name(textAt(tables->get(), 0));
        const std::string_view sql = textAt(tables->get(), 1);
        if (name.empty() || sql.starts_with("CREATE VIRTUAL")) continue;
        schema.tables[name];
    }
    if (rc != SQLITE_DONE) return Error{source + ": unreadable schema: " + sqlite3_errmsg(db)};
    for (auto& [name, columns] : schema.tables) {
        auto info = prepare(db, "PRAGMA table_info(" + quoteIdentifier(name) + ")", source);
        if (!info) return info.error();
        while ((rc = sqlite3_step(info->get())) == SQLITE_ROW)
            columns.insert(std::string(textAt(info->get(), 1)));
        if (rc != SQLITE_DONE)
            return Error{source + ": " + name + ": unreadable columns: " + sqlite3_errmsg(db)};
    }
    return schema;
}

// ---------------------------------------------------------------- reading one table

// SELECT of named columns of one table; absent optional columns read as NULL. Values are checked
// by type: an INTEGER column holding text makes the row bad, not a number.
class TableRows {
public:
    struct Column {
        const char* name;
        bool required;
    };

    static Result<TableRows> open(sqlite3* db, const Schema& schema, const std::string& table,
                                  const std::vector<Column>& columns, const std::string& source) {
        std::string sql = "SELECT ";
        for (size_t i = 0; i < columns.size(); ++i) {
            const bool present = schema.has(table, columns[i].name);
            if (!present && columns[i].required)
                return Error{source + ": " + table + ": no column '" + columns[i].name + "'"};
            sql += (i ? ", " : "") + (present ? quoteIdentifier(columns[i].name) : "NULL");
        }
        sql += " FROM " + quoteIdentifier(table);
        auto stmt = prepare(db, sql, source + ": " + table);
        if (!stmt) return stmt.error();
        return TableRows(db, std::move(stmt).value(), table, source);
    }

    // Next row; false at the end or on an error (then error() says which).
    bool next() {
        if (m_done) return false;
        const int rc = sqlite3_step(m_stmt.get());
        if (rc == SQLITE_ROW) return true;
        m_done = true;
        if (rc != SQLITE_DONE)
            m_error = m_source + ": " + m_table + ": " + sqlite3_errmsg(m_db) +
                      " (the database is damaged or truncated)";
        return false;
    }
    const std::string& error() const { return m_error; }

    bool isNull(int col) const { return sqlite3_column_type(m_stmt.get(), col) == SQLITE_NULL; }
    // The integer at `col`; nullopt when NULL; sets `bad` when it holds another type.
    std::optional<int64_t> integer(int col, bool& bad) const {
        const int type = sqlite3_column_type(m_stmt.get(), col);
        if (type == SQLITE_NULL) return std::nullopt;
        if (type != SQLITE_INTEGER) {
            bad = true;
            return std::nullopt;
        }
        return sqlite3_column_int64(m_stmt.get(), col);
    }
    // An integer that must fit T; a NULL gives `fallback`; anything else sets `bad`.
    template <class T> T number(int col, bool& bad, T fallback = 0) const {
        const auto v = integer(col, bad);
        if (!v) return fallback;
        const auto n = narrow<T>(*v);
        if (!n) bad = true;
        return n.value_or(fallback);
    }
    std::string_view text(int col) const { return textAt(m_stmt.get(), col); }

private:
    TableRows(sqlite3* db, Stmt stmt, std::string table, std::string source)
        : m_db(db), m_stmt(std::move(stmt)), m_table(std::move(table)),
          m_source(std::move(source)) {}
    sqlite3* m_db;
    Stmt m_stmt;
    std::string m_table, m_source, m_error;
    bool m_done = false;
};

// ---------------------------------------------------------------- the import

constexpr int64_t kPidMask = int64_t(0xFFFFFFFFFF000000ull); // globalTid -> globalPid (TID = 0)
constexpr int64_t kNoPid = -1;

uint32_t osTid(int64_t globalTid) {
    return uint32_t(globalTid & 0xFFFFFF);
}
uint32_t osPid(int64_t globalId) {
    return uint32_t((globalId >> 24) & 0xFFFFFF);
}

// nsys copyKind (ENUM_CUDA_MEMCPY_OPER) -> MemcpyKind.
uint8_t copyKind(int64_t v) {
    using K = MemcpyKind;
    static constexpr K kinds[] = {K::Unknown, K::HtoD,    K::DtoH,    K::HtoA,   K::AtoH,
                                  K::AtoA,    K::AtoD,    K::DtoA,    K::DtoD,   K::HtoH,
                                  K::PtoP,    K::UvmHtoD, K::UvmDtoH, K::UvmDtoD};
    return v >= 0 && v < int64_t(std::size(kinds)) ? uint8_t(kinds[v]) : uint8_t(K::Unknown);
}

// nsys ENUM_CUDA_MEM_KIND -> MemoryKind (ours keeps 0 for unknown).
uint8_t memoryKind(std::optional<int64_t> v) {
    if (!v || *v < 0 || *v > 6) return uint8_t(MemoryKind::Unknown);
    return uint8_t(*v + 1);
}

const char* syncName(int64_t type) {
    switch (type) {
    case 1:
        return "Event synchronize";
    case 2:
        return "Stream wait event";
    case 3:
        return "Stream synchronize";
    case 4:
        return "Context synchronize";
    default:
        return "Synchronization";
    }
}

// "cudaLaunchKernel_v7000" -> "cudaLaunchKernel"; other names unchanged.
std::string_view withoutVersionSuffix(std::string_view name) {
    const size_t at = name.rfind("_v");
    if (at == std::string_view::npos || at == 0 || at + 2 == name.size()) return name;
    for (size_t i = at + 2; i < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9') return name;
    return name.substr(0, at);
}

// Reorders every column (and every complete optional column) of `table` by start time.

// A start/end pair we can keep: ordered, and with a duration that fits in int64.
bool validSpan(const std::optional<int64_t>& start, const std::optional<int64_t>& end) {
    int64_t duration = 0;
    return start && end && *end >= *start && !__builtin_sub_overflow(*end, *start, &duration);
}

class NsysReader {
public:
    NsysReader(sqlite3* db, Schema schema, std::string source, NsysOptions options)
        : m_db(db), m_schema(std::move(schema)), m_source(std::move(source)), m_options(options) {}

    Result<Run> run();

private:
    Status sessionInfo();
    Status kernels();
    Status copies();
    Status memsets();
    Status apiCalls();
    Status nvtx();
    Status synchronization();
    Status devices();
    void linkCorrelations();
    void nameThreads();

    uint32_t string(int64_t nsysId, std::string_view fallback);
    uint32_t thread(int64_t globalTid);
    void skipped(const std::string& table, size_t rows) {
        if (rows) m_skipped[table] += rows;
    }
    Status check(const TableRows& rows) {
        if (!rows.error().empty()) return Error{rows.error()};
        return {};
    }

    sqlite3* m_db;
    Schema m_schema;
    std::string m_source;
    NsysOptions m_options;
    Run m_run;
    Stmt m_stringLookup;
    std::unordered_map<int64_t, uint32_t> m_strings; // nsys string id -> ours
    std::map<int64_t, uint32_t> m_threads;           // globalTid -> thread id
    std::set<uint32_t> m_usedThreadIds;
    std::set<uint32_t> m_gpuDevices;
    // Per row, the process each GPU row / API call belongs to (for the correlation join).
    std::vector<int64_t> m_kernelPid, m_copyPid, m_memsetPid, m_apiPid, m_syncPid;
    std::vector<size_t> m_syncRows; // rows of /cpu/ranges that are synchronizations
    std::map<std::string, size_t> m_skipped;
    size_t m_kernelsWithoutCall = 0;
};

uint32_t NsysReader::string(int64_t nsysId, std::string_view fallback) {
    if (auto it = m_strings.find(nsysId); it != m_strings.end()) return it->second;
    std::string value(fallback);
    if (m_stringLookup) {
        sqlite3_stmt* s = m_stringLookup.get();
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, nsysId);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT)
            value = std::string(textAt(s, 0));
    }
    const uint32_t id = m_run.strings.intern(value);
    m_strings.emplace(nsysId, id);
    return id;
}

// OS thread ids when they are unique (they are on one machine); others get ids above 2^24.
uint32_t NsysReader::thread(int64_t globalTid) {
    if (auto it = m_threads.find(globalTid); it != m_threads.end()) return it->second;
    uint32_t id = osTid(globalTid);
    if (m_usedThreadIds.count(id)) {
        id = 1u << 24;
        while (m_usedThreadIds.count(id)) ++id;
    }
    m_usedThreadIds.insert(id);
    m_threads.emplace(globalTid, id);
    return id;
}

Status NsysReader::sessionInfo() {
    RunInfo& info = m_run.info;
    info.producer = "Nsight Systems";
    info.clock_domain = "imported";
    info.backend = "imported:nsys";
    if (m_schema.has("TARGET_INFO_SESSION_START_TIME")) {
        auto rows = TableRows::open(m_db, m_schema, "TARGET_INFO_SESSION_START_TIME",
                                    {{"utcEpochNs", true}, {"utcTime", false}}, m_source);
        if (!rows) return rows.error();
        if (rows->next()) {
            bool bad = false;
            info.origin_unix_ns = rows->number<int64_t>(0, bad);
            if (bad) info.origin_unix_ns = 0;
            const std::string_view utc = rows->text(1);
            if (utc.size() >= 19 && utc.size() < 40) info.created_utc = std::string(utc) + "Z";
        }
        if (auto s = check(*rows); !s) return s;
    }
    std::string product, schemaVersion;
    if (m_schema.has("META_DATA_EXPORT", "name") && m_schema.has("META_DATA_EXPORT", "value")) {
        auto rows = TableRows::open(m_db, m_schema, "META_DATA_EXPORT",
                                    {{"name", true}, {"value", true}}, m_source);
        if (!rows) return rows.error();
        while (rows->next()) {
            if (rows->text(0) == "EXPORT_PRODUCT_VERSION") product = rows->text(1);
            if (rows->text(0) == "EXPORT_SCHEMA_VERSION") schemaVersion = rows->text(1);
        }
        if (auto s = check(*rows); !s) return s;
    }
    if (m_schema.has("META_DATA_CAPTURE", "name") && m_schema.has("META_DATA_CAPTURE", "value")) {
        auto rows = TableRows::open(m_db, m_schema, "META_DATA_CAPTURE",
                                    {{"name", true}, {"value", true}}, m_source);
        if (!rows) return rows.error();
        std::string command;
        while (rows->next()) {
            const std::string_view name = rows->text(0);
            if (name == "PROCESS_0:COMMAND" || name.starts_with("PROCESS_0:ARGUMENT_")) {
                const std::string_view value = rows->text(1);
                if (command.size() + value.size() < 64 * 1024)
                    command += (command.empty() ? "" : " ") + std::string(value);
            }
        }
        if (auto s = check(*rows); !s) return s;
        info.command_line = command;
    }
    info.notes = "Imported from an Nsight Systems SQLite export" +
                 (product.empty() ? std::string() : " (nsys " + product) +
                 (schemaVersion.empty() ? std::string() : ", schema " + schemaVersion) +
                 (product.empty() ? "" : ")") + ".";
    return {};
}

Status NsysReader::kernels() {
    const char* table = "CUPTI_ACTIVITY_KIND_KERNEL";
    if (!m_schema.has(table)) return {};
    const char* first = m_options.shortKernelNames ? "shortName" : "demangledName";
    const char* second = m_options.shortKernelNames ? "demangledName" : "shortName";
    auto rows = TableRows::open(m_db, m_schema, table,
                                {{"start", true},
                                 {"end", true},
                                 {"deviceId", false},
                                 {"streamId", false},
                                 {"correlationId", false},
                                 {"globalPid", false},
                                 {first, false},
                                 {second, false},
                                 {"mangledName", false},
                                 {"gridX", false},
                                 {"gridY", false},
                                 {"gridZ", false},
                                 {"blockX", false},
                                 {"blockY", false},
                                 {"blockZ", false},
                                 {"registersPerThread", false},
                                 {"staticSharedMemory", false},
                                 {"dynamicSharedMemory", false}},
                                m_source);
    if (!rows) return rows.error();
    KernelTable& k = m_run.kernels;
    size_t bad = 0;
    while (rows->next()) {
        bool b = false;
        const auto start = rows->integer(0, b), end = rows->integer(1, b);
        const uint32_t device = rows->number<uint32_t>(2, b);
        const uint32_t stream = rows->number<uint32_t>(3, b);
        const uint32_t correlation = rows->number<uint32_t>(4, b);
        const int64_t pid = rows->integer(5, b).value_or(kNoPid);
        std::optional<int64_t> nameId;
        for (int c = 6; c <= 8 && !nameId; ++c) nameId = rows->integer(c, b);
        uint32_t dims[6], regs, shared[2];
        for (int d = 0; d < 6; ++d) dims[d] = rows->number<uint32_t>(9 + d, b);
        regs = rows->number<uint32_t>(15, b);
        shared[0] = rows->number<uint32_t>(16, b);
        shared[1] = rows->number<uint32_t>(17, b);
        if (b || !validSpan(start, end)) {
            ++bad;
            continue;
        }
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = *start;
        k.end_ns.back() = *end;
        k.device.back() = device;
        k.stream.back() = stream;
        k.correlation.back() = correlation;
        k.name.back() =
            nameId ? string(*nameId, "<unknown kernel>") : m_run.strings.intern("<unknown kernel>");
        k.grid_x.back() = dims[0], k.grid_y.back() = dims[1], k.grid_z.back() = dims[2];
        k.block_x.back() = dims[3], k.block_y.back() = dims[4], k.block_z.back() = dims[5];
        k.registers_per_thread.back() = regs;
        k.shared_static.back() = shared[0];
        k.shared_dynamic.back() = shared[1];
        m_kernelPid.push_back(pid);
        m_gpuDevices.insert(device);
    }
    skipped(table, bad);
    return check(*rows);
}

Status NsysReader::copies() {
    const char* table = "CUPTI_ACTIVITY_KIND_MEMCPY";
    if (!m_schema.has(table)) return {};
    auto rows = TableRows::open(m_db, m_schema, table,
                                {{"start", true},
                                 {"end", true},
                                 {"deviceId", false},
                                 {"streamId", false},
                                 {"correlationId", false},
                                 {"globalPid", false},
                                 {"bytes", true},
                                 {"copyKind", true},
                                 {"srcKind", false},
                                 {"dstKind", false}},
                                m_source);
    if (!rows) return rows.error();
    MemcpyTable& m = m_run.memcpy;
    size_t bad = 0;
    while (rows->next()) {
        bool b = false;
        const auto start = rows->integer(0, b), end = rows->integer(1, b);
        const uint32_t device = rows->number<uint32_t>(2, b);
        const uint32_t stream = rows->number<uint32_t>(3, b);
        const uint32_t correlation = rows->number<uint32_t>(4, b);
        const int64_t pid = rows->integer(5, b).value_or(kNoPid);
        const auto bytes = rows->integer(6, b);
        const auto kind = rows->integer(7, b);
        const auto src = rows->integer(8, b), dst = rows->integer(9, b);
        if (b || !validSpan(start, end) || !bytes || *bytes < 0 || !kind) {
            ++bad;
            continue;
        }
        m.start_ns.push_back(*start);
        m.end_ns.push_back(*end);
        m.device.push_back(device);
        m.stream.push_back(stream);
        m.correlation.push_back(correlation);
        m.kind.push_back(copyKind(*kind));
        m.bytes.push_back(uint64_t(*bytes));
        m.src_kind.push_back(memoryKind(src));
        m.dst_kind.push_back(memoryKind(dst));
        m_copyPid.push_back(pid);
        m_gpuDevices.insert(device);
    }
    skipped(table, bad);
    return check(*rows);
}

Status NsysReader::memsets() {
    const char* table = "CUPTI_ACTIVITY_KIND_MEMSET";
    if (!m_schema.has(table)) return {};
    auto rows = TableRows::open(m_db, m_schema, table,
                                {{"start", true},
                                 {"end", true},
                                 {"deviceId", false},
                                 {"streamId", false},
                                 {"correlationId", false},
                                 {"globalPid", false},
                                 {"bytes", true},
                                 {"value", false},
                                 {"memKind", false}},
                                m_source);
    if (!rows) return rows.error();
    MemsetTable& m = m_run.memset;
    size_t bad = 0;
    while (rows->next()) {
        bool b = false;
        const auto start = rows->integer(0, b), end = rows->integer(1, b);
        const uint32_t device = rows->number<uint32_t>(2, b);
        const uint32_t stream = rows->number<uint32_t>(3, b);
        const uint32_t correlation = rows->number<uint32_t>(4, b);
        const int64_t pid = rows->integer(5, b).value_or(kNoPid);
        const auto bytes = rows->integer(6, b);
        // memset takes an int and uses its low byte; nsys stores what was passed.
        const auto value = rows->integer(7, b);
        const auto kind = rows->integer(8, b);
        if (b || !validSpan(start, end) || !bytes || *bytes < 0) {
            ++bad;
            continue;
        }
        m.start_ns.push_back(*start);
        m.end_ns.push_back(*end);
        m.device.push_back(device);
        m.stream.push_back(stream);
        m.correlation.push_back(correlation);
        m.bytes.push_back(uint64_t(*bytes));
        m.value.push_back(uint32_t(value.value_or(0)));
        m.mem_kind.push_back(memoryKind(kind));
        m_memsetPid.push_back(pid);
        m_gpuDevices.insert(device);
    }
    skipped(table, bad);
    return check(*rows);
}

Status NsysReader::apiCalls() {
    const char* table = "CUPTI_ACTIVITY_KIND_RUNTIME";
    if (!m_schema.has(table)) return {};
    auto rows = TableRows::open(m_db, m_schema, table,
                                {{"start", true},
                                 {"end", true},
                                 {"globalTid", false},
                                 {"correlationId", false},
                                 {"nameId", true},
                                 {"returnValue", false}},
                                m_source);
    if (!rows) return rows.error();
    ApiTable& a = m_run.api;
    std::unordered_map<uint32_t, uint32_t> displayOf; // raw name id -> display name id
    size_t bad = 0;
    while (rows->next()) {
        bool b = false;
        const auto start = rows->integer(0, b), end = rows->integer(1, b);
        const auto tid = rows->integer(2, b);
        const uint32_t correlation = rows->number<uint32_t>(3, b);
        const auto nameId = rows->integer(4, b);
        // CUresult/cudaError_t are non-negative ints; other values are kept as their low bits.
        const auto ret = rows->integer(5, b);
        if (b || !validSpan(start, end) || !nameId) {
            ++bad;
            continue;
        }
        const uint32_t raw = string(*nameId, "<unknown API>");
        auto [it, inserted] = displayOf.try_emplace(raw, raw);
        if (inserted) {
            const std::string rawName(m_run.strings.get(raw));
            it->second = m_run.strings.intern(withoutVersionSuffix(rawName));
        }
        a.start_ns.push_back(*start);
        a.end_ns.push_back(*end);
        a.thread.push_back(tid ? thread(*tid) : 0);
        a.correlation.push_back(correlation);
        a.name.push_back(it->second);
        a.raw_name.push_back(raw);
        a.return_value.push_back(int32_t(uint32_t(ret.value_or(0))));
        m_apiPid.push_back(tid ? (*tid & kPidMask) : kNoPid);
    }
    skipped(table, bad);
    return check(*rows);
}

Status NsysReader::nvtx() {
    const char* table = "NVTX_EVENTS";
    if (!m_schema.has(table)) return {};
    auto rows = TableRows::open(m_db, m_schema, table,
                                {{"start", true},
                                 {"end", false},
                                 {"eventType", true},
                                 {"text", false},
                                 {"textId", false},
                                 {"globalTid", false},
                                 {"domainId", false}},
                                m_source);
    if (!rows) return rows.error();
    struct Pending {
        int64_t start, end;
        uint32_t thread, name;
        int64_t domain;
    };
    std::vector<Pending> ranges;
    std::map<int64_t, uint32_t> domains; // domainId -> name (eventType 75, domain create)
    const uint32_t nvtxCategory = m_run.strings.intern("nvtx");
    const uint32_t markCategory = m_run.strings.intern("nvtx mark");
    size_t bad = 0, open = 0;
    while (rows->next()) {
        bool b = false;
        const auto start = rows->integer(0, b), end = rows->integer(1, b);
        const auto type = rows->integer(2, b);
        const auto textId = rows->integer(4, b);
        const auto tid = rows->integer(5, b);
        const int64_t domain = rows->integer(6, b).value_or(0);
        if (b || !start || !type) {
            ++bad;
            continue;
        }
        uint32_t name = 0;
        if (!rows->isNull(3))
            name = m_run.strings.intern(rows->text(3));
        else if (textId)
            name = string(*textId, "");
        if (*type == 75) { // domain create: names the domain
            domains[domain] = name;
            continue;
        }
        const bool mark = *type == 34;
        if (*type != 59 && *type != 60 && !mark) continue; // categories, domain destroy, ...
        if (!mark && !validSpan(start, end)) {
            ++open; // a range that never ended inside the capture
            continue;
        }
        ranges.push_back(
            {*start, mark ? *start : *end, tid ? thread(*tid) : 0, name, mark ? -1 : domain});
    }
    for (const Pending& p : ranges) {
        uint32_t category = p.domain < 0 ? markCategory : nvtxCategory;
        if (p.domain > 0)
            if (auto it = domains.find(p.domain); it != domains.end() && it->second != 0)
                category = it->second;
        RangeTable& g = m_run.ranges;
        g.start_ns.push_back(p.start);
        g.end_ns.push_back(p.end);
        g.thread.push_back(p.thread);
        g.depth.push_back(0);
        g.name.push_back(p.name);
        g.category.push_back(category);
    }
    m_run.collector.unmatched_markers += open;
    skipped(table, bad);
    return check(*rows);
}

Status NsysReader::synchronization() {
    const char* table = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION";
    if (!m_schema.has(table)) return {};
    auto rows = TableRows::open(m_db, m_schema, table,
                                {{"start", true},
                                 {"end", true},
                                 {"correlationId", false},
                                 {"globalPid", false},
                                 {"syncType", false}},
                                m_source);
    if (!rows) return rows.error();
    const uint32_t category = m_run.strings.intern("sync");
    RangeTable& g = m_run.ranges;
    size_t bad = 0;
    while (rows->next()) {
        bool b = false;
        const auto start = rows->integer(0, b), end = rows->integer(1, b);
        const uint32_t correlation = rows->number<uint32_t>(2, b);
        const int64_t pid = rows->integer(3, b).value_or(kNoPid);
        const int64_t type = rows->integer(4, b).value_or(0);
        if (b || !validSpan(start, end)) {
            ++bad;
            continue;
        }
        m_syncRows.push_back(g.size());
        m_syncPid.push_back(pid);
        g.start_ns.push_back(*start);
        g.end_ns.push_back(*end);
        g.thread.push_back(correlation); // replaced by the API call's thread in linkCorrelations
        g.depth.push_back(0);
        g.name.push_back(m_run.strings.intern(syncName(type)));
        g.category.push_back(category);
    }
    skipped(table, bad);
    return check(*rows);
}

// Kernels, copies and synchronizations join their API call on the correlation id within one
// process (k.globalPid == r.globalTid & ~0xFFFFFF), as NVIDIA's reports join them. Correlation
// ids repeat across processes, so ids shared by two processes are renumbered above the largest.
void NsysReader::linkCorrelations() {
    using Key = std::pair<int64_t, uint32_t>; // (globalPid, correlation)
    struct KeyHash {
        size_t operator()(const Key& k) const {
            return std::hash<uint64_t>()(uint64_t(k.first) * 0x9E3779B97F4A7C15ull ^ k.second);
        }
    };
    uint32_t largest = 0;
    for (auto* c : {&m_run.api.correlation, &m_run.kernels.correlation, &m_run.memcpy.correlation,
                    &m_run.memset.correlation})
        for (uint32_t v : *c) largest = std::max(largest, v);
    uint64_t fresh = uint64_t(largest) + 1;
    std::unordered_map<Key, uint32_t, KeyHash> ids;
    std::unordered_map<uint32_t, int64_t> owner; // correlation -> the process that keeps it
    auto idFor = [&](int64_t pid, uint32_t correlation) -> uint32_t {
        if (correlation == 0) return 0;
        if (auto it = ids.find({pid, correlation}); it != ids.end()) return it->second;
        uint32_t id = correlation;
        auto [o, inserted] = owner.try_emplace(correlation, pid);
        if (!inserted && o->second != pid) id = fresh <= 0xffffffffu ? uint32_t(fresh++) : 0;
        ids.emplace(Key{pid, correlation}, id);
        return id;
    };
    std::unordered_map<Key, uint32_t, KeyHash> apiThread;
    ids.reserve(m_run.api.size() + m_run.kernels.size());
    apiThread.reserve(m_run.api.size());
    for (size_t i = 0; i < m_run.api.size(); ++i) {
        const Key key{m_apiPid[i], m_run.api.correlation[i]};
        apiThread.emplace(key, m_run.api.thread[i]);
        m_run.api.correlation[i] = idFor(key.first, key.second);
    }
    for (size_t i = 0; i < m_run.kernels.size(); ++i) {
        const Key key{m_kernelPid[i], m_run.kernels.correlation[i]};
        if (!apiThread.count(key)) ++m_kernelsWithoutCall;
        m_run.kernels.correlation[i] = idFor(key.first, key.second);
    }
    for (size_t i = 0; i < m_run.memcpy.size(); ++i)
        m_run.memcpy.correlation[i] = idFor(m_copyPid[i], m_run.memcpy.correlation[i]);
    for (size_t i = 0; i < m_run.memset.size(); ++i)
        m_run.memset.correlation[i] = idFor(m_memsetPid[i], m_run.memset.correlation[i]);
    // A synchronization record has no thread: it runs on the thread of its API call, or on the
    // process's own row when the call is not in the capture.
    for (size_t s = 0; s < m_syncRows.size(); ++s) {
        uint32_t& t = m_run.ranges.thread[m_syncRows[s]];
        auto it = apiThread.find({m_syncPid[s], t});
        t = it != apiThread.end() ? it->second : thread(m_syncPid[s] == kNoPid ? 0 : m_syncPid[s]);
    }
}

// "python3 (pid 111)" (the window shows the thread id beside it), with the thread's own name
// when nsys recorded one.
void NsysReader::nameThreads() {
    std::map<int64_t, std::string> processNames, threadNames;
    if (m_schema.has("PROCESSES")) {
        auto rows = TableRows::open(m_db, m_schema, "PROCESSES",
                                    {{"globalPid", true}, {"name", false}}, m_source);
        if (rows) {
            while (rows->next()) {
                bool b = false;
                if (auto pid = rows->integer(0, b); pid && !b)
                    processNames[*pid] = std::string(rows->text(1).substr(0, 256));
            }
        }
    }
    if (m_schema.has("ThreadNames")) {
        auto rows = TableRows::open(m_db, m_schema, "ThreadNames",
                                    {{"globalTid", true}, {"nameId", true}}, m_source);
        if (rows) {
            while (rows->next()) {
                bool b = false;
                const auto tid = rows->integer(0, b), nameId = rows->integer(1, b);
                if (b || !tid || !nameId || !m_threads.count(*tid)) continue;
                threadNames[*tid] = std::string(m_run.strings.get(string(*nameId, "")));
            }
        }
    }
    for (const auto& [globalTid, id] : m_threads) {
        std::string name = threadNames[globalTid];
        if (name.empty()) name = processNames[globalTid & kPidMask];
        // The thread id is the OS tid unless two threads shared it: then the name says the tid.
        const bool ownTid = id == osTid(globalTid);
        std::string ids = "pid " + std::to_string(osPid(globalTid)) +
                          (ownTid ? "" : ", tid " + std::to_string(osTid(globalTid)));
        m_run.nameThread(id, name.empty() ? ids : name + " (" + ids + ")");
    }
}

// One device per GPU id the activity uses, described by TARGET_INFO_GPU when the export has it.
Status NsysReader::devices() {
    struct Gpu {
        std::string name;
        uint32_t sm = 0, clockKhz = 0, ccMajor = 0, ccMinor = 0, threadsPerSm = 0, regsPerSm = 0,
                 sharedPerSm = 0;
        uint64_t memory = 0;
        double bandwidthGBps = 0;
    };
    std::map<uint32_t, Gpu> gpus;
    if (m_schema.has("TARGET_INFO_GPU")) {
        auto rows = TableRows::open(m_db, m_schema, "TARGET_INFO_GPU",
                                    {{"id", true},
                                     {"name", false},
                                     {"smCount", false},
                                     {"clockRate", false},
                                     {"totalMemory", false},
                                     {"memoryBandwidth", false},
                                     {"computeMajor", false},
                                     {"computeMinor", false},
                                     {"maxWarpsPerSm", false},
                                     {"threadsPerWarp", false},
                                     {"maxRegistersPerSm", false},
                                     {"maxShmemPerSm", false}},
                                    m_source);
        if (!rows) return rows.error();
        while (rows->next()) {
            bool b = false;
            const uint32_t id = rows->number<uint32_t>(0, b);
            Gpu g;
            g.name = std::string(rows->text(1).substr(0, 256));
            g.sm = rows->number<uint32_t>(2, b);
            g.clockKhz = uint32_t(rows->number<uint64_t>(3, b) / 1000 & 0xffffffffu);
            g.memory = rows->number<uint64_t>(4, b);
            g.bandwidthGBps = double(rows->number<uint64_t>(5, b)) / 1e9;
            g.ccMajor = rows->number<uint32_t>(6, b);
            g.ccMinor = rows->number<uint32_t>(7, b);
            const auto threads =
                checkedMul<uint32_t>(rows->number<uint32_t>(8, b), rows->number<uint32_t>(9, b));
            g.threadsPerSm = threads.value_or(0);
            g.regsPerSm = rows->number<uint32_t>(10, b);
            g.sharedPerSm = rows->number<uint32_t>(11, b);
            if (b || rows->isNull(0)) {
                skipped("TARGET_INFO_GPU", 1);
                continue;
            }
            gpus.try_emplace(id, std::move(g));
        }
        if (auto s = check(*rows); !s) return s;
    }
    for (const auto& [id, g] : gpus) m_gpuDevices.insert(id);
    DeviceTable& d = m_run.devices;
    for (uint32_t id : m_gpuDevices) {
        const auto it = gpus.find(id);
        const Gpu g = it == gpus.end() ? Gpu{} : it->second;
        d.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        d.id.back() = id;
        d.kind.back() = m_run.strings.intern("gpu");
        d.name.back() = m_run.strings.intern(g.name); // empty without TARGET_INFO_GPU
        d.sm_count.back() = g.sm;
        d.clock_khz.back() = g.clockKhz;
        d.memory_bytes.back() = g.memory;
        d.memory_bandwidth_gbps.back() = g.bandwidthGBps;
        d.cc_major.back() = g.ccMajor;
        d.cc_minor.back() = g.ccMinor;
        d.max_threads_per_sm.back() = g.threadsPerSm;
        d.registers_per_sm.back() = g.regsPerSm;
        d.shared_memory_per_sm.back() = g.sharedPerSm;
    }
    return {};
}

Result<Run> NsysReader::run() {
    if (!m_schema.has("StringIds", "id") || !m_schema.has("StringIds", "value"))
        return Error{m_source + ": not an Nsight Systems export (no StringIds table)"};
    auto lookup = prepare(m_db, "SELECT value FROM StringIds WHERE id = ?", m_source);
    if (!lookup) return lookup.error();
    m_stringLookup = std::move(lookup).value();

    for (auto step : {&NsysReader::sessionInfo, &NsysReader::kernels, &NsysReader::copies,
                      &NsysReader::memsets, &NsysReader::apiCalls, &NsysReader::nvtx,
                      &NsysReader::synchronization, &NsysReader::devices})
        if (auto s = (this->*step)(); !s) return s.error();
    linkCorrelations();
    assignRangeDepths(m_run.ranges);
    nameThreads();
    sortByStart(m_run.kernels);
    sortByStart(m_run.memcpy);
    sortByStart(m_run.memset);
    sortByStart(m_run.api);
    sortByStart(m_run.ranges);

    size_t skippedRows = 0;
    std::string detail;
    for (const auto& [table, n] : m_skipped) {
        skippedRows += n;
        detail += (detail.empty() ? "" : ", ") + std::to_string(n) + " in " + table;
    }
    m_run.collector.dropped_records = skippedRows;
    if (skippedRows)
        m_run.info.notes += " Skipped " + std::to_string(skippedRows) +
                            " rows with missing, mistyped or out-of-range values (" + detail + ").";
    if (m_kernelsWithoutCall)
        m_run.info.notes += " " + std::to_string(m_kernelsWithoutCall) + " of " +
                            std::to_string(m_run.kernels.size()) +
                            " kernels have no CUDA API call with their correlation id.";
    if (m_run.collector.unmatched_markers)
        m_run.info.notes += " " + std::to_string(m_run.collector.unmatched_markers) +
                            " NVTX ranges never ended and were left out.";
    return std::move(m_run);
}

Result<Run> importFrom(Result<Db> db, const std::string& source, const NsysOptions& options) {
    if (!db) return db.error();
    auto schema = readSchema(db->get(), source);
    if (!schema) return schema.error();
    NsysReader reader(db->get(), std::move(schema).value(), source, options);
    return reader.run();
}

bool hasNsysTables(const Schema& s) {
    return s.has("StringIds") &&
           (s.has("CUPTI_ACTIVITY_KIND_KERNEL") || s.has("CUPTI_ACTIVITY_KIND_RUNTIME") ||
            s.has("NVTX_EVENTS") || s.has("TARGET_INFO_SESSION_START_TIME"));
}

} // namespace

Result<Run> importNsysSqlite(const std::string& path, const NsysOptions& options) {
    return importFrom(openFile(path), path, options);
}

Result<Run> importNsysSqliteBytes(std::string_view bytes, const std::string& source,
                                  const NsysOptions& options) {
    return importFrom(openBytes(bytes, source), source, options);
}

bool isNsysDatabase(const std::string& path) {
    auto db = openFile(path);
    if (!db) return false;
    auto schema = readSchema(db->get(), path);
    return schema && hasNsysTables(*schema);
}

} // namespace ks::data
