"""A stand-in for a library's adapter in checker.impl.libraries.ADAPTERS, for the tests of
--impl NAME==VERSION: the toy adapter, remembering the releases and settings it was made with.
Release 9.9 does not exist: it refuses it as import_library refuses a release the index lacks."""

from __future__ import annotations

from checker.impl.adapter import AdapterError
from toy_adapter import ToyAdapter

MADE: list[tuple[str | None, dict[str, str]]] = []


class RecordingToy(ToyAdapter):
    name = "toylib"

    def __init__(self, version, settings):
        if version == "9.9":
            raise AdapterError("--impl toylib==9.9: cannot fetch it from the package index: no such release")
        MADE.append((version, dict(settings)))
        super().__init__(version, settings)
