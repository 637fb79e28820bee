#!/usr/bin/env python3
"""Line and branch coverage of the core (src/codec, src/client) from a --coverage build.

usage: scripts/coverage.py BUILD_DIR OUT_DIR

Runs gcovr over BUILD_DIR (after the tests have run there), then writes
  OUT_DIR/latest.json    totals, per directory and per file, and every uncovered branch
  OUT_DIR/uncovered.txt  the uncovered lines and branches, one line each
  OUT_DIR/html/          gcovr's annotated source
and prints the per-file table and the totals. Branches on lines gcc generates no code for
("}" and the like) are left out (gcovr --exclude-unreachable-branches).
"""
import json
import os
import subprocess
import sys

DIRS = ("src/codec", "src/client")


def pct(covered, total):
    return round(100.0 * covered / total, 1) if total else 100.0


def tally(lines):
    t = {"lines": 0, "lines_covered": 0, "branches": 0, "branches_covered": 0}
    for ln in lines:
        if ln.get("gcovr/noncode"):
            continue
        t["lines"] += 1
        t["lines_covered"] += ln["count"] > 0
        for b in ln.get("branches", []):
            t["branches"] += 1
            t["branches_covered"] += b["count"] > 0
    return t


def add(a, b):
    return {k: a.get(k, 0) + b[k] for k in b}


def with_pct(t):
    t = dict(t)
    t["line_percent"] = pct(t["lines_covered"], t["lines"])
    t["branch_percent"] = pct(t["branches_covered"], t["branches"])
    return t


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    build, out = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(os.path.join(out, "html"), exist_ok=True)
    raw = os.path.join(out, "gcovr.json")
    cmd = ["gcovr", "-r", root, build, "--exclude-unreachable-branches",
           "--json", raw, "--html-details", os.path.join(out, "html", "index.html")]
    for d in DIRS:
        cmd += ["--filter", d + "/"]
    subprocess.run(cmd, check=True)
    with open(raw) as f:
        data = json.load(f)

    files, dirs, total, uncovered = {}, {}, {}, []
    for entry in sorted(data["files"], key=lambda e: e["file"]):
        name = entry["file"]
        d = os.path.dirname(name)
        if d not in DIRS:
            continue
        t = tally(entry["lines"])
        files[name] = with_pct(t)
        dirs[d] = add(dirs.get(d, {}), t)
        total = add(total, t)
        for ln in entry["lines"]:
            if ln.get("gcovr/noncode"):
                continue
            if ln["count"] == 0:
                uncovered.append(f"{name}:{ln['line_number']}: line not run")
                continue
            missed = [i for i, b in enumerate(ln.get("branches", [])) if b["count"] == 0]
            if missed:
                counts = [b["count"] for b in ln["branches"]]
                uncovered.append(f"{name}:{ln['line_number']}: branch {missed} not taken "
                                 f"(counts {counts})")
    if not files:
        sys.exit("coverage: no data for src/codec or src/client (did the tests run?)")

    report = {"files": files, "directories": {d: with_pct(t) for d, t in dirs.items()},
              "total": with_pct(total), "uncovered": uncovered}
    with open(os.path.join(out, "latest.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "uncovered.txt"), "w") as f:
        f.write("".join(u + "\n" for u in uncovered))

    row = "{:<28} {:>6} {:>7} {:>7}   {:>8} {:>7} {:>7}"
    print(row.format("file", "lines", "run", "line%", "branches", "taken", "branch%"))
    def show(name, t):
        print(row.format(name, t["lines"], t["lines_covered"], f"{t['line_percent']:.1f}",
                         t["branches"], t["branches_covered"], f"{t['branch_percent']:.1f}"))
    for name, t in files.items():
        show(name, t)
    print("-" * 72)
    for d, t in report["directories"].items():
        show(d + "/", t)
    show("total", report["total"])
    print()
    for d, t in report["directories"].items():
        print(f"coverage {d}: lines {t['line_percent']:.1f}% ({t['lines_covered']}/{t['lines']}), "
              f"branches {t['branch_percent']:.1f}% ({t['branches_covered']}/{t['branches']})")
    t = report["total"]
    print(f"coverage total: lines {t['line_percent']:.1f}% ({t['lines_covered']}/{t['lines']}), "
          f"branches {t['branch_percent']:.1f}% ({t['branches_covered']}/{t['branches']})")
    print(f"coverage: {len(uncovered)} uncovered lines/branches listed in "
          f"{os.path.join(out, 'uncovered.txt')}; HTML in {os.path.join(out, 'html', 'index.html')}")


if __name__ == "__main__":
    main()
