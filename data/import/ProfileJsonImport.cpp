#include "data/import/ProfileJsonImport.h"

#include "data/Checked.h"
#include "data/import/ChromeTraceImport.h"
#include "data/import/ImportSupport.h"
#include "data/import/StackImport.h"

#include <simdjson.h>

#include <cmath>
#include <optional>
#include <unordered_map>

namespace ks::data {
namespace {

namespace dom = simdjson::dom;

Run newRun(const char* kind) {
    Run run;
    run.info.producer = std::string("kernscope import (") + kind + ")";
    run.info.backend = std::string("imported:") + kind;
    run.info.clock_domain = "imported";
    return run;
}

std::optional<double> number(dom::element e) {
    double v = 0;
    if (e.get_double().get(v) || !std::isfinite(v)) return std::nullopt;
    return v;
}
std::optional<double> number(dom::object o, std::string_view key) {
    dom::element e;
    if (o.at_key(key).get(e)) return std::nullopt;
    return number(e);
}
std::string_view text(dom::object o, std::string_view key) {
    std::string_view s;
    if (o.at_key(key).get_string().get(s)) return {};
    return s;
}

Result<dom::element> parseDocument(dom::parser& parser, const simdjson::padded_string& json,
                                   const std::string& source) {
    dom::element doc;
    if (auto err = parser.parse(json).get(doc))
        return Error{source + ": invalid JSON: " + simdjson::error_message(err)};
    return doc;
}

// ns per unit of a speedscope profile; nullopt for units that are not times (bytes, none).
std::optional<double> nsPerUnit(std::string_view unit) {
    if (unit == "nanoseconds") return 1.0;
    if (unit == "microseconds") return 1e3;
    if (unit == "milliseconds") return 1e6;
    if (unit == "seconds") return 1e9;
    return std::nullopt;
}

struct Counts {
    uint64_t skipped = 0, unmatched = 0;
};

void evented(Run& run, dom::object profile, const std::vector<uint32_t>& frameNames,
             uint32_t thread, double scale, Counts& counts) {
    dom::array events;
    if (profile.at_key("events").get_array().get(events)) return;
    struct Open {
        uint64_t frame;
        int64_t start;
    };
    std::vector<Open> open;
    for (dom::element item : events) {
        dom::object e;
        if (item.get_object().get(e)) {
            ++counts.skipped;
            continue;
        }
        const std::string_view type = text(e, "type");
        const auto at = number(e, "at");
        const auto frame = number(e, "frame");
        const auto ns = at ? toNanoseconds(*at, scale) : std::nullopt;
        const auto index = frame ? narrow<uint64_t>(*frame, false) : std::nullopt;
        if (!ns || !index || *index >= frameNames.size() || (type != "O" && type != "C")) {
            ++counts.skipped;
            continue;
        }
        if (type == "O") {
            open.push_back({*index, *ns});
            continue;
        }
        if (open.empty() || open.back().frame != *index || *ns < open.back().start) {
            ++counts.unmatched; // speedscope requires C to close the innermost open frame
            continue;
        }
        RangeTable& r = run.ranges;
        r.start_ns.push_back(open.back().start);
        r.end_ns.push_back(*ns);
        r.thread.push_back(thread);
        r.depth.push_back(uint32_t(open.size() - 1)); // the event stack knows the nesting
        r.name.push_back(frameNames[*index]);
        r.category.push_back(run.strings.intern("speedscope"));
        open.pop_back();
    }
    counts.unmatched += open.size();
}

void sampled(Run& run, StackBuilder& stacks, dom::object profile,
             const std::vector<uint32_t>& frameNames, uint32_t thread, std::optional<double> scale,
             uint32_t event, Counts& counts) {
    dom::array samples, weights;
    if (profile.at_key("samples").get_array().get(samples)) return;
    const bool weighted = !profile.at_key("weights").get_array().get(weights);
    const double unit = scale.value_or(1.0);
    double at = number(profile, "startValue").value_or(0) * unit;
    size_t i = 0;
    auto weightIt = weighted ? weights.begin() : dom::array::iterator{};
    for (dom::element item : samples) {
        std::optional<double> w = 1.0;
        if (weighted) {
            w = i < weights.size() ? number(*weightIt) : std::nullopt;
            if (i < weights.size()) ++weightIt;
        }
        ++i;
        dom::array frames;
        const auto weight = w && *w >= 0 ? narrow<uint64_t>(std::llround(*w * unit)) : std::nullopt;
        const auto time = toNanoseconds(at, 1.0);
        if (item.get_array().get(frames) || !weight || *weight > kMaxSampleWeight || !time) {
            ++counts.skipped;
            continue;
        }
        uint32_t node = StackBuilder::kRoot;
        bool valid = true;
        for (dom::element f : frames) {
            auto index = number(f);
            auto k = index ? narrow<uint64_t>(*index, false) : std::nullopt;
            if (!k || *k >= frameNames.size()) {
                valid = false;
                break;
            }
            node = stacks.node(node, run.strings.get(frameNames[*k]));
        }
        if (!valid || node == StackBuilder::kRoot) {
            ++counts.skipped;
            continue;
        }
        run.samples.add(*time, thread, node, *weight, event);
        at += double(*weight);
    }
}

} // namespace

Result<Run> parseSpeedscope(std::string_view bytes, const std::string& source) {
    const simdjson::padded_string json(bytes);
    dom::parser parser;
    auto doc = parseDocument(parser, json, source);
    if (!doc) return doc.error();
    dom::object root;
    dom::array profiles, frames;
    if (doc->get_object().get(root) || root.at_key("profiles").get_array().get(profiles))
        return Error{source + ": not a speedscope file: no 'profiles' array"};
    Run run = newRun("speedscope");
    StackBuilder stacks(run);
    std::vector<uint32_t> frameNames;
    dom::object shared;
    if (!root.at_key("shared").get_object().get(shared) &&
        !shared.at_key("frames").get_array().get(frames))
        for (dom::element f : frames) {
            dom::object o;
            std::string_view name = f.get_object().get(o) ? std::string_view{} : text(o, "name");
            frameNames.push_back(run.strings.intern(name.empty() ? "(anonymous)" : name));
        }
    Counts counts;
    uint32_t thread = 0;
    for (dom::element item : profiles) {
        dom::object profile;
        if (item.get_object().get(profile)) {
            ++counts.skipped;
            continue;
        }
        ++thread;
        const std::string_view name = text(profile, "name");
        run.nameThread(thread,
                       name.empty() ? "profile " + std::to_string(thread) : std::string(name));
        const std::string_view unit = text(profile, "unit");
        const auto scale = nsPerUnit(unit);
        const std::string_view type = text(profile, "type");
        if (type == "sampled") {
            // Weights in bytes or plain counts keep their unit as the sample's event name.
            const uint32_t event = scale ? 0 : run.strings.intern(unit);
            sampled(run, stacks, profile, frameNames, thread, scale, event, counts);
        } else {
            evented(run, profile, frameNames, thread, scale.value_or(1.0), counts);
        }
    }
    const int64_t origin = earliestTime(run);
    shiftTimes(run, origin);
    run.info.notes = "imported from " + source + ": " + std::to_string(thread) + " profile(s)";
    if (counts.skipped || counts.unmatched)
        run.info.notes += "; skipped " + std::to_string(counts.skipped) +
                          " malformed events/samples, " + std::to_string(counts.unmatched) +
                          " unmatched open/close events";
    run.collector.dropped_records = counts.skipped;
    run.collector.unmatched_markers = counts.unmatched;
    return run;
}

namespace {

struct CpuNode {
    uint64_t parent = 0; // 0: none (ids are positive in V8's output; 0 is never a node id)
    uint32_t name = 0;
    bool hasParent = false;
};

uint32_t frameName(Run& run, dom::object callFrame) {
    std::string name(text(callFrame, "functionName"));
    if (name.empty()) name = "(anonymous)";
    std::string_view url = text(callFrame, "url");
    if (!url.empty()) {
        const size_t slash = url.rfind('/');
        name += " (" + std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
        if (auto line = number(callFrame, "lineNumber"); line && *line >= 0)
            name += ":" + std::to_string(int64_t(*line) + 1);
        name += ")";
    }
    return run.strings.intern(name);
}

// Nodes of a Chrome profile (flat list with children ids) or a Node profile (nested head),
// walked with an explicit stack.
Status collectNodes(Run& run, dom::object root, std::unordered_map<uint64_t, CpuNode>& nodes,
                    const std::string& source) {
    dom::array flat;
    dom::object head;
    auto childIds = [&](dom::object node, uint64_t id) {
        dom::array children;
        if (node.at_key("children").get_array().get(children)) return;
        for (dom::element c : children) {
            uint64_t child = 0;
            if (c.get_uint64().get(child)) continue;
            nodes[child].parent = id;
            nodes[child].hasParent = true;
        }
    };
    if (!root.at_key("nodes").get_array().get(flat)) {
        for (dom::element n : flat) {
            dom::object node, callFrame;
            uint64_t id = 0;
            if (n.get_object().get(node) || node.at_key("id").get_uint64().get(id)) continue;
            if (node.at_key("callFrame").get_object().get(callFrame)) callFrame = node;
            nodes[id].name = frameName(run, callFrame);
            childIds(node, id);
        }
        return {};
    }
    if (root.at_key("head").get_object().get(head))
        return Error{source + ": not a .cpuprofile: neither 'nodes' nor 'head'"};
    std::vector<std::pair<dom::object, std::optional<uint64_t>>> todo{{head, std::nullopt}};
    while (!todo.empty()) {
        auto [node, parent] = todo.back();
        todo.pop_back();
        uint64_t id = 0;
        if (node.at_key("id").get_uint64().get(id)) continue;
        CpuNode& n = nodes[id];
        n.name = frameName(run, node);
        if (parent) n.parent = *parent, n.hasParent = true;
        dom::array children;
        if (node.at_key("children").get_array().get(children)) continue;
        for (dom::element c : children) {
            dom::object child;
            if (!c.get_object().get(child)) todo.emplace_back(child, id);
        }
    }
    return {};
}

} // namespace

Result<Run> parseCpuProfile(std::string_view bytes, const std::string& source) {
    const simdjson::padded_string json(bytes);
    dom::parser parser;
    auto doc = parseDocument(parser, json, source);
    if (!doc) return doc.error();
    dom::object root;
    dom::array samples;
    if (doc->get_object().get(root) || root.at_key("samples").get_array().get(samples))
        return Error{source + ": not a .cpuprofile: no 'samples' array"};
    Run run = newRun("cpuprofile");
    std::unordered_map<uint64_t, CpuNode> nodes;
    if (auto s = collectNodes(run, root, nodes, source); !s) return s.error();

    // Stacks: each node's path from below the root "(root)" node to the node itself.
    StackBuilder stacks(run);
    std::unordered_map<uint64_t, uint32_t> leafOf;
    auto leaf = [&](uint64_t id) -> std::optional<uint32_t> {
        if (auto it = leafOf.find(id); it != leafOf.end()) return it->second;
        std::vector<uint32_t> path;
        for (uint64_t at = id;;) {
            auto it = nodes.find(at);
            if (it == nodes.end() || path.size() > nodes.size()) return std::nullopt; // a cycle
            if (!it->second.hasParent) break; // the root itself is not a frame
            path.push_back(it->second.name);
            at = it->second.parent;
        }
        uint32_t node = StackBuilder::kRoot;
        for (auto it = path.rbegin(); it != path.rend(); ++it)
            node = stacks.node(node, run.strings.get(*it));
        if (path.empty()) node = stacks.node(StackBuilder::kRoot, "(root)");
        return leafOf[id] = node;
    };

    dom::array deltas, stamps;
    const bool haveDeltas = !root.at_key("timeDeltas").get_array().get(deltas);
    const bool haveStamps = !haveDeltas && !root.at_key("timestamps").get_array().get(stamps);
    double micros = number(root, "startTime").value_or(0);
    auto deltaIt = haveDeltas ? deltas.begin() : dom::array::iterator{};
    auto stampIt = haveStamps ? stamps.begin() : dom::array::iterator{};
    const size_t nTimes = haveDeltas ? deltas.size() : haveStamps ? stamps.size() : 0;
    uint64_t skipped = 0;
    size_t i = 0;
    run.nameThread(1, "JavaScript (cpuprofile)");
    for (dom::element s : samples) {
        std::optional<double> t;
        if (i < nTimes && haveDeltas) {
            if (auto d = number(*deltaIt)) t = micros += *d;
            ++deltaIt;
        } else if (i < nTimes && haveStamps) {
            t = number(*stampIt);
            ++stampIt;
        } else if (nTimes == 0) {
            t = micros; // no times: samples at the start
        }
        ++i;
        uint64_t id = 0;
        const auto ns = t ? toNanoseconds(*t, 1e3) : std::nullopt;
        const auto node = s.get_uint64().get(id) ? std::nullopt : leaf(id);
        if (!ns || !node) {
            ++skipped;
            continue;
        }
        run.samples.add(*ns, 1, *node);
    }
    const int64_t origin = earliestTime(run);
    shiftTimes(run, origin);
    run.info.origin_unix_ns = 0; // V8 times are monotonic, not the Unix epoch
    run.info.notes =
        "imported from " + source + ": " + std::to_string(run.samples.size()) + " samples";
    if (skipped)
        run.info.notes +=
            "; skipped " + std::to_string(skipped) + " samples with unknown nodes or times";
    run.collector.dropped_records = skipped;
    return run;
}

Result<Run> importSpeedscope(const std::string& path) {
    auto content = readTextFile(path);
    if (!content) return content.error();
    return parseSpeedscope(content.value(), path);
}

Result<Run> importCpuProfile(const std::string& path) {
    auto content = readTextFile(path);
    if (!content) return content.error();
    return parseCpuProfile(content.value(), path);
}

} // namespace ks::data
