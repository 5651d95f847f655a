"""Malformed Nsight Systems exports: builds a small valid nsys-shaped database from scratch, then
damaged variants of it (truncated, wrong column types, huge numbers, missing tables and columns,
a view in place of a table), imports each with kernscope-cli and checks the outcome: either a
clean import with the bad rows skipped and counted, or exit 2 with one line naming the file.

usage: check_nsys_malformed.py KERNSCOPE_CLI SCRATCH_DIR [--write-seeds DIR]
       check_nsys_malformed.py --make PATH   (only writes the valid database, for other tests)
"""
import os
import shutil
import sqlite3
import subprocess
import sys

import h5py

CLI, SCRATCH = sys.argv[1:3]
failures = []

SCHEMA = """
CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL,
  deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, streamId INTEGER NOT NULL,
  correlationId INTEGER, globalPid INTEGER, demangledName INTEGER NOT NULL,
  shortName INTEGER NOT NULL, registersPerThread INTEGER NOT NULL, gridX INTEGER NOT NULL,
  gridY INTEGER NOT NULL, gridZ INTEGER NOT NULL, blockX INTEGER NOT NULL,
  blockY INTEGER NOT NULL, blockZ INTEGER NOT NULL, staticSharedMemory INTEGER NOT NULL,
  dynamicSharedMemory INTEGER NOT NULL);
CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL,
  eventClass INTEGER NOT NULL, globalTid INTEGER, correlationId INTEGER, nameId INTEGER NOT NULL,
  returnValue INTEGER NOT NULL);
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL,
  deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, streamId INTEGER NOT NULL,
  correlationId INTEGER, globalPid INTEGER, bytes INTEGER NOT NULL, copyKind INTEGER NOT NULL,
  srcKind INTEGER, dstKind INTEGER);
CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL,
  text TEXT, globalTid INTEGER, textId INTEGER, domainId INTEGER);
CREATE TABLE TARGET_INFO_SESSION_START_TIME (utcEpochNs INTEGER, utcTime TEXT);
"""
PID = (1 << 48) | (111 << 24)  # VM 1, pid 111
TID = PID | 112


def build(path, extra_sql=""):
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO StringIds VALUES (?, ?)",
                   [(5, "void gemm<float>(int)"), (6, "gemm"), (9, "cudaLaunchKernel_v7000"),
                    (11, "cudaMemcpyAsync_v3020"), (12, "step")])
    k = "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?,?,0,1,7,?,?,5,6,32,4,1,1,128,1,1,0,0)"
    db.executemany(k, [(1000, 2000, 1, PID), (3000, 3500, 2, PID)])
    db.executemany("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?,?,0,?,?,?,0)",
                   [(900, 950, TID, 1, 9), (2900, 2950, TID, 2, 9), (4000, 4100, TID, 3, 11)])
    db.execute("INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (4050, 4900, 0, 1, 7, 3, ?, 4096,"
               " 1, 0, 2)", (PID,))
    db.executemany("INSERT INTO NVTX_EVENTS VALUES (?,?,?,?,?,?,0)",
                   [(800, 5000, 59, None, TID, 12), (850, None, 34, "mark", TID, None),
                    (870, None, 59, "never ended", TID, None)])
    db.execute("INSERT INTO TARGET_INFO_SESSION_START_TIME VALUES (1700000000000000000,"
               " '2023-11-14T22:13:20')")
    if extra_sql:
        db.executescript(extra_sql)
    db.commit()
    db.close()


if CLI == "--make":
    build(SCRATCH)
    sys.exit(0)
os.makedirs(SCRATCH, exist_ok=True)


def imported(path, *extra):
    out = path + ".ksr.h5"
    p = subprocess.run([CLI, "import", path, *extra, "-o", out], capture_output=True, text=True)
    return p, out


def expect_ok(name, kernels, dropped, extra_sql="", memcpy=1, api=3):
    path = os.path.join(SCRATCH, name + ".sqlite")
    build(path, extra_sql)
    p, out = imported(path)
    if p.returncode != 0:
        failures.append(f"{name}: exit {p.returncode}: {p.stderr.strip()}")
        return path
    with h5py.File(out, "r") as f:
        got = (len(f["gpu/kernels/start_ns"]) if "gpu/kernels" in f else 0,
               int(f["collector"].attrs["dropped_records"]),
               len(f["gpu/memcpy/start_ns"]) if "gpu/memcpy" in f else 0,
               len(f["cpu/api/start_ns"]) if "cpu/api" in f else 0)
    if got != (kernels, dropped, memcpy, api):
        failures.append(f"{name}: kernels/dropped/memcpy/api {got}, expected "
                        f"{(kernels, dropped, memcpy, api)}")
    print(f"{name}: ok {got}")
    return path


def expect_error(name, path, words, *extra):
    p, _ = imported(path, *extra)
    lines = p.stderr.strip().splitlines()
    if p.returncode != 2 or len(lines) != 1 or path not in lines[0] or \
            not all(w in lines[0] for w in words):
        failures.append(f"{name}: exit {p.returncode}, stderr {p.stderr.strip()!r}")
    print(f"{name}: exit {p.returncode}: {lines[0] if lines else ''}")


# A valid file: 2 kernels, 1 copy, 3 API calls, NVTX range + mark (one range never ended).
valid = expect_ok("valid", 2, 0)
with h5py.File(valid + ".ksr.h5", "r") as f:
    blob = f["strings/data"][...].tobytes()
    off = f["strings/offsets"][...]
    text = lambda i: blob[off[i]:off[i + 1]].decode()
    names = [text(i) for i in f["cpu/api/name"][...]]
    if names != ["cudaLaunchKernel", "cudaLaunchKernel", "cudaMemcpyAsync"]:
        failures.append(f"valid: API names {names}")
    if int(f.attrs["origin_unix_ns"]) != 1700000000000000000:
        failures.append("valid: origin_unix_ns")
    if int(f["collector"].attrs["unmatched_markers"]) != 1:
        failures.append("valid: the never-ended NVTX range is not counted")
    corr = list(f["gpu/kernels/correlation"][...])
    api_corr = list(f["cpu/api/correlation"][...])
    if corr != [1, 2] or api_corr != [1, 2, 3]:
        failures.append(f"valid: correlations {corr} {api_corr}")

# Wrong types: text in an INTEGER column, a real number as a device id, a blob as a time.
expect_ok("wrong_types", 2, 3, """
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES ('abc',2000,0,1,7,1,0,5,6,32,4,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (10,20,1.5,1,7,1,0,5,6,32,4,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (x'00ff',20,0,1,7,1,0,5,6,32,4,1,1,128,1,1,0,0);
""")
# Huge and negative numbers: each row out of range is skipped and counted.
expect_ok("huge_numbers", 2, 6, """
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (10,5,0,1,7,1,0,5,6,32,4,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (10,20,1099511627776,1,7,1,0,5,6,32,4,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (10,20,0,1,7,1,0,5,6,32,8589934592,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (10,20,0,1,-7,1,0,5,6,32,4,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (1,2,0,1,7,3,0,-1,1,0,2);
INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (9223372036854775807,-9223372036854775808,0,0,1,9,0);
""")
# Extreme but valid values are kept: huge times, unknown enum values, missing string ids; a
# duration that does not fit in int64 is not.
expect_ok("extreme_valid", 3, 1, """
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (-9223372036854775808,9223372036854775807,0,
  1,7,1,0,5,6,32,4,1,1,128,1,1,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (-4611686018427387904,4611686018427387903,4294967295,
  1,4294967295,4294967295,NULL,999999,999999,0,0,0,0,0,0,0,0,0);
INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (1,2,0,1,7,3,0,0,77,99,NULL);
""", memcpy=2)
# A view named like an nsys table (here one that would never end) is not read.
expect_ok("view_table", 0, 0, """
DROP TABLE CUPTI_ACTIVITY_KIND_KERNEL;
CREATE VIEW CUPTI_ACTIVITY_KIND_KERNEL AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL
  SELECT x + 1 FROM c) SELECT x AS start, x AS end FROM c;
""")
# Missing column: a required one is an error naming the table and the column.
path = os.path.join(SCRATCH, "missing_column.sqlite")
build(path, """
DROP TABLE CUPTI_ACTIVITY_KIND_MEMCPY;
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER, end INTEGER, copyKind INTEGER);
""")
expect_error("missing_column", path, ["CUPTI_ACTIVITY_KIND_MEMCPY", "bytes"])
# Missing optional columns (an older or newer schema) still import.
expect_ok("missing_optional_columns", 2, 0, """
DROP TABLE CUPTI_ACTIVITY_KIND_MEMCPY;
CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER, end INTEGER, bytes INTEGER,
  copyKind INTEGER);
INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (1, 2, 8, 8);
""")
# Missing table: without StringIds it is not an nsys export.
path = os.path.join(SCRATCH, "missing_strings.sqlite")
build(path, "DROP TABLE StringIds;")
expect_error("missing_strings", path, ["not an nsys export"])
expect_error("missing_strings_forced", path, ["StringIds"], "--nsys")
# Truncated databases: an error naming the file, never a crash.
whole = open(valid, "rb").read()
for cut in (100, 2048, len(whole) // 2, len(whole) - 1000):
    path = os.path.join(SCRATCH, f"truncated_{cut}.sqlite")
    open(path, "wb").write(whole[:cut])
    p, _ = imported(path, "--nsys")
    if p.returncode not in (0, 2) or (p.returncode == 2 and path not in p.stderr):
        failures.append(f"truncated_{cut}: exit {p.returncode}: {p.stderr.strip()}")
    print(f"truncated_{cut}: exit {p.returncode}: {p.stderr.strip()[:120]}")
# Garbage after a valid header.
path = os.path.join(SCRATCH, "garbage.sqlite")
open(path, "wb").write(b"SQLite format 3\0" + bytes(range(256)) * 40)
expect_error("garbage", path, [], "--nsys")

if len(sys.argv) > 4 and sys.argv[3] == "--write-seeds":
    for name in ("valid", "wrong_types", "huge_numbers", "extreme_valid"):
        shutil.copy(os.path.join(SCRATCH, name + ".sqlite"), sys.argv[4])

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
