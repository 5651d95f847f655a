#pragma once
// Pairs run tensors with reference tensors by name, after user rules: an explicit map, stripped
// prefixes and regular-expression rewrites. Unmatched names on either side are listed.
#include "data/Result.h"
#include "data/Tensor.h"

#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace ks::data::compare {

struct Rewrite {
    std::string spec; // "REGEX=REPLACEMENT" as given
    std::regex regex;
    std::string replacement; // ECMAScript format: $1, $2 ...
};

struct MatchRules {
    std::map<std::string, std::string> explicitMap; // run name -> reference name (exact)
    std::vector<std::string> stripPrefixes;         // removed from both sides' names
    std::vector<Rewrite> rewrites;                  // applied to both sides, in order

    Status addRewrite(const std::string& spec); // "REGEX=REPLACEMENT"
    // Map file: one pair per line, "RUN_NAME REF_NAME" or "RUN_NAME = REF_NAME"; '#' comments.
    Status loadMapFile(const std::string& path);
    // The key a name is matched by.
    std::string normalise(const std::string& name) const;
};

struct Matching {
    std::vector<std::pair<size_t, size_t>> pairs; // (run index, reference index)
    std::vector<std::string> unmatchedRun;
    std::vector<std::string> unmatchedRef;
};

Matching matchTensors(const std::vector<Tensor>& run, const std::vector<Tensor>& ref,
                      const MatchRules& rules);

} // namespace ks::data::compare
