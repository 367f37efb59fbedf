"""A finding names the implementation's frames the same way on every machine: a fetched
library's as its release and the path inside it, never the library cache's folder, so that the
message a trace records is the message its replay gives anywhere.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

from checker.impl.fetch import cache_root, fetch
from checker.impl.sandbox import _shown_path
from checker.traces import format as traces

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "corpus").rglob("*.json"))
#: raftos 0.2.6's #27: a KeyError in its own handler, three of its frames named.
KEY_ERROR = ROOT / "corpus" / "raftos-0.2.6-async-exception-c5dfbbd77c.json"


def test_files_are_named_by_release_package_or_standard_library(monkeypatch):
    """A fetched release's file as "NAME VERSION: path", the standard library's from its folder,
    a file under the working directory relative to it."""
    inside = cache_root() / "pysyncobj-0.3.11" / "pysyncobj" / "syncobj.py"
    assert _shown_path(str(inside)) == "pysyncobj 0.3.11: pysyncobj/syncobj.py"
    assert _shown_path(pickle.__file__) == f"python{sys.version_info[0]}.{sys.version_info[1]}/pickle.py"
    monkeypatch.chdir(ROOT)
    assert _shown_path(str(ROOT / "tests" / "impls" / "seed_style.py")) == "tests/impls/seed_style.py"


def test_no_corpus_message_names_a_folder_of_this_machine():
    """Every recorded outcome message is free of absolute paths (the library cache, the home
    folder, the Python installation): the frames are named as above."""
    absolute = re.compile(r"(?:^|[\s(;])/[\w.~-]+/")
    for path in CORPUS:
        message = traces.load(path).outcome.message or ""
        assert not absolute.search(message), (path.name, message)


_REPLAY = """
import json, sys
from checker.api import load_trace, replay
t = load_trace(sys.argv[1])
print(json.dumps(replay(t).outcome.message))
"""


def test_replay_gives_the_recorded_message_from_another_cache(tmp_path):
    """raftos 0.2.6 installed in another cache folder ($RAFTCHECK_CACHE, as on another machine):
    the #27 trace replays, in a fresh process, to the very message it records, which names
    raftos's frames as "raftos 0.2.6: raftos/state.py:..."."""
    _, folder = fetch("raftos", "0.2.6")
    elsewhere = tmp_path / "another" / "cache"
    shutil.copytree(folder, elsewhere / folder.name)
    env = {**os.environ, "RAFTCHECK_CACHE": str(elsewhere)}
    done = subprocess.run([sys.executable, "-c", _REPLAY, str(KEY_ERROR)], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    message = json.loads(done.stdout.strip().splitlines()[-1])
    recorded = traces.load(KEY_ERROR).outcome.message
    assert message == recorded
    assert "raftos 0.2.6: raftos/state.py:219 in on_receive_append_entries_response" in message
    assert str(tmp_path) not in message
