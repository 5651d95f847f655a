#include "ArgParser.h"

#include <algorithm>
#include <cstdio>

namespace ks::cli {

ArgParser::ArgParser(std::string command, std::string summary)
    : m_command(std::move(command)), m_summary(std::move(summary)) {}

void ArgParser::positional(std::string name, std::string* out, std::string help, bool required) {
    Spec s;
    s.name = std::move(name);
    s.value = out;
    s.help = std::move(help);
    s.required = required;
    m_positionals.push_back(std::move(s));
}

void ArgParser::option(std::string name, std::string* out, std::string valueName, std::string help,
                       std::vector<std::string> choices) {
    Spec s;
    s.name = std::move(name);
    s.value = out;
    s.valueName = std::move(valueName);
    s.help = std::move(help);
    s.choices = std::move(choices);
    m_options.push_back(std::move(s));
}

void ArgParser::flag(std::string name, bool* out, std::string help) {
    Spec s;
    s.name = std::move(name);
    s.flag = out;
    s.help = std::move(help);
    m_options.push_back(std::move(s));
}

void ArgParser::alias(std::string shortName, const std::string& longName) {
    if (Spec* s = find(longName)) s->shortName = std::move(shortName);
}

ArgParser::Spec* ArgParser::find(const std::string& name) {
    for (Spec& s : m_options)
        if (s.name == name || (!s.shortName.empty() && s.shortName == name)) return &s;
    return nullptr;
}

bool ArgParser::given(const std::string& name) const {
    for (const Spec& s : m_options)
        if (s.name == name) return s.seen;
    return false;
}

int ArgParser::fail(const std::string& message) const {
    std::fprintf(stderr, "kernscope-cli %s: %s (see 'kernscope-cli %s --help')\n",
                 m_command.c_str(), message.c_str(), m_command.c_str());
    return 2;
}

std::string ArgParser::help() const {
    std::string out = "usage: kernscope-cli " + m_command;
    for (const Spec& p : m_positionals) out += p.required ? " " + p.name : " [" + p.name + "]";
    if (!m_options.empty()) out += " [options]";
    out += "\n\n" + m_summary + "\n";
    auto line = [&](const std::string& left, const std::string& text) {
        std::string l = "  " + left;
        if (l.size() < 26)
            l.resize(26, ' ');
        else
            l += "\n" + std::string(26, ' ');
        out += l + text + "\n";
    };
    if (!m_positionals.empty()) out += "\narguments:\n";
    for (const Spec& p : m_positionals) line(p.name, p.help);
    out += "\noptions:\n";
    for (const Spec& o : m_options) {
        std::string left = o.shortName.empty() ? o.name : o.shortName + ", " + o.name;
        if (o.value) left += " " + o.valueName;
        std::string text = o.help;
        if (!o.choices.empty()) {
            text += " (";
            for (size_t i = 0; i < o.choices.size(); ++i) {
                if (i > 0) text += '|';
                text += o.choices[i];
            }
            text += ")";
        }
        if (o.value && !o.value->empty()) text += "; default " + *o.value;
        line(left, text);
    }
    line("-h, --help", "print this help");
    if (!m_epilog.empty()) out += "\n" + m_epilog + "\n";
    return out;
}

std::optional<int> ArgParser::parse(const Args& args) {
    size_t nextPositional = 0;
    bool onlyPositionals = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!onlyPositionals && (a == "--help" || a == "-h")) {
            std::fputs(help().c_str(), stdout);
            return 0;
        }
        if (!onlyPositionals && a == "--") {
            onlyPositionals = true;
            continue;
        }
        if (!onlyPositionals && a.size() > 1 && a[0] == '-') {
            std::string name = a, value;
            bool inlineValue = false;
            if (const size_t eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
                name = a.substr(0, eq);
                value = a.substr(eq + 1);
                inlineValue = true;
            }
            Spec* s = find(name);
            if (!s) return fail("unknown option '" + name + "'");
            if (s->flag) {
                if (inlineValue) return fail("option '" + name + "' takes no value");
                *s->flag = true;
                s->seen = true;
                continue;
            }
            if (!inlineValue) {
                if (i + 1 >= args.size()) return fail("option '" + name + "' needs a value");
                value = args[++i];
            }
            if (!s->choices.empty() &&
                std::find(s->choices.begin(), s->choices.end(), value) == s->choices.end()) {
                std::string choices;
                for (size_t c = 0; c < s->choices.size(); ++c) {
                    if (c > 0) choices += ", ";
                    choices += s->choices[c];
                }
                return fail("'" + value + "' is not a valid value for " + s->name +
                            " (one of: " + choices + ")");
            }
            *s->value = value;
            s->seen = true;
            continue;
        }
        if (nextPositional >= m_positionals.size()) return fail("unexpected argument '" + a + "'");
        *m_positionals[nextPositional].value = a;
        m_positionals[nextPositional++].seen = true;
    }
    for (const Spec& p : m_positionals)
        if (p.required && !p.seen) return fail("missing " + p.name);
    return std::nullopt;
}

} // namespace ks::cli
