"""Nsight Compute CSV import, checked with Python's csv module as the oracle.

usage: check_ncu_import.py KERNSCOPE_CLI SCRATCH_DIR attach
       check_ncu_import.py KERNSCOPE_CLI SCRATCH_DIR real THIRDPARTY_DIR   (exit 77 when absent)

attach: a version-1 run file written by h5py (tests/data/write_runfile.py) gets metrics from a
generated ncu CSV attached by launch order and name; the result is a version-2 file that keeps
everything the old one had.
real: the real `ncu --csv` console log in shared/thirdparty, field by field.
"""
import csv
import io
import math
import os
import subprocess
import sys

import h5py
import numpy as np

CLI, SCRATCH, MODE = sys.argv[1:4]
os.makedirs(SCRATCH, exist_ok=True)
HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def cli(*args, expect=0):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    check(p.returncode == expect, f"kernscope-cli {' '.join(args)}: exit {p.returncode} "
                                  f"{p.stderr.strip()}")
    return p.stdout


def metrics(path):
    with h5py.File(path, "r") as f:
        blob = f["strings/data"][...].tobytes()
        off = f["strings/offsets"][...]
        text = lambda i: blob[off[i]:off[i + 1]].decode("utf-8")
        g = f["gpu/kernel_metrics"]
        rows = {c: g[c][...] for c in g.keys()}
        for c in ("kernel_name", "section", "metric", "unit", "text", "grid", "block"):
            rows[c] = [text(i) for i in rows[c]]
        return rows, int(f.attrs["format_version"]), f


def expected_rows(text):
    """The CSV part of ncu's console output: the lines that start with a quote."""
    lines = [l for l in text.splitlines(keepends=True) if l.startswith('"')]
    reader = csv.reader(io.StringIO("".join(lines)))
    header = next(reader)
    return [dict(zip(header, r)) for r in reader]


HEADER = ('"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream",'
          '"Block Size","Grid Size","Device","CC","Section Name","Metric Name","Metric Unit",'
          '"Metric Value","Rule Name","Rule Type","Rule Description","Estimated Speedup Type",'
          '"Estimated Speedup"\n')


def row(launch, kernel, metric, unit, value):
    return (f'"{launch}","7","app","host","{kernel}","1","3","(128, 1, 1)","(64, 1, 1)","0",'
            f'"9.0","GPU Speed Of Light Throughput","{metric}","{unit}","{value}",\n')


if MODE == "attach":
    v1 = os.path.join(SCRATCH, "v1.ksr.h5")
    subprocess.run([sys.executable, os.path.join(HERE, "write_runfile.py"), v1], check=True)
    with h5py.File(v1, "r") as f:
        check(int(f.attrs["format_version"]) == 1, "fixture is a version-1 file")
    print(cli("stats", v1, "--report", "kernels").splitlines()[0])  # version 1 still reads

    kernels = ["void matmul_kernel<float>(float*, int)", "relu_kernel", "matmul_kernel",
               "matmul_kernel", "never_ran_kernel"]
    text = "==PROF== Connected to process 7 (app)\n12 34 program output\n" + HEADER
    for i, k in enumerate(kernels):
        text += row(i, k, "Duration", "ns", 1000 + i)
        text += row(i, k, "SM Frequency", "hz", "1,234.5")
    text += ('"1","7","app","host","relu_kernel","1","3","(128, 1, 1)","(64, 1, 1)","0","9.0",'
             '"WorkloadDistribution","","","","Imbalance","OPT","One or more SMs, ""busy"" ones,'
             '\nwait.","global","5.8"\n')
    text += row("x", "relu_kernel", "Duration", "ns", 1)  # an ID that is not a number: skipped
    text += "==PROF== Disconnected from process 7\n"
    csv_path = os.path.join(SCRATCH, "generated_ncu.csv")
    open(csv_path, "w").write(text)

    out = os.path.join(SCRATCH, "attached.ksr.h5")
    print(cli("import", csv_path, "--attach", v1, "-o", out).strip())
    m, version, _ = metrics(out)
    check(version == 2, f"attached file is format version {version}")
    # write_runfile.py: kernels alternate matmul (rows 0, 2, 4, ...) and relu (1, 3, ...), in time
    # order; launches take the next kernel with their name.
    want = {0: 0, 1: 1, 2: 2, 3: 4, 4: 0xFFFFFFFF}
    got = {int(l): int(k) for l, k in zip(m["launch"], m["kernel"])}
    check(got == want, f"launch -> kernel row {got}, expected {want}")
    check(len(m["launch"]) == 11, f"{len(m['launch'])} metric rows, expected 11")
    freq = [v for v, n in zip(m["value"], m["metric"]) if n == "SM Frequency"]
    check(freq == [1234.5] * 5, f"thousands separators: {freq}")
    dur = [v for v, n in zip(m["value"], m["metric"]) if n == "Duration"]
    check(dur == [1000, 1001, 1002, 1003, 1004], f"durations {dur}")
    rules = [i for i, k in enumerate(m["kind"]) if k == 1]
    check(len(rules) == 1, "one rule row")
    if rules:
        r = rules[0]
        check(m["metric"][r] == "Imbalance" and m["unit"][r] == "OPT" and
              m["text"][r] == 'One or more SMs, "busy" ones,\nwait.' and m["value"][r] == 5.8,
              f"rule row {m['metric'][r]!r} {m['unit'][r]!r} {m['text'][r]!r} {m['value'][r]}")
    with h5py.File(out, "r") as f:
        check(int(f["collector"].attrs["dropped_records"]) == 0, "the run's own counts kept")
        check(len(f["gpu/kernels/start_ns"]) == 10 and "counters/temperature" in f and
              "tensors/layer1/weight" in f, "the attached run keeps the old tables")
    # Standalone: the skipped row is counted; stats shows the table.
    alone = os.path.join(SCRATCH, "alone.ksr.h5")
    cli("import", csv_path, "-o", alone)
    with h5py.File(alone, "r") as f:
        check(int(f["collector"].attrs["dropped_records"]) == 1, "skipped ncu row counted")
    report = cli("stats", alone, "--report", "metrics", "--format", "csv")
    table = list(csv.reader(io.StringIO(report)))
    check(len(table) == 12 and table[0][0] == "Launch" and
          sum(1 for r in table[1:] if r[6] == "rule") == 1,
          f"stats --report metrics: {len(table)} CSV records")
    # Malformed: no header, no rows, a run that already has metrics.
    for name, body in [("no_header", "==PROF== nothing\n"), ("no_rows", HEADER),
                       ("binary", "\"\0\0\0")]:
        path = os.path.join(SCRATCH, name + ".csv")
        open(path, "w").write(body)
        p = subprocess.run([CLI, "import", path, "--ncu-csv", "-o", path + ".ksr.h5"],
                           capture_output=True, text=True)
        check(p.returncode == 2 and path in p.stderr and len(p.stderr.splitlines()) == 1,
              f"{name}: exit {p.returncode} {p.stderr!r}")
    cli("import", csv_path, "--attach", out, "-o", out + ".again", expect=2)

elif MODE == "real":
    log = os.path.join(sys.argv[4], "ncu", "superbench_cublaslt_ncu_csv.log")
    if not os.path.exists(log):
        print(f"skipped: {log} is absent")
        sys.exit(77)
    out = os.path.join(SCRATCH, "superbench.ksr.h5")
    print(cli("import", log, "-o", out).strip())
    exp = expected_rows(open(log, encoding="utf-8").read())
    m, version, _ = metrics(out)
    check(len(m["launch"]) == len(exp) == 58, f"{len(m['launch'])} rows, csv has {len(exp)}")
    for i, e in enumerate(exp):
        rule = e["Metric Name"] == "" and e.get("Rule Name", "") != ""
        fields = [(int(m["launch"][i]), int(e["ID"])), (m["kernel_name"][i], e["Kernel Name"]),
                  (int(m["device"][i]), int(e["Device"])), (int(m["stream"][i]), int(e["Stream"])),
                  (m["block"][i], e["Block Size"]), (m["grid"][i], e["Grid Size"]),
                  (m["section"][i], e["Section Name"]), (int(m["kind"][i]), int(rule))]
        if rule:
            fields += [(m["metric"][i], e["Rule Name"]), (m["unit"][i], e["Rule Type"]),
                       (m["text"][i], e["Rule Description"])]
            speedup = e.get("Estimated Speedup", "")
            if speedup:
                fields.append((m["value"][i], float(speedup)))
            else:
                check(math.isnan(m["value"][i]), f"row {i}: no speedup reads as NaN")
        else:
            fields += [(m["metric"][i], e["Metric Name"]), (m["unit"][i], e["Metric Unit"]),
                       (m["text"][i], e["Metric Value"])]
            try:
                fields.append((m["value"][i], float(e["Metric Value"].replace(",", ""))))
            except ValueError:
                check(math.isnan(m["value"][i]), f"row {i}: non-number value is NaN")
        for ours, theirs in fields:
            check(ours == theirs, f"row {i}: {ours!r} != {theirs!r}")
    print(f"{len(exp)} rows, {sum(1 for k in m['kind'] if k == 1)} rules checked")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
