#include "data/analysis/FlameTree.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_set>

namespace ks::data {

FlameTree::FlameTree() {
    m_nodes.push_back(FlameNode{"all", 0, 0, 0, 0, {}});
}

uint32_t FlameTree::child(uint32_t parent, std::string_view name) {
    for (uint32_t c : m_nodes[parent].children)
        if (m_nodes[c].name == name) return c;
    const auto id = uint32_t(m_nodes.size());
    m_nodes.push_back(FlameNode{std::string(name), parent, m_nodes[parent].depth + 1, 0, 0, {}});
    m_nodes[parent].children.push_back(id);
    return id;
}

void FlameTree::addStack(const std::vector<std::string_view>& frames, double weight) {
    uint32_t node = 0;
    for (auto f : frames) node = child(node, f);
    m_nodes[node].self += weight;
}

void FlameTree::computeTotalsFromSelf() {
    for (auto& n : m_nodes) n.total = n.self;
    // Children always have larger ids than their parent: one backward pass.
    for (size_t i = m_nodes.size(); i-- > 1;) m_nodes[m_nodes[i].parent].total += m_nodes[i].total;
}

void FlameTree::computeSelfFromTotals() {
    // The root spans what its children span.
    m_nodes[0].total = 0;
    for (uint32_t c : m_nodes[0].children) m_nodes[0].total += m_nodes[c].total;
    for (auto& n : m_nodes) {
        double children = 0;
        for (uint32_t c : n.children) children += m_nodes[c].total;
        n.self = std::max(0.0, n.total - children);
    }
}

void FlameTree::sortChildren() {
    for (auto& n : m_nodes)
        std::sort(n.children.begin(), n.children.end(),
                  [&](uint32_t a, uint32_t b) { return m_nodes[a].name < m_nodes[b].name; });
}

uint32_t FlameTree::maxDepth() const {
    uint32_t d = 0;
    for (const auto& n : m_nodes) d = std::max(d, n.depth);
    return d;
}

std::vector<uint32_t> FlameTree::pathTo(uint32_t node) const {
    std::vector<uint32_t> path{node};
    while (node != 0) path.push_back(node = m_nodes[node].parent);
    std::reverse(path.begin(), path.end());
    return path;
}

std::optional<uint32_t> FlameTree::find(const std::vector<std::string>& path) const {
    uint32_t node = 0;
    for (const auto& name : path) {
        bool found = false;
        for (uint32_t c : m_nodes[node].children)
            if (m_nodes[c].name == name) {
                node = c;
                found = true;
                break;
            }
        if (!found) return std::nullopt;
    }
    return node;
}

std::string withoutNumbers(std::string_view name) {
    auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    auto isAlpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::string out;
    for (size_t i = 0; i < name.size(); ++i) {
        // Only free-standing numbers ("step 12") merge; digits that end an identifier ("fc1",
        // "conv2d") name a different thing and stay.
        if (isDigit(name[i]) && (i == 0 || !isAlpha(name[i - 1]))) {
            out += '#';
            while (i + 1 < name.size() && isDigit(name[i + 1])) ++i;
        } else {
            out += name[i];
        }
    }
    return out;
}

FlameTree flameFromRanges(const Run& run, std::optional<uint32_t> thread, bool mergeNumbers) {
    FlameTree tree;
    const auto& r = run.ranges;
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < r.size(); ++i)
        if (!thread || r.thread[i] == *thread) order.push_back(i);
    // Per thread, outer ranges before the ranges they contain.
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        if (r.thread[a] != r.thread[b]) return r.thread[a] < r.thread[b];
        if (r.start_ns[a] != r.start_ns[b]) return r.start_ns[a] < r.start_ns[b];
        return r.depth[a] < r.depth[b];
    });
    std::vector<uint32_t> stack; // flame nodes of the open ranges, by depth
    uint32_t currentThread = UINT32_MAX;
    for (uint32_t i : order) {
        if (r.thread[i] != currentThread) stack.clear(), currentThread = r.thread[i];
        const size_t depth = std::min<size_t>(r.depth[i], stack.size());
        stack.resize(depth);
        const uint32_t parent = stack.empty() ? 0 : stack.back();
        const std::string_view name = run.strings.get(r.name[i]);
        const uint32_t node =
            mergeNumbers ? tree.child(parent, withoutNumbers(name)) : tree.child(parent, name);
        tree.addTotal(node, double(std::max<int64_t>(0, r.end_ns[i] - r.start_ns[i])));
        stack.push_back(node);
    }
    tree.computeSelfFromTotals();
    tree.sortChildren();
    tree.unit = "ns";
    return tree;
}

std::vector<uint32_t> sampleEvents(const Run& run) {
    std::vector<uint32_t> out;
    std::unordered_set<uint32_t> seen;
    for (uint32_t e : run.samples.event)
        if (seen.insert(e).second) out.push_back(e);
    return out;
}

FlameTree flameFromSamples(const Run& run, std::optional<uint32_t> thread,
                           std::optional<uint32_t> event) {
    FlameTree tree;
    const auto& st = run.stacks;
    std::vector<uint32_t> flameOf(st.size(), UINT32_MAX);
    // Stack nodes map to flame nodes through their parents (memoised, iterative).
    auto resolve = [&](uint32_t s) -> uint32_t {
        std::vector<uint32_t> chain;
        while (s < st.size() && flameOf[s] == UINT32_MAX) {
            chain.push_back(s);
            if (chain.size() > st.size()) return 0; // a cycle in a bad file: count at the root
            s = st.parent[s];
        }
        uint32_t node = s < st.size() ? flameOf[s] : 0;
        for (size_t k = chain.size(); k-- > 0;) {
            node = tree.child(node, run.strings.get(st.frame[chain[k]]));
            flameOf[chain[k]] = node;
        }
        return node;
    };
    const auto& sm = run.samples;
    const bool weighted = sm.weight.size() == sm.size();
    const bool withEvents = sm.event.size() == sm.size();
    for (size_t i = 0; i < sm.size(); ++i) {
        if (thread && sm.thread[i] != *thread) continue;
        if (event && (withEvents ? sm.event[i] : 0u) != *event) continue;
        if (sm.stack[i] >= st.size()) continue;
        tree.addSelf(resolve(sm.stack[i]), weighted ? double(sm.weight[i]) : 1.0);
    }
    tree.computeTotalsFromSelf();
    tree.sortChildren();
    tree.unit = "samples";
    if (event && *event != 0 && run.strings.contains(*event))
        tree.unit = std::string(run.strings.get(*event));
    return tree;
}

FlameTree flameFromFolded(std::string_view text, size_t* badLines) {
    FlameTree tree;
    size_t bad = 0;
    std::vector<std::string_view> frames;
    while (!text.empty()) {
        const size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        const size_t sp = line.rfind(' ');
        if (sp == std::string_view::npos) {
            ++bad;
            continue;
        }
        char* endp = nullptr;
        const std::string countText(line.substr(sp + 1));
        const double count = std::strtod(countText.c_str(), &endp);
        if (endp == countText.c_str() || *endp != '\0' || !(count >= 0) || !std::isfinite(count)) {
            ++bad;
            continue;
        }
        frames.clear();
        std::string_view stack = line.substr(0, sp);
        while (!stack.empty()) {
            const size_t semi = stack.find(';');
            frames.push_back(stack.substr(0, semi));
            stack = semi == std::string_view::npos ? std::string_view{} : stack.substr(semi + 1);
        }
        tree.addStack(frames, count);
    }
    tree.computeTotalsFromSelf();
    tree.sortChildren();
    tree.unit = "samples";
    if (badLines) *badLines = bad;
    return tree;
}

namespace {

std::string formatWeight(double w) {
    char buf[40];
    if (w == std::floor(w) && std::fabs(w) < 9.0e15)
        std::snprintf(buf, sizeof buf, "%.0f", w);
    else
        std::snprintf(buf, sizeof buf, "%.6f", w);
    return buf;
}

// The frames of `node`'s path below the root, outermost first.
std::vector<std::string_view> framesTo(const FlameTree& tree, uint32_t node) {
    std::vector<std::string_view> frames;
    for (uint32_t n : tree.pathTo(node))
        if (n != 0) frames.push_back(tree.node(n).name);
    return frames;
}

// Nodes named `name` with no ancestor of the same name.
std::vector<uint32_t> outermost(const FlameTree& tree, std::string_view name) {
    std::vector<uint32_t> out;
    std::vector<uint8_t> inside(tree.size(), 0);
    for (uint32_t i = 1; i < tree.size(); ++i) {
        const FlameNode& n = tree.node(i);
        const bool under = n.parent != 0 && inside[n.parent];
        const bool hit = n.name == name;
        if (hit && !under) out.push_back(i);
        inside[i] = under || hit;
    }
    return out;
}

} // namespace

std::string foldedText(const FlameTree& tree) {
    std::vector<std::string> lines;
    for (uint32_t i = 1; i < tree.size(); ++i) {
        if (tree.node(i).self <= 0) continue;
        std::string line;
        for (auto f : framesTo(tree, i)) {
            if (!line.empty()) line += ';';
            line += f;
        }
        line += ' ';
        line += formatWeight(tree.node(i).self);
        lines.push_back(std::move(line));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l + '\n';
    return out;
}

FlameTree invertedFlame(const FlameTree& tree) {
    FlameTree out;
    out.unit = tree.unit;
    for (uint32_t i = 1; i < tree.size(); ++i) {
        if (tree.node(i).self <= 0) continue;
        auto frames = framesTo(tree, i);
        std::reverse(frames.begin(), frames.end());
        out.addStack(frames, tree.node(i).self);
    }
    out.computeTotalsFromSelf();
    out.sortChildren();
    return out;
}

FlameTree calleesOf(const FlameTree& tree, std::string_view name) {
    FlameTree out;
    out.unit = tree.unit;
    out.setRootName(std::string(name));
    // Copy each occurrence's subtree under the new root (iteratively: trees can be deep).
    for (uint32_t top : outermost(tree, name)) {
        std::vector<std::pair<uint32_t, uint32_t>> work{{top, 0}}; // (source, destination)
        while (!work.empty()) {
            const auto [src, dst] = work.back();
            work.pop_back();
            out.addSelf(dst, tree.node(src).self);
            for (uint32_t c : tree.node(src).children)
                work.push_back({c, out.child(dst, tree.node(c).name)});
        }
    }
    out.computeTotalsFromSelf();
    out.sortChildren();
    return out;
}

FlameTree callersOf(const FlameTree& tree, std::string_view name) {
    FlameTree out;
    out.unit = tree.unit;
    out.setRootName(std::string(name));
    for (uint32_t top : outermost(tree, name)) {
        auto frames = framesTo(tree, tree.node(top).parent);
        std::reverse(frames.begin(), frames.end()); // direct caller first
        out.addStack(frames, tree.node(top).total);
    }
    out.computeTotalsFromSelf();
    out.sortChildren();
    return out;
}

double FlameDiff::maxAbsDelta() const {
    double m = 0;
    for (uint32_t i = 1; i < tree.size(); ++i) m = std::max(m, std::fabs(delta(i)));
    return m;
}

FlameDiff diffFlame(const FlameTree& a, const FlameTree& b, bool normalise) {
    FlameDiff d;
    d.tree = b;
    d.normalised = normalise;
    d.totalA = a.node(0).total;
    d.totalB = b.node(0).total;
    d.scaleA = normalise && d.totalA > 0 ? d.totalB / d.totalA : 1.0;
    // Map A's nodes into the union (parents first: ids grow with depth along every path).
    std::vector<uint32_t> inUnion(a.size(), 0);
    const size_t nB = b.size();
    for (uint32_t i = 1; i < a.size(); ++i)
        inUnion[i] = d.tree.child(inUnion[a.node(i).parent], a.node(i).name);
    d.baseline.assign(d.tree.size(), 0);
    d.baseSelf.assign(d.tree.size(), 0);
    d.presence.assign(d.tree.size(), FlameDiff::OnlyB);
    for (uint32_t i = nB; i < d.tree.size(); ++i) d.presence[i] = FlameDiff::OnlyA;
    for (uint32_t i = 0; i < a.size(); ++i) {
        const uint32_t u = inUnion[i];
        d.baseline[u] = a.node(i).total * d.scaleA;
        d.baseSelf[u] = a.node(i).self * d.scaleA;
        if (u < nB) d.presence[u] = FlameDiff::Both;
    }
    d.presence[0] = FlameDiff::Both;
    // Children stay sorted by name; A-only frames have no width, so B's layout is unchanged.
    d.tree.sortChildren();
    return d;
}

} // namespace ks::data
