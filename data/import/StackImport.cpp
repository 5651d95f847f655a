#include "data/import/StackImport.h"

#include "data/import/ChromeTraceImport.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace ks::data {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// Calls f(lineNumber, line) for each line (without its '\n'); stops when f returns an error.
template <class F> Status forEachLine(std::string_view text, F&& f) {
    size_t lineNo = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        if (auto s = f(++lineNo, text.substr(pos, end - pos)); !s) return s;
        pos = end + 1;
    }
    return {};
}

Run newRun(const std::string& source, const char* kind) {
    Run run;
    run.info.producer = std::string("kernscope import (") + kind + ")";
    run.info.backend = std::string("imported:") + kind;
    run.info.clock_domain = "imported";
    run.info.notes = "imported from " + source;
    return run;
}

void addSample(Run& run, int64_t time, uint32_t thread, uint32_t leaf) {
    run.samples.add(time, thread, leaf);
}

} // namespace

uint32_t StackBuilder::node(uint32_t parent, std::string_view frame) {
    const uint32_t id = m_run.strings.intern(frame);
    const uint64_t key = (uint64_t(parent) << 32) | id;
    auto [it, added] = m_nodes.emplace(key, uint32_t(m_run.stacks.size()));
    if (added) {
        m_run.stacks.frame.push_back(id);
        m_run.stacks.parent.push_back(parent);
    }
    return it->second;
}

Result<Run> parseFoldedStacks(std::string_view text, const std::string& source) {
    constexpr uint64_t kMaxSamples = 200'000'000; // a folded file expands to one row per sample
    Run run = newRun(source, "folded");
    StackBuilder stacks(run);
    uint64_t total = 0;
    auto status = forEachLine(text, [&](size_t lineNo, std::string_view line) -> Status {
        line = trim(line);
        if (line.empty() || line.front() == '#') return {};
        auto fail = [&](const std::string& problem) {
            return Error{source + ":" + std::to_string(lineNo) + ": " + problem};
        };
        const size_t space = line.find_last_of(" \t");
        if (space == std::string_view::npos)
            return fail("expected 'frame;frame;... COUNT', found no count");
        const std::string_view countText = line.substr(space + 1);
        uint64_t count = 0;
        auto [ptr, ec] =
            std::from_chars(countText.data(), countText.data() + countText.size(), count);
        if (ec != std::errc() || ptr != countText.data() + countText.size())
            return fail("sample count '" + std::string(countText) + "' is not a whole number");
        total += count;
        if (total > kMaxSamples) return fail("more than 200 million samples in total");
        const std::string_view path = trim(line.substr(0, space));
        if (path.empty()) return fail("empty stack before the count");
        uint32_t node = StackBuilder::kRoot;
        for (size_t pos = 0; pos <= path.size();) {
            size_t end = path.find(';', pos);
            if (end == std::string_view::npos) end = path.size();
            const std::string_view frame = path.substr(pos, end - pos);
            if (frame.empty()) return fail("empty frame name in '" + std::string(path) + "'");
            node = stacks.node(node, frame);
            pos = end + 1;
        }
        const int64_t first = int64_t(run.samples.size());
        for (uint64_t c = 0; c < count; ++c) addSample(run, first + int64_t(c), 0, node);
        return {};
    });
    if (!status) return status.error();
    if (run.samples.size() > 0) run.nameThread(0, "all threads (folded)");
    return run;
}

Result<Run> parsePerfScript(std::string_view text, const std::string& source) {
    Run run = newRun(source, "perf-script");
    StackBuilder stacks(run);
    std::vector<std::string> frames; // innermost first, as perf prints them
    bool inSample = false;
    int64_t time = 0;
    uint32_t thread = 0;
    std::optional<int64_t> origin;
    std::map<uint32_t, std::string> threadNames;

    auto finish = [&] {
        if (!inSample) return;
        uint32_t node = StackBuilder::kRoot;
        for (auto it = frames.rbegin(); it != frames.rend(); ++it) node = stacks.node(node, *it);
        if (frames.empty()) node = stacks.node(StackBuilder::kRoot, "[no stack]");
        addSample(run, time, thread, node);
        frames.clear();
        inSample = false;
    };

    auto status = forEachLine(text, [&](size_t lineNo, std::string_view raw) -> Status {
        auto fail = [&](const std::string& problem) {
            return Error{source + ":" + std::to_string(lineNo) + ": " + problem};
        };
        const std::string_view line = trim(raw);
        if (line.empty()) {
            finish();
            return {};
        }
        if (line.front() == '#') return {};
        if (raw.front() == ' ' || raw.front() == '\t') { // a frame: "addr symbol+off (module)"
            if (!inSample) return fail("stack frame before any sample header");
            std::string_view rest = line;
            const size_t space = rest.find(' ');
            if (space != std::string_view::npos) rest = trim(rest.substr(space + 1));
            std::string_view module;
            if (const size_t paren = rest.rfind(" (");
                paren != std::string_view::npos && rest.back() == ')') {
                module = rest.substr(paren + 2, rest.size() - paren - 3);
                rest = trim(rest.substr(0, paren));
            } else if (rest.front() == '(' && rest.back() == ')') {
                module = rest.substr(1, rest.size() - 2);
                rest = {};
            }
            if (const size_t plus = rest.rfind("+0x"); plus != std::string_view::npos)
                rest = rest.substr(0, plus);
            if (rest.empty() || rest == "[unknown]") {
                // Keep unknown frames apart per module, as perf report does.
                const size_t slash = module.rfind('/');
                const std::string_view base =
                    slash == std::string_view::npos ? module : module.substr(slash + 1);
                frames.push_back("[unknown] (" + std::string(base.empty() ? "?" : base) + ")");
            } else {
                frames.emplace_back(rest);
            }
            return {};
        }
        // A sample header: "comm pid[/tid] [cpu] seconds.micros: [period] event: ..."
        finish();
        std::vector<std::string_view> tokens;
        for (size_t pos = 0; pos < line.size();) {
            while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
            const size_t end = line.find_first_of(" \t", pos);
            const size_t stop = end == std::string_view::npos ? line.size() : end;
            if (stop > pos) tokens.push_back(line.substr(pos, stop - pos));
            pos = stop;
        }
        size_t timeAt = tokens.size();
        double seconds = 0;
        for (size_t i = 1; i < tokens.size(); ++i) {
            std::string_view t = tokens[i];
            if (t.size() < 2 || t.back() != ':') continue;
            t.remove_suffix(1);
            auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
            if (ec == std::errc() && ptr == t.data() + t.size() &&
                t.find('.') != std::string_view::npos) {
                timeAt = i;
                break;
            }
        }
        if (timeAt == tokens.size())
            return fail(
                "expected a sample header 'comm pid [cpu] seconds.micros: event:', found '" +
                std::string(line.substr(0, 60)) + "'");
        size_t pidAt = timeAt - 1;
        if (tokens[pidAt].front() == '[' && pidAt > 0) --pidAt; // the [cpu] column
        std::string_view pidText = tokens[pidAt];
        if (const size_t slash = pidText.find('/'); slash != std::string_view::npos)
            pidText = pidText.substr(slash + 1); // pid/tid: keep the thread
        uint32_t tid = 0;
        auto [ptr, ec] = std::from_chars(pidText.data(), pidText.data() + pidText.size(), tid);
        if (ec != std::errc() || ptr != pidText.data() + pidText.size() || pidAt == 0)
            return fail("expected 'comm pid' before the time in '" +
                        std::string(line.substr(0, 60)) + "'");
        std::string comm;
        for (size_t i = 0; i < pidAt; ++i) {
            if (i > 0) comm += ' ';
            comm += tokens[i];
        }
        const int64_t ns = std::llround(seconds * 1e9);
        if (!origin) origin = ns;
        time = ns - *origin;
        thread = tid;
        threadNames.emplace(tid, comm + " " + std::to_string(tid));
        inSample = true;
        return {};
    });
    if (!status) return status.error();
    finish();
    for (const auto& [tid, name] : threadNames) run.nameThread(tid, name);
    run.info.origin_unix_ns = origin.value_or(0);
    return run;
}

Result<Run> importFoldedStacks(const std::string& path) {
    auto content = readTextFile(path);
    if (!content) return content.error();
    return parseFoldedStacks(content.value(), path);
}

Result<Run> importPerfScript(const std::string& path) {
    auto content = readTextFile(path);
    if (!content) return content.error();
    return parsePerfScript(content.value(), path);
}

} // namespace ks::data
