#include "data/compare/Matching.h"

#include <fstream>
#include <sstream>
#include <unordered_map>

namespace ks::data::compare {

Status MatchRules::addRewrite(const std::string& spec) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
        return makeError("rename '" + spec + "': expected REGEX=REPLACEMENT");
    Rewrite r;
    r.spec = spec;
    r.replacement = spec.substr(eq + 1);
    try {
        r.regex = std::regex(spec.substr(0, eq), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
        return makeError("rename '" + spec + "': bad regular expression: " + e.what());
    }
    rewrites.push_back(std::move(r));
    return Status::success();
}

Status MatchRules::loadMapFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return makeError(path + ": cannot open map file");
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        for (char& c : line)
            if (c == '=' || c == '\t' || c == ',') c = ' ';
        std::istringstream words(line);
        std::string a, b, extra;
        if (!(words >> a)) continue;
        if (!(words >> b) || (words >> extra))
            return makeError(path + ":" + std::to_string(lineNo) +
                             ": expected 'RUN_NAME REF_NAME'");
        explicitMap[a] = b;
    }
    return Status::success();
}

std::string MatchRules::normalise(const std::string& name) const {
    std::string s = name;
    for (const auto& p : stripPrefixes)
        if (!p.empty() && s.starts_with(p)) s.erase(0, p.size());
    for (const auto& r : rewrites) s = std::regex_replace(s, r.regex, r.replacement);
    return s;
}

Matching matchTensors(const std::vector<Tensor>& run, const std::vector<Tensor>& ref,
                      const MatchRules& rules) {
    Matching m;
    std::unordered_map<std::string, size_t> byExact, byKey;
    for (size_t j = 0; j < ref.size(); ++j) {
        byExact.emplace(ref[j].name, j);
        byKey.emplace(rules.normalise(ref[j].name), j); // first of equal keys wins
    }
    std::vector<bool> used(ref.size(), false);
    for (size_t i = 0; i < run.size(); ++i) {
        size_t j = SIZE_MAX;
        if (auto e = rules.explicitMap.find(run[i].name); e != rules.explicitMap.end()) {
            if (auto it = byExact.find(e->second); it != byExact.end()) j = it->second;
        } else if (auto it = byKey.find(rules.normalise(run[i].name)); it != byKey.end()) {
            j = it->second;
        }
        if (j == SIZE_MAX || used[j]) {
            m.unmatchedRun.push_back(run[i].name);
            continue;
        }
        used[j] = true;
        m.pairs.emplace_back(i, j);
    }
    for (size_t j = 0; j < ref.size(); ++j)
        if (!used[j]) m.unmatchedRef.push_back(ref[j].name);
    return m;
}

} // namespace ks::data::compare
