#!/usr/bin/env python3
"""Writes a malformed corpus for every importer into OUTDIR, plus manifest.json listing what the
import of each file must do: "error" (one line naming the file) or "ok" with at least
`min_dropped` records counted as skipped, and optionally a text the run's notes must contain.

usage: make_malformed.py OUTDIR"""
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []


def write(name, data, expect, min_dropped=0, note=None, fmt=None):
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    manifest.append({"file": path, "expect": expect, "min_dropped": min_dropped, "note": note,
                     "format": fmt})


def kernel(**fields):
    e = {"ph": "X", "cat": "kernel", "name": "k", "pid": 0, "tid": 7, "ts": 10, "dur": 2,
         "args": {"device": 0, "stream": 7, "correlation": 1, "grid": [1, 1, 1],
                  "block": [32, 1, 1]}}
    e.update(fields)
    return e


good = [kernel(), {"ph": "X", "cat": "cpu_op", "name": "op", "pid": 1, "tid": 1, "ts": 5, "dur": 1}]
trace = json.dumps({"traceEvents": good * 50})

# --- Chrome / Kineto ---
write("chrome_truncated_mid_event.json", trace[: len(trace) // 2], "ok", note="truncated at byte")
write("chrome_truncated_in_header.json", '{"deviceProperties": [{"id": 0, "na', "error")
write("chrome_empty_object.json", "{}", "error")
write("chrome_not_json.json", "{this is not json", "error")
write("chrome_wrong_types.json", json.dumps({"traceEvents": [
    kernel(ts={"a": 1}), kernel(dur="abc"), kernel(ph=5), kernel(args=[1, 2]),
    kernel(args={"grid": [1e20, -1, "x"], "block": "no", "stream": -3, "device": 1e30}),
    "a string", 42, None, [1, 2], kernel()]}), "ok", min_dropped=6)
write("chrome_huge_numbers.json", json.dumps({"traceEvents": [
    kernel(ts=1e300), kernel(ts=9.3e15), kernel(dur=1e20), kernel(ts=-9.3e15),
    kernel(args={"grid": [1e20, 1, 1], "registers per thread": 1e20}), kernel()]}),
    "ok", min_dropped=4, note="beyond")
nested_pid = '{"traceEvents": [{"ph": "X", "ts": 1, "dur": 1, "pid": ' + "[" * 100000 + "]" * 100000 + "}]}"
write("chrome_nested_pid_100k.json", nested_pid, "ok")
write("chrome_nested_array_100k.json", "[" * 100000 + "]" * 100000, "error")  # nothing valid
write("chrome_unbalanced_be.json", json.dumps([
    {"ph": "E", "ts": 1, "pid": 0, "tid": 0}, {"ph": "B", "ts": 2, "pid": 0, "tid": 0, "name": "a"},
    {"ph": "E", "ts": 1, "pid": 0, "tid": 0}, {"ph": "B", "ts": 3, "pid": 0, "tid": 0, "name": "b"},
    {"ph": "X", "ts": 5, "dur": 1, "pid": 0, "tid": 0, "name": "x"}]),
    "ok", note="unclosed B")
write("chrome_garbage_between_events.json", '[' + json.dumps(good[0]) + ', ' + json.dumps(good[1]) +
      ' @@@ ' + json.dumps(good[0]) + ']', "ok", note="invalid JSON at byte")
write("chrome_escapes.json", json.dumps([kernel(name='quote " back \\ slash \u00e9 \ud83d\ude00')]), "ok")

# --- folded ---
write("folded_huge_count.folded", "a;b 18446744073709551616\na;c 18446744073709551615\na;d 3\n",
      "ok", min_dropped=2, fmt="folded")
write("folded_big_count_is_one_row.folded", "dd;read 10101010\n", "ok", fmt="folded")
write("folded_junk.folded", "a;b 1\n\x01\x02\x03 garbage\nno count here\n;;; 4\na;b -5\na;b 1.5\n",
      "ok", min_dropped=5, fmt="folded")
write("folded_only_junk.folded", "nothing valid\nat all\n", "error", fmt="folded")
write("folded_utf16_odd_bytes.folded", b"\xff\xfea\x00;\x00b\x00 \x001\x00\n", "ok", fmt="folded")

# --- perf script ---
perf_ok = "prog 12/13 [000] 100.000001: 7 cycles:\n\t 1 f (/bin/x)\n\n"
write("perf_huge_time.txt", "prog 12 99999999999999999999.000000: cycles:\n\t 1 f (/bin/x)\n\n" + perf_ok,
      "ok", min_dropped=1, fmt="perf-script")
write("perf_huge_period.txt", "prog 12 1.000000: 18446744073709551616 cycles:\n\t 1 f (/bin/x)\n\n" + perf_ok,
      "ok", min_dropped=1, fmt="perf-script")
write("perf_orphan_frames.txt", "\t 1 f (/bin/x)\n\t 2 g (/bin/x)\n\n" + perf_ok, "ok", min_dropped=1,
      fmt="perf-script")
write("perf_bad_headers.txt", "this is not a header\n\t 1 f (/bin/x)\n\n" + perf_ok, "ok",
      min_dropped=1, fmt="perf-script")
write("perf_truncated.txt", perf_ok + "prog 12/13 [000] 100.0", "ok", min_dropped=1, fmt="perf-script")

# --- rocprof ---
head = ('"Kind","Agent_Id","Queue_Id","Thread_Id","Dispatch_Id","Kernel_Id","Kernel_Name",'
        '"Correlation_Id","Start_Timestamp","End_Timestamp","Workgroup_Size_X","Workgroup_Size_Y",'
        '"Workgroup_Size_Z","Grid_Size_X","Grid_Size_Y","Grid_Size_Z"\n')
row = '"KERNEL_DISPATCH",1,1,69,1,16,"k",1,100,200,64,1,1,1024,1,1\n'
write("rocprof_missing_end.csv", head.replace(',"End_Timestamp"', "") + row, "error")
write("rocprof_wrong_types.csv", head + row +
      '"KERNEL_DISPATCH",x,1,69,1,16,"k",1,abc,200,64,1,1,1024,1,1\n'
      '"KERNEL_DISPATCH",1,1,69,1,16,"k",1,300,200,64,1,1,1024,1,1\n'
      '"KERNEL_DISPATCH",1,1,69,1,16,"k",1,1e30,1e31,64,1,1,1e30,1,1\n'
      '"KERNEL_DISPATCH",1,1\n', "ok", min_dropped=4)
write("rocprof_huge_grid.csv", head + '"KERNEL_DISPATCH",1,1,69,1,16,"k",1,100,200,1,1,1,'
      '99999999999999999999,18446744073709551615,1,1\n', "ok")
write("rocprof_unterminated_quote.csv", head + row + '"KERNEL_DISPATCH",1,1,69,1,16,"k', "ok",
      min_dropped=1, note="quoted cell")
write("rocprof_stats.csv", '"Name","Calls","TotalDurationNs","AverageNs","Percentage"\n"k",1,2,2,100\n',
      "error")

# --- speedscope ---
ss = {"$schema": "https://www.speedscope.app/file-format-schema.json",
      "shared": {"frames": [{"name": "a"}, {"name": "b"}]},
      "profiles": [{"type": "sampled", "name": "p", "unit": "milliseconds", "startValue": 0,
                    "endValue": 4, "samples": [[0, 1], [0, 7], "x", [0]],
                    "weights": [1, 1, 1, -2]},
                   {"type": "evented", "name": "e", "unit": "none", "startValue": 0, "endValue": 9,
                    "events": [{"type": "O", "frame": 0, "at": 0}, {"type": "C", "frame": 1, "at": 1},
                               {"type": "O", "frame": 9, "at": 2}, {"type": "X"}, 5]}]}
write("speedscope_bad_refs.speedscope.json", json.dumps(ss), "ok", min_dropped=4)
write("speedscope_truncated.speedscope.json", json.dumps(ss)[:100], "error", fmt="speedscope")
write("speedscope_deep.speedscope.json",
      '{"$schema": "speedscope", "profiles": ' + "[" * 100000 + "]" * 100000 + "}", "error",
      fmt="speedscope")

# --- cpuprofile ---
cycle = {"nodes": [{"id": 1, "callFrame": {"functionName": "(root)"}, "children": [2]},
                   {"id": 2, "callFrame": {"functionName": "a"}, "children": [3]},
                   {"id": 3, "callFrame": {"functionName": "b"}, "children": [2]}],
         "startTime": 0, "samples": [2, 3, 99, "x"], "timeDeltas": [1, 1, 1e300, 1]}
write("cpuprofile_cycle.cpuprofile", json.dumps(cycle), "ok", min_dropped=2)
write("cpuprofile_truncated.cpuprofile", json.dumps(cycle)[:60], "error", fmt="cpuprofile")
# A Node-layout head tree 500 levels deep (written as text: json.dumps recurses).
deep = "".join('{"id": %d, "functionName": "f%d", "children": [' % (i, i) for i in range(1, 501))
deep = '{"head": ' + deep + "]}" * 500 + ', "samples": [500], "timestamps": [5]}'
write("cpuprofile_deep_head.cpuprofile", deep, "ok")

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
