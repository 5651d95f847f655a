"""Benchmark: `kernscope-cli import` of an nsys-shaped SQLite export with N kernels and N runtime
calls (generated here, schema as nsys 3.25 writes the columns we read), against Python's sqlite3
fetching the same rows (the floor for any importer going through SQLite). Prints wall times,
rows/s, peak memory and the ratio.

usage: bench_nsys_import.py KERNSCOPE_CLI WORK_DIR [N=1000000]
"""
import os
import resource
import sqlite3
import subprocess
import sys
import time

CLI, WORK = sys.argv[1:3]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
os.makedirs(WORK, exist_ok=True)
db_path = os.path.join(WORK, f"bench_{N}.sqlite")
PID = (1 << 48) | (111 << 24)

if not os.path.exists(db_path):
    db = sqlite3.connect(db_path + ".tmp")
    db.executescript("""
    CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL,
      deviceId INTEGER NOT NULL, contextId INTEGER NOT NULL, streamId INTEGER NOT NULL,
      correlationId INTEGER, globalPid INTEGER, demangledName INTEGER NOT NULL,
      shortName INTEGER NOT NULL, registersPerThread INTEGER NOT NULL, gridX INTEGER NOT NULL,
      gridY INTEGER NOT NULL, gridZ INTEGER NOT NULL, blockX INTEGER NOT NULL,
      blockY INTEGER NOT NULL, blockZ INTEGER NOT NULL, staticSharedMemory INTEGER NOT NULL,
      dynamicSharedMemory INTEGER NOT NULL);
    CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL,
      eventClass INTEGER NOT NULL, globalTid INTEGER, correlationId INTEGER,
      nameId INTEGER NOT NULL, returnValue INTEGER NOT NULL);
    CREATE TABLE TARGET_INFO_SESSION_START_TIME (utcEpochNs INTEGER, utcTime TEXT);
    """)
    db.executemany("INSERT INTO StringIds VALUES (?, ?)",
                   [(i, f"void kernel_{i}<float>(float*, int)") for i in range(100)] +
                   [(1000, "cudaLaunchKernel_v7000")])
    db.executemany(
        "INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?,?,0,1,7,?,?,?,?,32,64,1,1,128,1,1,0,0)",
        ((i * 1000 + 500, i * 1000 + 900, i + 1, PID, i % 100, i % 100) for i in range(N)))
    db.executemany("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?,?,0,?,?,1000,0)",
                   ((i * 1000, i * 1000 + 300, PID | 112, i + 1) for i in range(N)))
    db.execute("INSERT INTO TARGET_INFO_SESSION_START_TIME VALUES (1700000000000000000, '')")
    db.commit()
    db.close()
    os.rename(db_path + ".tmp", db_path)
size_mb = os.path.getsize(db_path) / 1e6


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return time.perf_counter() - t, int(p.stderr.strip().splitlines()[-1]) / 1024


out = os.path.join(WORK, "bench.ksr.h5")
ours = min(timed([CLI, "import", db_path, "-o", out]) for _ in range(3))
python = min(timed([sys.executable, "-c", f"""
import sqlite3
db = sqlite3.connect({db_path!r})
k = db.execute('SELECT start, end, deviceId, streamId, correlationId, globalPid, demangledName, '
               'gridX, gridY, gridZ, blockX, blockY, blockZ, registersPerThread, '
               'staticSharedMemory, dynamicSharedMemory FROM CUPTI_ACTIVITY_KIND_KERNEL').fetchall()
r = db.execute('SELECT start, end, globalTid, correlationId, nameId, returnValue '
               'FROM CUPTI_ACTIVITY_KIND_RUNTIME').fetchall()
"""]) for _ in range(3))
rows = 2 * N
print(f"nsys import: {N} kernels + {N} API calls, {size_mb:.0f} MB database")
print(f"  kernscope-cli import (read, join, write run file): {ours[0]:.2f} s, "
      f"{rows / ours[0] / 1e6:.2f} M rows/s, peak {ours[1]:.0f} MiB")
print(f"  python sqlite3 fetchall of the same columns:        {python[0]:.2f} s, "
      f"peak {python[1]:.0f} MiB")
print(f"  ratio (python / kernscope): {python[0] / ours[0]:.2f}x")
