#pragma once
// A small argument parser shared by kernscope-cli's commands: positionals, --options with values
// (--name VALUE or --name=VALUE, optionally restricted to choices), flags, short aliases, --help.
// parse() prints the help (stdout) or a one-line error (stderr) itself; commands then return
// 0 after help and 2 after an error:
//     ArgParser p("stats", "print summaries of a run");
//     p.positional("RUN", &run, "the run file (*.ksr.h5)");
//     p.option("--report", &report, "NAME", "which summary", {"kernels", "all"});
//     if (auto code = p.parse(args)) return *code;
#include "Commands.h"

#include <optional>
#include <string>
#include <vector>

namespace ks::cli {

class ArgParser {
public:
    ArgParser(std::string command, std::string summary);

    void positional(std::string name, std::string* out, std::string help, bool required = true);
    void option(std::string name, std::string* out, std::string valueName, std::string help,
                std::vector<std::string> choices = {});
    void flag(std::string name, bool* out, std::string help);
    // A short spelling ("-o") for an option or flag declared before.
    void alias(std::string shortName, const std::string& longName);
    // Free text appended to the help (examples, notes).
    void epilog(std::string text) { m_epilog = std::move(text); }

    // nullopt: run the command; otherwise the exit code to return (0 after --help, 2 on error).
    std::optional<int> parse(const Args& args);

    std::string help() const;
    // Prints "kernscope-cli <command>: <message>" to stderr and returns 2, for checks after parse.
    int fail(const std::string& message) const;
    // True when the option or flag was given on the command line.
    bool given(const std::string& name) const;

private:
    struct Spec {
        std::string name, valueName, help;
        std::string* value = nullptr;
        bool* flag = nullptr;
        std::vector<std::string> choices;
        std::string shortName;
        bool required = true;
        bool seen = false;
    };
    Spec* find(const std::string& name);

    std::string m_command, m_summary, m_epilog;
    std::vector<Spec> m_positionals, m_options;
};

} // namespace ks::cli
