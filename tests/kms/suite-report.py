#!/usr/bin/env python3
# Summarises the suite run on the DRM backend (tests/kms/guest.sh): each test's result and time,
# slowest first, and where the compositors it started through the harness ran, from the
# harness's HARNESS_DRM_REPORT file ("PROGRAM TEST drm CARD" or "PROGRAM TEST headless WHY").
# A test counts as run on DRM only when it started at least one compositor and every one of
# them ran on a card; the closing "on DRM:" line says how many did, and names the others.
#
#   suite-report.py MESON_TESTLOG_JSON DRM_REPORT
import collections
import json
import os
import sys


def main():
    log_path, report_path = sys.argv[1], sys.argv[2]
    tests = []
    with open(log_path) as f:
        for line in f:
            # A suite stopped at its time limit may leave half a line.
            try:
                tests.append(json.loads(line))
            except json.JSONDecodeError:
                pass

    # Per program (the test's executable): cards and fallbacks, with the test cases of each.
    drm = collections.defaultdict(collections.Counter)
    headless = collections.defaultdict(collections.Counter)
    reasons = collections.Counter()
    cards = collections.Counter()
    with open(report_path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) < 4:
                continue
            program, case, where, what = parts
            if where == "drm":
                drm[program][what] += 1
                cards[what] += 1
            else:
                headless[program][f"{case}: {what}"] += 1
                reasons[what] += 1

    on_drm, partly, none = [], [], []
    print("suite: each test, slowest first: result, seconds, its compositors")
    for t in sorted(tests, key=lambda t: -t["duration"]):
        name = t["name"].split(" / ")[-1]
        program = os.path.basename(t["command"][0]) if t.get("command") else "?"
        n_drm = sum(drm[program].values())
        n_headless = sum(headless[program].values())
        where = []
        if n_drm:
            where.append("on DRM " + ", ".join(f"{c} {n}" for c, n in sorted(drm[program].items())))
        if n_headless:
            where.append(f"headless {n_headless}")
        if not where:
            where.append("none through the harness")
        print(f"  {name:32} {t['result']:8} {t['duration']:7.1f} s  {'; '.join(where)}")
        for why, n in sorted(headless[program].items()):
            print(f"      headless x{n}: {why}")
        if n_drm and not n_headless:
            on_drm.append(name)
        elif n_headless:
            partly.append(name)
        else:
            none.append(name)
    total = sum(t["duration"] for t in tests)
    print(f"suite: {len(tests)} tests, {total:.0f} s of test time in all")
    print("compositors per card: " +
          (", ".join(f"{c} {n}" for c, n in sorted(cards.items())) or "none"))
    print(f"compositors run headless (fallbacks): {sum(reasons.values())}")
    for why, n in reasons.most_common():
        print(f"  {n:4} {why}")
    print(f"tests with some compositor headless: {', '.join(partly) or 'none'}")
    print(f"tests that start no compositor through the harness: {len(none)}")
    print(f"on DRM: {len(on_drm)} tests ran every compositor on a card, {len(partly)} ran some "
          f"headless ({sum(reasons.values())} compositors), {len(none)} start none")


if __name__ == "__main__":
    main()
