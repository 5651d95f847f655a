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
        m_bad = false;
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
    // True once a value read from this row had another type than asked for or did not fit.
    bool bad() const { return m_bad; }

    bool isNull(int col) const { return sqlite3_column_type(m_stmt.get(), col) == SQLITE_NULL; }
    // The integer at `col`; nullopt when NULL or (making the row bad) of another type.
    std::optional<int64_t> integer(int col) {
        const int type = sqlite3_column_type(m_stmt.get(), col);
        if (type == SQLITE_NULL) return std::nullopt;
        if (type != SQLITE_INTEGER) {
            m_bad = true;
            return std::nullopt;
        }
        return sqlite3_column_int64(m_stmt.get(), col);
    }
    // An integer that must fit T; a NULL gives `fallback`; anything else makes the row bad.
    template <class T> T number(int col, T fallback = 0) {
        const auto v = integer(col);
        if (!v) return fallback;
        const auto n = narrow<T>(*v);
        if (!n) m_bad = true;
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
    bool m_done = false, m_bad = false;
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
    // Calls `row` on every row of `table` when the export has it; a row for which it returns
    // false is counted as skipped. A missing required column or a damaged table is an error.
    template <class RowFunction>
    Status eachRow(const char* table, const std::vector<TableRows::Column>& columns,
                   RowFunction&& row) {
        if (!m_schema.has(table)) return {};
        auto rows = TableRows::open(m_db, m_schema, table, columns, m_source);
        if (!rows) return rows.error();
        size_t bad = 0;
        while (rows->next()) bad += !row(*rows);
        skipped(table, bad);
        if (!rows->error().empty()) return Error{rows->error()};
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
    bool first = true;
    auto s = eachRow("TARGET_INFO_SESSION_START_TIME", {{"utcEpochNs", true}, {"utcTime", false}},
                     [&](TableRows& row) {
                         if (!std::exchange(first, false)) return true; // the first row counts
                         info.origin_unix_ns = row.number<int64_t>(0);
                         if (row.bad()) info.origin_unix_ns = 0;
                         const std::string_view utc = row.text(1);
                         if (utc.size() >= 19 && utc.size() < 40)
                             info.created_utc = std::string(utc) + "Z";
                         return true;
                     });
    // Name/value tables: read only when both columns are there.
    auto nameValues = [&](const char* table, auto&& use) -> Status {
        if (!m_schema.has(table, "name") || !m_schema.has(table, "value")) return {};
        return eachRow(table, {{"name", true}, {"value", true}}, [&](TableRows& row) {
            use(row.text(0), row.text(1));
            return true;
        });
    };
    std::string product, schemaVersion, command;
    if (s)
        s = nameValues("META_DATA_EXPORT", [&](std::string_view name, std::string_view value) {
            if (name == "EXPORT_PRODUCT_VERSION") product = value;
            if (name == "EXPORT_SCHEMA_VERSION") schemaVersion = value;
        });
    if (s)
        s = nameValues("META_DATA_CAPTURE", [&](std::string_view name, std::string_view value) {
            if ((name == "PROCESS_0:COMMAND" || name.starts_with("PROCESS_0:ARGUMENT_")) &&
                command.size() + value.size() < 64 * 1024)
                command += (command.empty() ? "" : " ") + std::string(value);
        });
    if (!s) return s;
    info.command_line = command;
    info.notes = "Imported from an Nsight Systems SQLite export" +
                 (product.empty() ? std::string() : " (nsys " + product) +
                 (schemaVersion.empty() ? std::string() : ", schema " + schemaVersion) +
                 (product.empty() ? "" : ")") + ".";
    return {};
}

// Kernels, copies and memsets start with the same six columns: GpuActivity reads them.
std::vector<TableRows::Column> gpuActivityColumns(std::initializer_list<TableRows::Column> more) {
    std::vector<TableRows::Column> columns = {{"start", true},          {"end", true},
                                              {"deviceId", false},      {"streamId", false},
                                              {"correlationId", false}, {"globalPid", false}};
    columns.insert(columns.end(), more);
    return columns;
}

struct GpuActivity {
    std::optional<int64_t> start, end;
    uint32_t device, stream, correlation;
    int64_t pid;

    explicit GpuActivity(TableRows& row)
        : start(row.integer(0)), end(row.integer(1)), device(row.number<uint32_t>(2)),
          stream(row.number<uint32_t>(3)), correlation(row.number<uint32_t>(4)),
          pid(row.integer(5).value_or(kNoPid)) {}
};

Status NsysReader::kernels() {
    const char* first = m_options.shortKernelNames ? "shortName" : "demangledName";
    const char* second = m_options.shortKernelNames ? "demangledName" : "shortName";
    const auto columns = gpuActivityColumns({{first, false},
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
                                             {"dynamicSharedMemory", false}});
    KernelTable& k = m_run.kernels;
    return eachRow("CUPTI_ACTIVITY_KIND_KERNEL", columns, [&](TableRows& row) {
        const GpuActivity a(row);
        std::optional<int64_t> nameId;
        for (int c = 6; c <= 8 && !nameId; ++c) nameId = row.integer(c);
        uint32_t launch[9]; // grid x, y, z, block x, y, z, registers, static, dynamic shared
        for (int i = 0; i < 9; ++i) launch[i] = row.number<uint32_t>(9 + i);
        if (row.bad() || !validSpan(a.start, a.end)) return false;
        k.forEachColumn([](const char*, auto& col) { col.emplace_back(); });
        k.start_ns.back() = *a.start;
        k.end_ns.back() = *a.end;
        k.device.back() = a.device;
        k.stream.back() = a.stream;
        k.correlation.back() = a.correlation;
        k.name.back() =
            nameId ? string(*nameId, "<unknown kernel>") : m_run.strings.intern("<unknown kernel>");
        k.grid_x.back() = launch[0], k.grid_y.back() = launch[1], k.grid_z.back() = launch[2];
        k.block_x.back() = launch[3], k.block_y.back() = launch[4], k.block_z.back() = launch[5];
        k.registers_per_thread.back() = launch[6];
        k.shared_static.back() = launch[7];
        k.shared_dynamic.back() = launch[8];
        m_kernelPid.push_back(a.pid);
        m_gpuDevices.insert(a.device);
        return true;
    });
}

Status NsysReader::copies() {
    const auto columns = gpuActivityColumns(
        {{"bytes", true}, {"copyKind", true}, {"srcKind", false}, {"dstKind", false}});
    MemcpyTable& m = m_run.memcpy;
    return eachRow("CUPTI_ACTIVITY_KIND_MEMCPY", columns, [&](TableRows& row) {
        const GpuActivity a(row);
        const auto bytes = row.integer(6), kind = row.integer(7);
        const auto src = row.integer(8), dst = row.integer(9);
        if (row.bad() || !validSpan(a.start, a.end) || !bytes || *bytes < 0 || !kind) return false;
        m.start_ns.push_back(*a.start);
        m.end_ns.push_back(*a.end);
        m.device.push_back(a.device);
        m.stream.push_back(a.stream);
        m.correlation.push_back(a.correlation);
        m.kind.push_back(copyKind(*kind));
        m.bytes.push_back(uint64_t(*bytes));
        m.src_kind.push_back(memoryKind(src));
        m.dst_kind.push_back(memoryKind(dst));
        m_copyPid.push_back(a.pid);
        m_gpuDevices.insert(a.device);
        return true;
    });
}

Status NsysReader::memsets() {
    const auto columns =
        gpuActivityColumns({{"bytes", true}, {"value", false}, {"memKind", false}});
    MemsetTable& m = m_run.memset;
    return eachRow("CUPTI_ACTIVITY_KIND_MEMSET", columns, [&](TableRows& row) {
        const GpuActivity a(row);
        const auto bytes = row.integer(6);
        // memset takes an int and uses its low byte; nsys stores what was passed.
        const auto value = row.integer(7);
        const auto kind = row.integer(8);
        if (row.bad() || !validSpan(a.start, a.end) || !bytes || *bytes < 0) return false;
        m.start_ns.push_back(*a.start);
        m.end_ns.push_back(*a.end);
        m.device.push_back(a.device);
        m.stream.push_back(a.stream);
        m.correlation.push_back(a.correlation);
        m.bytes.push_back(uint64_t(*bytes));
        m.value.push_back(uint32_t(value.value_or(0)));
        m.mem_kind.push_back(memoryKind(kind));
        m_memsetPid.push_back(a.pid);
        m_gpuDevices.insert(a.device);
        return true;
    });
}

Status NsysReader::apiCalls() {
    const std::vector<TableRows::Column> columns = {{"start", true},      {"end", true},
                                                    {"globalTid", false}, {"correlationId", false},
                                                    {"nameId", true},     {"returnValue", false}};
    ApiTable& a = m_run.api;
    std::unordered_map<uint32_t, uint32_t> displayOf; // raw name id -> display name id
    return eachRow("CUPTI_ACTIVITY_KIND_RUNTIME", columns, [&](TableRows& row) {
        const auto start = row.integer(0), end = row.integer(1);
        const auto tid = row.integer(2);
        const uint32_t correlation = row.number<uint32_t>(3);
        const auto nameId = row.integer(4);
        // CUresult/cudaError_t are non-negative ints; other values are kept as their low bits.
        const auto ret = row.integer(5);
        if (row.bad() || !validSpan(start, end) || !nameId) return false;
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
        return true;
    });
}

Status NsysReader::nvtx() {
    const char* table = "NVTX_EVENTS";
    if (!m_schema.has(table)) return {};
    const std::vector<TableRows::Column> columns = {
        {"start", true},   {"end", false},       {"eventType", true}, {"text", false},
        {"textId", false}, {"globalTid", false}, {"domainId", false}};
    struct Pending {
        int64_t start, end;
        uint32_t thread, name;
        int64_t domain;
    };
    std::vector<Pending> ranges;
    std::map<int64_t, uint32_t> domains; // domainId -> name (eventType 75, domain create)
    const uint32_t nvtxCategory = m_run.strings.intern("nvtx");
    const uint32_t markCategory = m_run.strings.intern("nvtx mark");
    size_t open = 0;
    auto s = eachRow(table, columns, [&](TableRows& row) {
        const auto start = row.integer(0), end = row.integer(1);
        const auto type = row.integer(2);
        const auto textId = row.integer(4);
        const auto tid = row.integer(5);
        const int64_t domain = row.integer(6).value_or(0);
        if (row.bad() || !start || !type) return false;
        uint32_t name = 0;
        if (!row.isNull(3))
            name = m_run.strings.intern(row.text(3));
        else if (textId)
            name = string(*textId, "");
        if (*type == 75) { // domain create: names the domain
            domains[domain] = name;
            return true;
        }
        const bool mark = *type == 34;
        if (*type != 59 && *type != 60 && !mark) return true; // categories, domain destroy, ...
        if (!mark && !validSpan(start, end)) {
            ++open; // a range that never ended inside the capture
            return true;
        }
        ranges.push_back(
            {*start, mark ? *start : *end, tid ? thread(*tid) : 0, name, mark ? -1 : domain});
        return true;
    });
    if (!s) return s;
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
    return {};
}

Status NsysReader::synchronization() {
    const char* table = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION";
    if (!m_schema.has(table)) return {};
    const std::vector<TableRows::Column> columns = {{"start", true},
                                                    {"end", true},
                                                    {"correlationId", false},
                                                    {"globalPid", false},
                                                    {"syncType", false}};
    const uint32_t category = m_run.strings.intern("sync");
    RangeTable& g = m_run.ranges;
    return eachRow(table, columns, [&](TableRows& row) {
        const auto start = row.integer(0), end = row.integer(1);
        const uint32_t correlation = row.number<uint32_t>(2);
        const int64_t pid = row.integer(3).value_or(kNoPid);
        const int64_t type = row.integer(4).value_or(0);
        if (row.bad() || !validSpan(start, end)) return false;
        m_syncRows.push_back(g.size());
        m_syncPid.push_back(pid);
        g.start_ns.push_back(*start);
        g.end_ns.push_back(*end);
        g.thread.push_back(correlation); // replaced by the API call's thread in linkCorrelations
        g.depth.push_back(0);
        g.name.push_back(m_run.strings.intern(syncName(type)));
        g.category.push_back(category);
        return true;
    });
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
    // Names are a nicety: a damaged table or row leaves threads with their ids, uncounted.
    std::map<int64_t, std::string> processNames, threadNames;
    (void)eachRow("PROCESSES", {{"globalPid", true}, {"name", false}}, [&](TableRows& row) {
        if (auto pid = row.integer(0); pid && !row.bad())
            processNames[*pid] = std::string(row.text(1).substr(0, 256));
        return true;
    });
    (void)eachRow("ThreadNames", {{"globalTid", true}, {"nameId", true}}, [&](TableRows& row) {
        const auto tid = row.integer(0), nameId = row.integer(1);
        if (!row.bad() && tid && nameId && m_threads.count(*tid))
            threadNames[*tid] = std::string(m_run.strings.get(string(*nameId, "")));
        return true;
    });
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
    const std::vector<TableRows::Column> columns = {{"id", true},
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
                                                    {"maxShmemPerSm", false}};
    auto s = eachRow("TARGET_INFO_GPU", columns, [&](TableRows& row) {
        const uint32_t id = row.number<uint32_t>(0);
        Gpu g;
        g.name = std::string(row.text(1).substr(0, 256));
        g.sm = row.number<uint32_t>(2);
        g.clockKhz = uint32_t(row.number<uint64_t>(3) / 1000 & 0xffffffffu);
        g.memory = row.number<uint64_t>(4);
        g.bandwidthGBps = double(row.number<uint64_t>(5)) / 1e9;
        g.ccMajor = row.number<uint32_t>(6);
        g.ccMinor = row.number<uint32_t>(7);
        const auto threads = checkedMul<uint32_t>(row.number<uint32_t>(8), row.number<uint32_t>(9));
        g.threadsPerSm = threads.value_or(0);
        g.regsPerSm = row.number<uint32_t>(10);
        g.sharedPerSm = row.number<uint32_t>(11);
        if (row.bad() || row.isNull(0)) return false;
        gpus.try_emplace(id, std::move(g));
        return true;
    });
    if (!s) return s;
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
