"""Checks `kernscope-cli import` of real Nsight Systems SQLite exports against SQL over the same
files, field by field, and `kernscope-cli stats` against the `nsys stats` reports
cuda_gpu_kern_sum and cuda_gpu_mem_time_sum computed with SQL + pandas.

usage: check_nsys_import.py KERNSCOPE_CLI THIRDPARTY_DIR SCRATCH_DIR
Exits 77 (skipped) when THIRDPARTY_DIR/nsys is absent.
"""
import io
import math
import os
import sqlite3
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

CLI, THIRDPARTY, SCRATCH = sys.argv[1:4]
NSYS = os.path.join(THIRDPARTY, "nsys")
FILES = ["nsysai_h100_2gpu_1s.sqlite", "nsysai_mock.sqlite"]
if not all(os.path.exists(os.path.join(NSYS, f)) for f in FILES):
    print(f"skipped: {NSYS} is absent")
    sys.exit(77)
os.makedirs(SCRATCH, exist_ok=True)

# nsys ENUM_CUDA_MEMCPY_OPER label -> the operation name kernscope prints
OPERATION = {
    "Unknown": "Unknown", "Host-to-Device": "HtoD", "Device-to-Host": "DtoH",
    "Host-to-Array": "HtoA", "Array-to-Host": "AtoH", "Array-to-Array": "AtoA",
    "Array-to-Device": "AtoD", "Device-to-Array": "DtoA", "Device-to-Device": "DtoD",
    "Host-to-Host": "HtoH", "Peer-to-Peer": "PtoP", "Unified Host-to-Device": "UVM HtoD",
    "Unified Device-to-Host": "UVM DtoH", "Unified Device-to-Device": "UVM DtoD",
}
# ENUM_CUDA_MEM_KIND id -> kernscope MemoryKind (0 = unknown)
MEM_KIND = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"kernscope-cli {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p.stdout


class RunFile:
    def __init__(self, path):
        self.f = h5py.File(path, "r")
        blob = self.f["strings/data"][...].tobytes()
        off = self.f["strings/offsets"][...]
        self.text = [blob[off[i]:off[i + 1]].decode("utf-8") for i in range(len(off) - 1)]

    def table(self, path, names=()):
        if path not in self.f:
            return pd.DataFrame()
        g = self.f[path]
        df = pd.DataFrame({c: g[c][...] for c in g.keys()})
        for c in names:
            df[c] = [self.text[i] for i in df[c]]
        return df


def stats_frame(durations_by_key):
    """cuda_gpu_kern_sum's statistics per group: total, count, avg, median, min, max, stdev."""
    g = durations_by_key.groupby("key").dur
    out = pd.DataFrame({
        "total": g.sum(), "count": g.count(), "avg": g.mean(), "med": g.median(),
        "min": g.min(), "max": g.max(), "std": g.std(ddof=1).fillna(0.0)})
    out["pct"] = out.total * 100.0 / out.total.sum()
    return out


def compare_stats(name, expected, csv_text, key_column):
    ours = pd.read_csv(io.StringIO(csv_text))
    ours = ours.set_index(key_column)
    check(sorted(ours.index) == sorted(expected.index),
          f"{name}: groups differ: {sorted(set(ours.index) ^ set(expected.index))[:5]}")
    check(list(ours["Total Time (ns)"]) == sorted(ours["Total Time (ns)"], reverse=True),
          f"{name}: rows not sorted by total time")
    for key, e in expected.iterrows():
        if key not in ours.index:
            continue
        o = ours.loc[key]
        for col, ref, tol in [("Total Time (ns)", e.total, 0), ("Instances", e["count"], 0),
                              ("Min (ns)", e["min"], 0), ("Max (ns)", e["max"], 0),
                              ("Avg (ns)", e.avg, 1e-3), ("Med (ns)", e.med, 1e-3),
                              ("StdDev (ns)", e["std"], 1e-3 + 1e-9 * e["std"]),
                              ("Time (%)", e.pct, 1e-3)]:
            check(abs(float(o[col]) - float(ref)) <= tol,
                  f"{name}: {str(key)[:60]}: {col} {o[col]} != {ref}")


def check_file(name):
    path = os.path.join(NSYS, name)
    out = os.path.join(SCRATCH, name + ".ksr.h5")
    print(run("import", path, "-o", out).strip())
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    q = lambda sql: pd.read_sql_query(sql, db)
    has = lambda t: len(q(f"SELECT name FROM sqlite_master WHERE name = '{t}'")) > 0
    r = RunFile(out)

    # Capture start and the epoch.
    epoch = q("SELECT utcEpochNs FROM TARGET_INFO_SESSION_START_TIME").utcEpochNs[0]
    check(int(r.f.attrs["origin_unix_ns"]) == int(epoch), f"{name}: origin_unix_ns")
    check(r.f.attrs["backend"] == "imported:nsys", f"{name}: backend")

    # Kernels, field by field (both sides in start order; ties broken the same way).
    ek = q("""SELECT k.start, k.end, k.deviceId, k.streamId, s.value AS name, k.gridX, k.gridY,
                     k.gridZ, k.blockX, k.blockY, k.blockZ, k.registersPerThread,
                     k.staticSharedMemory, k.dynamicSharedMemory
              FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.demangledName""")
    ok = r.table("gpu/kernels", ["name"])
    keys = ["start", "end", "name"]
    ek = ek.sort_values(keys, kind="stable").reset_index(drop=True)
    ok = ok.rename(columns={"start_ns": "start", "end_ns": "end"}).sort_values(
        keys, kind="stable").reset_index(drop=True)
    check(len(ok) == len(ek), f"{name}: {len(ok)} kernels, nsys has {len(ek)}")
    for theirs, ours in [("start", "start"), ("end", "end"), ("deviceId", "device"),
                         ("streamId", "stream"), ("name", "name"), ("gridX", "grid_x"),
                         ("gridY", "grid_y"), ("gridZ", "grid_z"), ("blockX", "block_x"),
                         ("blockY", "block_y"), ("blockZ", "block_z"),
                         ("registersPerThread", "registers_per_thread"),
                         ("staticSharedMemory", "shared_static"),
                         ("dynamicSharedMemory", "shared_dynamic")]:
        check(list(ek[theirs]) == list(ok[ours]), f"{name}: kernel column {ours} differs")

    # Copies: every field, copy kind through the file's own enum labels.
    em = q("""SELECT m.start, m.end, m.deviceId, m.streamId, m.bytes, e.label, m.srcKind,
                     m.dstKind
              FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN ENUM_CUDA_MEMCPY_OPER e ON e.id = m.copyKind
              ORDER BY m.start""")
    om = r.table("gpu/memcpy").sort_values("start_ns", kind="stable").reset_index(drop=True)
    check(len(om) == len(em), f"{name}: {len(om)} copies, nsys has {len(em)}")
    if len(em):
        kinds = {1: "HtoD", 2: "DtoH", 3: "DtoD", 4: "HtoH", 5: "PtoP"}
        check(list(em.start) == list(om.start_ns) and list(em.end) == list(om.end_ns),
              f"{name}: copy times")
        check(list(em.bytes) == list(om.bytes), f"{name}: copy bytes")
        check(list(em.deviceId) == list(om.device) and list(em.streamId) == list(om.stream),
              f"{name}: copy device/stream")
        check([OPERATION[l] for l in em.label] == [kinds.get(k, "?") for k in om.kind],
              f"{name}: copy kinds")
        check([MEM_KIND.get(k, 0) for k in em.srcKind] == list(om.src_kind), f"{name}: srcKind")
        check([MEM_KIND.get(k, 0) for k in em.dstKind] == list(om.dst_kind), f"{name}: dstKind")

    if has("CUPTI_ACTIVITY_KIND_MEMSET"):
        es = q("""SELECT start, end, deviceId, streamId, bytes, value
                  FROM CUPTI_ACTIVITY_KIND_MEMSET ORDER BY start""")
        os_ = r.table("gpu/memset").sort_values("start_ns", kind="stable").reset_index(drop=True)
        check(len(os_) == len(es), f"{name}: {len(os_)} memsets, nsys has {len(es)}")
        check(list(es.start) == list(os_.start_ns) and list(es.bytes) == list(os_.bytes) and
              list(es.value) == list(os_.value) and list(es.streamId) == list(os_.stream),
              f"{name}: memset fields")

    # API calls: times, names without the version suffix, raw names kept.
    ea = q("""SELECT r.start, r.end, s.value AS raw, r.returnValue
              FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId""")
    ea = ea.sort_values(["start", "end", "raw"], kind="stable").reset_index(drop=True)
    oa = r.table("cpu/api", ["name", "raw_name"]).sort_values(
        ["start_ns", "end_ns", "raw_name"], kind="stable").reset_index(drop=True)
    check(len(oa) == len(ea), f"{name}: {len(oa)} API calls, nsys has {len(ea)}")
    check(list(ea.start) == list(oa.start_ns) and list(ea.end) == list(oa.end_ns),
          f"{name}: API times")
    check(list(ea.raw) == list(oa.raw_name), f"{name}: raw API names")
    stripped = [s.rsplit("_v", 1)[0] if "_v" in s and s.rsplit("_v", 1)[1].isdigit() else s
                for s in ea.raw]
    check(stripped == list(oa["name"]), f"{name}: API display names")
    check(not any("_v" in n and n.rsplit("_v", 1)[1].isdigit() for n in oa["name"]),
          f"{name}: a version suffix survived")

    # Kernel <-> API correlation, joined as NVIDIA's reports join it.
    joined = q("""SELECT k.start AS kstart, k.end AS kend, r.start AS rstart, s.value AS raw
                  FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r
                    ON r.correlationId = k.correlationId
                   AND k.globalPid = (r.globalTid & 0xFFFFFFFFFF000000)
                  JOIN StringIds s ON s.id = r.nameId""")
    okc = r.table("gpu/kernels")
    api_by_corr = {c: (s, n) for c, s, n in zip(oa.correlation, oa.start_ns, oa.raw_name)
                   if c != 0}
    linked = {(s, e): api_by_corr.get(c) for s, e, c in
              zip(okc.start_ns, okc.end_ns, okc.correlation)}
    expected_linked = {(a, b): (c, d) for a, b, c, d in
                       zip(joined.kstart, joined.kend, joined.rstart, joined.raw)}
    n_linked = sum(1 for v in linked.values() if v is not None)
    check(n_linked == len(expected_linked),
          f"{name}: {n_linked} kernels link to an API call, NVIDIA's join gives {len(expected_linked)}")
    for key, val in expected_linked.items():
        check(linked.get(key) == val, f"{name}: kernel at {key[0]} links to {linked.get(key)}, "
                                      f"expected {val}")
        if linked.get(key) != val:
            break
    print(f"{name}: {n_linked} of {len(okc)} kernels linked to their API call")

    # NVTX ranges and synchronization.
    nv = q("SELECT eventType, count(*) AS n FROM NVTX_EVENTS WHERE end IS NOT NULL OR "
           "eventType = 34 GROUP BY eventType") if has("NVTX_EVENTS") else pd.DataFrame()
    n_nvtx = int(nv[nv.eventType.isin([59, 60, 34])].n.sum()) if len(nv) else 0
    n_sync = int(q("SELECT count(*) AS n FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION").n[0])
    orng = r.table("cpu/ranges", ["name", "category"])
    check(int((orng.category == "sync").sum()) == n_sync if len(orng) else n_sync == 0,
          f"{name}: sync ranges")
    check(int(orng.category.isin(["nvtx", "nvtx mark"]).sum()) == n_nvtx if len(orng)
          else n_nvtx == 0, f"{name}: NVTX ranges")
    if has("NVTX_EVENTS") and n_nvtx:
        en = q("""SELECT n.start, n.end, coalesce(n.text, s.value) AS name FROM NVTX_EVENTS n
                  LEFT JOIN StringIds s ON s.id = n.textId
                  WHERE n.eventType IN (59, 60) AND n.end IS NOT NULL""")
        mine = orng[orng.category == "nvtx"]
        check(sorted(zip(en.start, en.end, en.name)) ==
              sorted(zip(mine.start_ns, mine.end_ns, mine.name)), f"{name}: NVTX names/times")

    # Devices from TARGET_INFO_GPU when present.
    dev = r.table("meta/devices", ["name", "kind"])
    used = set(ek.deviceId) | set(em.deviceId)
    check(set(dev.id) >= used, f"{name}: devices {set(dev.id)} do not cover {used}")
    if has("TARGET_INFO_GPU"):
        g = q("SELECT id, name, smCount FROM TARGET_INFO_GPU")
        for _, row in g.iterrows():
            d = dev[dev.id == row.id]
            check(len(d) == 1 and d.name.iloc[0].startswith(row["name"]) and
                  int(d.sm_count.iloc[0]) == row.smCount, f"{name}: device {row.id}")

    # Threads from the global ids: the API calls' threads carry the process name.
    threads = r.table("meta/threads", ["name"])
    procs = q("SELECT globalPid, pid, name FROM PROCESSES")
    for tid in set(q("SELECT DISTINCT globalTid FROM CUPTI_ACTIVITY_KIND_RUNTIME").globalTid):
        t = threads[threads.id == (tid & 0xFFFFFF)]
        pid = (tid >> 24) & 0xFFFFFF
        check(len(t) == 1 and f"(pid {pid})" in t.name.iloc[0],
              f"{name}: thread {tid} named {list(t.name)}")

    # `stats` against cuda_gpu_kern_sum and cuda_gpu_mem_time_sum.
    kd = q("""SELECT s.value AS key, k.end - k.start AS dur FROM CUPTI_ACTIVITY_KIND_KERNEL k
              JOIN StringIds s ON s.id = k.demangledName""")
    compare_stats(f"{name} kernels", stats_frame(kd),
                  run("stats", out, "--report", "kernels", "--format", "csv"), "Name")
    md = q("""SELECT '[CUDA memcpy ' || e.label || ']' AS key, m.end - m.start AS dur
              FROM CUPTI_ACTIVITY_KIND_MEMCPY m JOIN ENUM_CUDA_MEMCPY_OPER e ON e.id = m.copyKind""")
    if has("CUPTI_ACTIVITY_KIND_MEMSET"):
        md = pd.concat([md, q("""SELECT '[CUDA memset]' AS key, end - start AS dur
                                 FROM CUPTI_ACTIVITY_KIND_MEMSET""")])
    expected = stats_frame(md)
    expected.index = [("Memset" if k == "[CUDA memset]" else OPERATION[k[len("[CUDA memcpy "):-1]])
                      for k in expected.index]
    compare_stats(f"{name} memory", expected,
                  run("stats", out, "--report", "memcpy", "--format", "csv"), "Operation")

    # Short names on request (nsys stats ':base').
    short = os.path.join(SCRATCH, name + ".short.ksr.h5")
    run("import", path, "--short-names", "-o", short)
    es = q("""SELECT s.value AS name FROM CUPTI_ACTIVITY_KIND_KERNEL k
              JOIN StringIds s ON s.id = k.shortName""")
    check(sorted(RunFile(short).table("gpu/kernels", ["name"]).name) == sorted(es.name),
          f"{name}: short kernel names")


for f in FILES:
    check_file(f)
if failures:
    print(f"{len(failures)} checks failed")
    sys.exit(1)
print("all nsys checks passed")
