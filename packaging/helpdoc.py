#!/usr/bin/env python3
"""Man pages and bash completion made from the programs' own --help text, so they never drift.

Run at build time on the freshly built binaries (see packaging/Packaging.cmake):

    helpdoc.py man  --binary PATH --name PROGRAM --version V --summary TEXT --out FILE.1.gz
                    [--commands]   # kernscope-cli: one section per command from 'CMD --help'
    helpdoc.py bash --binary PATH --name PROGRAM --out FILE [--commands]
    helpdoc.py gzip IN OUT         # gzip -9n: no name, no time stamp (reproducible)

The help text is read as it is printed: 'usage:' lines become the synopsis, lines such as
'options:' become sub-headings, indented 'TERM  description' lines become tagged paragraphs,
'example(s):' blocks are kept verbatim, everything else is running text.
"""

import argparse
import gzip
import io
import os
import re
import subprocess
import sys
import tempfile


def run_help(binary, args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="ks-helpdoc-"))
    proc = subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=60)
    if not proc.stdout.strip():
        sys.exit(f"helpdoc: '{binary} {' '.join(args)}' printed no help (exit "
                 f"{proc.returncode}): {proc.stderr.strip()[:300]}")
    if proc.returncode != 0:  # tests/cli checks the exit code; the text is still the help
        print(f"helpdoc: warning: '{' '.join(args)}' exited {proc.returncode}", file=sys.stderr)
    return proc.stdout


def commands_of(top_help):
    """(name, summary) pairs of the 'commands:' section of a top-level help."""
    out, inside = [], False
    for line in top_help.splitlines():
        if re.fullmatch(r"commands:\s*", line, re.I):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s+([a-z][\w-]*)\s+(.*\S)", line)
            if not m:
                if out:
                    break
                continue
            out.append((m.group(1), m.group(2)))
    if not out:
        sys.exit("helpdoc: no 'commands:' section in the top-level help")
    return out


# ----------------------------------------------------------------------------------- man pages

def roff(text):
    """Escapes running text for roff: backslashes, minus signs, leading dots/quotes."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


HEADING = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
ENTRY = re.compile(r"^ {1,4}(-\S.*|[A-Z][A-Z0-9_.]*(?:\.\.\.)?(?: .*)?|[a-z][\w-]*(?: .*)?)$")
EXAMPLE = re.compile(r"^(examples?):\s*(.*)$", re.I)


def description_column(lines):
    """The column where the descriptions of a block of entries start (the most common one)."""
    counts = {}
    for line in lines:
        m = re.match(r"^( {1,4}\S.*?\S?)( {2,})\S", line)
        if m:
            col = len(m.group(1)) + len(m.group(2))
            counts[col] = counts.get(col, 0) + 1
    return max(counts, key=counts.get) if counts else None


def entry_width(lines, start, column):
    """A tag width for a block of short terms (commands), so they stay on the tag's line."""
    terms = []
    for line in lines[start:]:
        if not line.strip():
            break
        if ENTRY.match(line):
            terms.append(split_entry(line, column)[0])
    longest = max((len(t) for t in terms), default=0)
    return longest + 2 if 0 < longest <= 10 else None


def split_entry(line, column):
    if column and len(line) > column and line[column - 1] == " " and line[column] != " ":
        return line[:column].strip(), line[column:].strip()
    m = re.match(r"^\s*(.*?\S)(?: {2,}(.*))?$", line)
    return m.group(1), (m.group(2) or "").strip()


def section_heading(title):
    return [f'.SS "{title}"']


def bold_heading(title):
    return [".PP", f"\\fB{roff(title)}:\\fR"]


def help_to_roff(text, heading=section_heading):
    """Body of a man page section from one help text (the usage lines are left to the caller)."""
    lines = text.rstrip("\n").splitlines()
    out, i = [], 0
    # Skip the usage block: the 'usage:' line and the indented lines after it.
    if lines and lines[0].lower().startswith("usage:"):
        i = 1
        while i < len(lines) and lines[i].startswith(" "):
            i += 1
    column = description_column(lines[i:])
    in_entries = False
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            in_entries = False
            out.append(".PP")
            i += 1
            continue
        m = EXAMPLE.match(line)
        if m:
            out.append(".PP")
            out.append(f"\\fB{m.group(1).capitalize()}:\\fR")
            out.append(".PP")
            out.append(".RS 4")
            out.append(".nf")
            if m.group(2):
                out.append(roff(m.group(2)))
            i += 1
            while i < len(lines) and lines[i].startswith(" ") and lines[i].strip():
                out.append(roff(lines[i].strip()))
                i += 1
            out.append(".fi")
            out.append(".RE")
            in_entries = False
            continue
        m = HEADING.match(line)
        if m:
            out += heading(m.group(1).capitalize())
            in_entries = True
            width = entry_width(lines, i + 1, column)
            i += 1
            continue
        if in_entries and ENTRY.match(line):
            term, desc = split_entry(line, column)
            i += 1
            # Continuation lines: indented deeper than the term and not a new entry.
            while (i < len(lines) and lines[i].startswith("    ") and lines[i].strip()
                   and not re.match(r"^ {1,4}-", lines[i])):
                desc += " " + lines[i].strip()
                i += 1
            out.append(f".TP {width}" if width else ".TP")
            out.append("\\fB" + roff(term) + "\\fR")
            out.append(roff(desc) if desc else "")
            continue
        # "Defaults: ...", "--inputs: ..." start a paragraph of their own.
        if re.match(r"^(--[\w-]+|[A-Z][\w ]*):\s", line) and out and out[-1] != ".PP":
            out.append(".PP")
        out.append(roff(line.strip()))
        i += 1
    # Collapse repeated paragraph breaks and drop a trailing one.
    cleaned = []
    for item in out:
        if item == ".PP" and cleaned and cleaned[-1].startswith((".PP", ".TP")) or (
                item == ".PP" and not cleaned):
            continue
        cleaned.append(item)
    while cleaned and cleaned[-1] == ".PP":
        cleaned.pop()
    return cleaned


def usage_lines(text):
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("usage:"):
        return []
    block = [lines[0][len("usage:"):].strip()]
    for line in lines[1:]:
        if not line.startswith(" ") or not line.strip():
            break
        block.append(line.strip())
    return block


def synopsis(block, program):
    out = [".nf"]
    for j, line in enumerate(block):
        line = re.sub(r"^\S*/" + re.escape(program), program, line)  # Qt prints argv[0]
        if j == 0 and line.startswith(program):
            out.append(f"\\fB{roff(program)}\\fR" + roff(line[len(program):]))
        else:
            out.append("    " + roff(line))
    out.append(".fi")
    return out


def make_man(args):
    top = run_help(args.binary, ["--help"])
    page = [
        f'.TH "{args.name.upper()}" "1" "" "{args.name} {args.version}" "User Commands"',
        f".\\\" Generated from '{args.name} --help' by packaging/helpdoc.py; do not edit.",
        ".SH NAME",
        f"{roff(args.name)} \\- {roff(args.summary)}",
        ".SH SYNOPSIS",
    ]
    block = usage_lines(top)
    if not block:
        # Qt's parser prints "Usage: PROGRAM [options] files".
        first = top.splitlines()[0]
        block = [first.split(":", 1)[1].strip()] if ":" in first else [args.name]
        top = "\n".join(top.splitlines()[1:])
    page += synopsis(block, args.name)
    page.append(".SH DESCRIPTION")
    page += help_to_roff(top)
    if args.commands:
        page.append(".SH COMMANDS")
        for name, summary in commands_of(top):
            sub = run_help(args.binary, [name, "--help"])
            page.append(f'.SS "{args.name} {name}"')
            page.append(roff(summary[0].upper() + summary[1:]) + ".")
            page.append(".PP")
            page += synopsis(usage_lines(sub) or [f"{args.name} {name}"], args.name)
            page.append(".PP")
            # Headings inside a command become bold lines (a man page has two heading levels).
            page += help_to_roff(sub, heading=bold_heading)
        page.append(".SH EXIT STATUS")
        page.append("0 on success; 2 on bad arguments or bad input, with one line naming the file "
                    "and the problem. \\fBcompare\\fR exits 1 when a pair of tensors fails.")
    page.append(".SH SEE ALSO")
    page.append(roff(args.see_also))
    write_gzip("\n".join(page) + "\n", args.out)


def write_gzip(text, path):
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    with open(path, "wb") as f:
        f.write(raw.getvalue())


# ------------------------------------------------------------------------------ bash completion

OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def options_of(help_text):
    """Options, those that take a value, and the choices of some, as the help spells them."""
    options, takes_value, choices = [], set(), {}
    for opt in OPTION.findall(help_text):
        if opt not in options and not re.fullmatch(r"-\w\w+", opt):  # no '-abc' words
            options.append(opt)
    def value_of(opt, value):
        alternatives = value.split("|")
        if len(alternatives) > 1 and all(re.fullmatch(r"[a-z0-9][\w-]*", a) for a in alternatives):
            choices[opt] = alternatives
        takes_value.add(opt)

    # Usage brackets: "[--steps N]", "[--backend auto|cpu|cuda]", "[-o RUN.ksr.h5]".
    for m in re.finditer(r"\[(--?[\w-]+)[ =]([^\]\s]+)\]", help_text):
        value_of(m.group(1), m.group(2))
    # Entry lines: "  --report NAME   ...", "  --rtol X --atol Y  ...", "  --theme <THEME>  ...".
    for line in help_text.splitlines():
        if not re.match(r"^\s{1,4}-", line):
            continue
        for m in re.finditer(r"(--?[\w-]+)[ =](<\w+>|[A-Z][\w.,=|-]*)(?=\s|$)", line):
            value_of(m.group(1), m.group(2).strip("<>"))
    # Entry descriptions naming the choices: "--report NAME  which summary (a|b|c)"
    for m in re.finditer(r"^\s+(--[\w-]+) [A-Z]\w*\s+.*?\(([\w-]+(?:\|[\w-]+)+)\)", help_text,
                         re.M):
        choices.setdefault(m.group(1), m.group(2).split("|"))
    for m in re.finditer(r"^\s+(-\w), (--[\w-]+) \S", help_text, re.M):
        if m.group(2) in takes_value:
            takes_value.add(m.group(1))
    return options, sorted(takes_value), choices


def bash_case_for(options, takes_value, choices, indent):
    pad = " " * indent
    lines = [f'{pad}case "$prev" in']
    for opt, values in sorted(choices.items()):
        lines.append(f'{pad}{opt}) COMPREPLY=($(compgen -W "{" ".join(values)}" -- "$cur")); '
                     "return ;;")
    plain = [o for o in takes_value if o not in choices]
    if plain:
        lines.append(f"{pad}{'|'.join(plain)}) return ;;  # a value: files by default")
    lines.append(f"{pad}esac")
    lines.append(f'{pad}if [[ "$cur" == -* ]]; then')
    lines.append(f'{pad}    COMPREPLY=($(compgen -W "{" ".join(options)}" -- "$cur"))')
    lines.append(f"{pad}fi")
    return lines


def make_bash(args):
    func = "_" + re.sub(r"\W", "_", args.name)
    top = run_help(args.binary, ["--help"])
    out = [
        f"# bash completion for {args.name}, generated from its --help text by",
        "# packaging/helpdoc.py at build time; do not edit.",
        f"{func}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    COMPREPLY=()",
    ]
    if args.commands:
        cmds = commands_of(top)
        out.append("    if [ \"$COMP_CWORD\" -eq 1 ]; then")
        names = " ".join(n for n, _ in cmds) + " --help --version"
        out.append(f'        COMPREPLY=($(compgen -W "{names}" -- "$cur"))')
        out.append("        return")
        out.append("    fi")
        out.append('    case "${COMP_WORDS[1]}" in')
        for name, _ in cmds:
            options, takes_value, choices = options_of(run_help(args.binary, [name, "--help"]))
            out.append(f"    {name})")
            out += bash_case_for(options, takes_value, choices, 8)
            out.append("        ;;")
        out.append("    esac")
    else:
        options, takes_value, choices = options_of(top)
        out += bash_case_for(options, takes_value, choices, 4)
    out.append("}")
    out.append(f"complete -o default -F {func} {args.name}")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    for mode in ("man", "bash"):
        p = sub.add_parser(mode)
        p.add_argument("--binary", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--out", required=True)
        p.add_argument("--commands", action="store_true")
        if mode == "man":
            p.add_argument("--version", required=True)
            p.add_argument("--summary", required=True)
            p.add_argument("--see-also", default="")
    g = sub.add_parser("gzip")
    g.add_argument("input")
    g.add_argument("output")
    args = parser.parse_args()
    if args.mode == "man":
        make_man(args)
    elif args.mode == "bash":
        make_bash(args)
    else:
        with open(args.input, encoding="utf-8") as f:
            write_gzip(f.read(), args.output)


if __name__ == "__main__":
    main()
