"""``make demo`` (``python -m speechrest.demo``), the README's main job, runs end to end."""

from __future__ import annotations

import re
import subprocess
import sys


def test_the_demo_runs_end_to_end_against_the_emulator() -> None:
    done = subprocess.run([sys.executable, "-m", "speechrest.demo"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("captions (WebVTT), first cue:") == 3  # one per audio file
    assert re.search(r"<v Speaker \d>\S", out)  # speaker labels in the captions
    assert "40 of 40 finished" in out
    sweeps = re.search(r"waited with (\d+) list sweeps and 0 single GETs for 40 jobs", out)
    assert sweeps is not None and int(sweeps.group(1)) >= 1
    assert "identical to what was sent: True" in out
    assert "makes up its words" in out
    assert re.search(r"\[#{20}\] 100%  1,630 of 1,630 KiB", out)  # upload progress, one line per report
    assert len(re.findall(r"\] +\d+%", out)) >= 4
    for line in re.findall(r"speaker \d: (.*)", out):  # shortened at a word boundary, never mid-word
        assert line.endswith((" ...", ".")), line
