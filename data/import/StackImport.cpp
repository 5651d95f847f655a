#include "data/import/StackImport.h"

#include "data/Checked.h"
#include "data/import/ChromeTraceImport.h"

#include <algorithm>
#include <map>
#include <optional>

namespace ks::data {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// Calls f(lineNumber, line) for each line (without its '\n').
template <class F> void forEachLine(std::string_view text, F&& f) {
    size_t lineNo = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        f(++lineNo, text.substr(pos, end - pos));
        pos = end + 1;
    }
}

Run newRun(const char* kind) {
    Run run;
    run.info.producer = std::string("kernscope import (") + kind + ")";
    run.info.backend = std::string("imported:") + kind;
    run.info.clock_domain = "imported";
    return run;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

// "1410597.984841" seconds as exact integer nanoseconds; nullopt when malformed or too large.
std::optional<int64_t> secondsToNs(std::string_view text) {
    const size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    auto seconds = parseInteger<uint64_t>(whole);
    if (!seconds) return std::nullopt;
    uint64_t ns = 0;
    for (size_t d = 0; d < 9; ++d) {
        char c = d < frac.size() ? frac[d] : '0';
        if (c < '0' || c > '9') return std::nullopt;
        ns = ns * 10 + uint64_t(c - '0');
    }
    for (size_t d = 9; d < frac.size(); ++d)
        if (frac[d] < '0' || frac[d] > '9') return std::nullopt;
    auto total = checkedMul<uint64_t>(*seconds, 1'000'000'000);
    if (total) total = checkedAdd<uint64_t>(*total, ns);
    if (!total || *total > uint64_t(INT64_MAX)) return std::nullopt;
    return int64_t(*total);
}

std::string skippedNote(uint64_t count, const char* what, size_t firstLine) {
    return std::to_string(count) + " " + what + " (first at line " + std::to_string(firstLine) +
           ")";
}

} // namespace

bool hasUtf16Bom(std::string_view head) {
    return head.starts_with("\xFF\xFE") || head.starts_with("\xFE\xFF");
}

std::string decodeText(std::string_view bytes) {
    if (bytes.starts_with("\xEF\xBB\xBF")) return std::string(bytes.substr(3));
    if (!hasUtf16Bom(bytes)) return std::string(bytes);
    const bool little = bytes[0] == '\xFF';
    std::string out;
    out.reserve(bytes.size() / 2);
    auto unit = [&](size_t i) {
        const auto a = uint8_t(bytes[i]), b = uint8_t(bytes[i + 1]);
        return little ? uint32_t(a | (b << 8)) : uint32_t((a << 8) | b);
    };
    for (size_t i = 2; i + 1 < bytes.size(); i += 2) {
        uint32_t cp = unit(i);
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < bytes.size()) { // a surrogate pair
            const uint32_t low = unit(i + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 2;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD; // an unpaired surrogate
        }
        appendUtf8(out, cp);
    }
    return out;
}

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

Result<Run> parseFoldedStacks(std::string_view bytes, const std::string& source) {
    const std::string text = decodeText(bytes);
    Run run = newRun("folded");
    StackBuilder stacks(run);
    uint64_t total = 0, invalid = 0, tooLarge = 0;
    size_t firstInvalid = 0, firstTooLarge = 0, lines = 0;
    forEachLine(text, [&](size_t lineNo, std::string_view line) {
        line = trim(line);
        if (line.empty() || line.front() == '#') return;
        ++lines;
        auto skip = [&](uint64_t& counter, size_t& first) {
            if (counter++ == 0) first = lineNo;
        };
        const size_t space = line.find_last_of(" \t");
        const std::string_view path =
            space == std::string_view::npos ? std::string_view{} : trim(line.substr(0, space));
        const std::string_view countText =
            space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
        const bool digits =
            !countText.empty() && std::all_of(countText.begin(), countText.end(),
                                              [](char c) { return c >= '0' && c <= '9'; });
        if (path.empty() || !digits) return skip(invalid, firstInvalid);
        const auto count = parseInteger<uint64_t>(countText);
        if (!count || *count > kMaxSampleWeight) return skip(tooLarge, firstTooLarge);
        const auto newTotal = checkedAdd<uint64_t>(total, *count);
        if (!newTotal || *newTotal > uint64_t(INT64_MAX)) return skip(tooLarge, firstTooLarge);
        if (*count == 0) return;
        uint32_t node = StackBuilder::kRoot;
        for (size_t pos = 0; pos <= path.size();) {
            size_t end = path.find(';', pos);
            if (end == std::string_view::npos) end = path.size();
            const std::string_view frame = path.substr(pos, end - pos);
            if (!frame.empty()) node = stacks.node(node, frame);
            pos = end + 1;
        }
        if (node == StackBuilder::kRoot) return skip(invalid, firstInvalid);
        total = *newTotal;
        run.samples.add(int64_t(run.samples.size()), 0, node, *count);
    });
    if (run.samples.size() > 0) run.nameThread(0, "all threads (folded)");
    std::string note = "imported from " + source + ": " + std::to_string(run.samples.size()) +
                       " stacks, total weight " + std::to_string(total);
    std::string skipped;
    if (invalid)
        skipped = skippedNote(invalid, "lines that are not 'frame;frame COUNT'", firstInvalid);
    if (tooLarge)
        skipped += (skipped.empty() ? "" : ", ") +
                   skippedNote(tooLarge, "lines whose count exceeds 2^53 or the total 2^63",
                               firstTooLarge);
    if (!skipped.empty()) note += "; skipped " + skipped;
    run.info.notes = note;
    run.collector.dropped_records = invalid + tooLarge;
    if (run.samples.size() == 0 && lines > 0)
        return Error{source + ": no line of the form 'frame;frame;... COUNT' (" +
                     std::to_string(invalid + tooLarge) + " lines skipped)"};
    return run;
}

namespace {

// One frame line of perf script, named the way stackcollapse-perf.pl names it; empty when the
// frame is to be skipped (a process name in parentheses).
std::string perfFrame(std::string_view line) {
    std::string_view rest = line;
    const size_t space = rest.find_first_of(" \t");
    rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space + 1));
    std::string_view module;
    if (const size_t paren = rest.rfind(" (");
        paren != std::string_view::npos && rest.back() == ')') {
        module = rest.substr(paren + 2, rest.size() - paren - 3);
        rest = trim(rest.substr(0, paren));
    } else if (!rest.empty() && rest.front() == '(' && rest.back() == ')') {
        module = rest.substr(1, rest.size() - 2);
        rest = "[unknown]";
    }
    if (const size_t plus = rest.rfind("+0x");
        plus != std::string_view::npos &&
        rest.find_first_not_of("0123456789abcdefABCDEF", plus + 3) == std::string_view::npos)
        rest = rest.substr(0, plus);
    if (rest.empty()) rest = "[unknown]";
    if (rest.front() == '(') return {};
    std::string name(rest);
    if (name == "[unknown]" && !module.empty() && module != "[unknown]") {
        const size_t slash = module.rfind('/');
        name = "[" +
               std::string(slash == std::string_view::npos ? module : module.substr(slash + 1)) +
               "]";
    }
    std::replace(name.begin(), name.end(), ';', ':'); // ';' separates frames in folded output
    return name;
}

struct PerfHeader {
    std::string comm;
    std::optional<uint32_t> pid;
    uint32_t tid = 0;
    std::string_view time, period, event;
};

// "comm pid[/tid] [cpu] seconds.frac: [period] event[:modifiers]: ..."; nullopt when the line
// is not a sample header.
std::optional<PerfHeader> perfHeader(std::string_view line) {
    std::vector<std::string_view> tokens;
    for (size_t pos = 0; pos < line.size();) {
        while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
        const size_t end = line.find_first_of(" \t", pos);
        const size_t stop = end == std::string_view::npos ? line.size() : end;
        if (stop > pos) tokens.push_back(line.substr(pos, stop - pos));
        pos = stop;
    }
    size_t timeAt = 0;
    for (size_t i = 1; i < tokens.size() && timeAt == 0; ++i) {
        const std::string_view t = tokens[i];
        if (t.size() >= 4 && t.back() == ':' && t.find('.') != std::string_view::npos &&
            std::all_of(t.begin(), t.end() - 1,
                        [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
            timeAt = i;
    }
    if (timeAt == 0) return std::nullopt;
    PerfHeader h;
    h.time = tokens[timeAt].substr(0, tokens[timeAt].size() - 1);
    size_t pidAt = timeAt - 1;
    if (tokens[pidAt].front() == '[' && pidAt > 0) --pidAt; // the [cpu] column
    if (pidAt == 0) return std::nullopt;
    std::string_view ids = tokens[pidAt];
    if (const size_t slash = ids.find('/'); slash != std::string_view::npos) {
        h.pid = parseInteger<uint32_t>(ids.substr(0, slash));
        if (!h.pid) return std::nullopt;
        ids = ids.substr(slash + 1);
    }
    auto tid = parseInteger<uint32_t>(ids);
    if (!tid) return std::nullopt;
    h.tid = *tid;
    for (size_t i = 0; i < pidAt; ++i) h.comm += (i ? " " : "") + std::string(tokens[i]);
    size_t next = timeAt + 1;
    if (next < tokens.size() && std::all_of(tokens[next].begin(), tokens[next].end(),
                                            [](char c) { return c >= '0' && c <= '9'; }))
        h.period = tokens[next++]; // range-checked by the caller
    if (next < tokens.size() && tokens[next].back() == ':') {
        h.event = tokens[next].substr(0, tokens[next].find(':'));
    }
    return h;
}

} // namespace

Result<Run> parsePerfScript(std::string_view bytes, const std::string& source) {
    const std::string text = decodeText(bytes);
    Run run = newRun("perf-script");
    StackBuilder stacks(run);
    std::vector<std::string> frames; // innermost first, as perf prints them
    enum class State { Between, InSample, Skipping } state = State::Between;
    PerfHeader header;
    int64_t time = 0;
    uint64_t weight = 1;
    // Thread ids: the tid, or (when a tid changes its name, e.g. after exec) a new id above
    // every tid, so samples before and after keep their own name.
    std::map<std::string, uint32_t> threadIds; // "comm pid/tid" -> thread id
    std::map<uint32_t, std::string> threadNames;
    uint32_t nextSyntheticThread = 0x80000000u;
    uint32_t thread = 0;
    std::map<std::string, uint32_t> eventIds;
    uint64_t badHeaders = 0, badTimes = 0, badPeriods = 0, orphanFrames = 0;
    size_t firstBad = 0;

    auto finish = [&] {
        if (state == State::InSample) {
            uint32_t node = StackBuilder::kRoot;
            for (auto it = frames.rbegin(); it != frames.rend(); ++it)
                node = stacks.node(node, *it);
            if (frames.empty()) node = stacks.node(StackBuilder::kRoot, "[no stack]");
            const std::string eventName(header.event);
            auto ev = eventIds.emplace(eventName, run.strings.intern(eventName)).first->second;
            run.samples.add(time, thread, node, weight, ev);
        }
        frames.clear();
        state = State::Between;
    };
    auto bad = [&](uint64_t& counter, size_t lineNo) {
        if (badHeaders + badTimes + badPeriods + orphanFrames == 0) firstBad = lineNo;
        ++counter;
        state = State::Skipping;
    };

    forEachLine(text, [&](size_t lineNo, std::string_view raw) {
        const std::string_view line = trim(raw);
        if (line.empty()) return finish();
        if (line.front() == '#') return;
        if (raw.front() == ' ' || raw.front() == '\t') { // a frame
            if (state == State::Skipping) return;
            if (state == State::Between) return bad(orphanFrames, lineNo);
            if (std::string frame = perfFrame(line); !frame.empty())
                frames.push_back(std::move(frame));
            return;
        }
        finish();
        auto h = perfHeader(line);
        if (!h) return bad(badHeaders, lineNo);
        const auto ns = secondsToNs(h->time);
        if (!ns) return bad(badTimes, lineNo);
        weight = 1;
        if (!h->period.empty()) {
            const auto p = parseInteger<uint64_t>(h->period);
            if (!p || *p > kMaxSampleWeight) return bad(badPeriods, lineNo);
            weight = *p;
        }
        header = *h;
        time = *ns;
        const std::string threadName = h->comm + " " +
                                       (h->pid ? std::to_string(*h->pid) + "/" : std::string()) +
                                       std::to_string(h->tid);
        auto known = threadIds.find(threadName);
        if (known == threadIds.end()) {
            const uint32_t id = threadNames.count(h->tid) ? nextSyntheticThread++ : h->tid;
            known = threadIds.emplace(threadName, id).first;
            threadNames.emplace(id, threadName);
        }
        thread = known->second;
        state = State::InSample;
    });
    finish();
    // Times relative to the earliest sample (all are >= 0, so the difference cannot overflow).
    const int64_t origin = run.samples.size() ? *std::min_element(run.samples.time_ns.begin(),
                                                                  run.samples.time_ns.end())
                                              : 0;
    for (int64_t& t : run.samples.time_ns) t -= origin;
    run.info.origin_unix_ns = origin;
    for (const auto& [tid, name] : threadNames) run.nameThread(tid, name);

    std::string note = "imported from " + source + ": " + std::to_string(run.samples.size()) +
                       " samples of " + std::to_string(eventIds.size()) + " event(s)";
    std::string skipped;
    auto add = [&](uint64_t n, const char* what) {
        if (n) skipped += (skipped.empty() ? "" : ", ") + std::to_string(n) + " " + what;
    };
    add(badHeaders, "unrecognised sample headers");
    add(badTimes, "samples with timestamps beyond 2^63 ns");
    add(badPeriods, "samples with periods above 2^53");
    add(orphanFrames, "frame lines outside a sample");
    if (!skipped.empty())
        note += "; skipped " + skipped + " (first at line " + std::to_string(firstBad) + ")";
    run.info.notes = note;
    run.collector.dropped_records = badHeaders + badTimes + badPeriods + orphanFrames;
    if (run.samples.size() == 0 && run.collector.dropped_records > 0)
        return Error{source + ":" + std::to_string(firstBad) +
                     ": no sample header 'comm pid [cpu] seconds.micros: event:' could be read"};
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
