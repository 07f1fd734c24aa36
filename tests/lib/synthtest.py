"""synthtest.py - the start shared by the replay tests that build their own
captures (tests/timers/*.py, tests/analyze/scoped_fix.py): the --bin/--src
arguments and scripts/synth-captures.py's deterministic frame builder.

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
    import synthtest
    a, sy = synthtest.start()   # a.bin, a.src; sy.Conv, sy.handshake, sy.FIN ...
"""
import argparse, importlib.util, os


def start():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--src", required=True)
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location(
        "synth", os.path.join(a.src, "scripts", "synth-captures.py"))
    sy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sy)
    return a, sy
