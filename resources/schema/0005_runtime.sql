-- Reprise run database, schema version 5: the runtime a run executed in, so a reproduction report
-- can say whether the interpreter or a package changed between two runs. A JSON object written by
-- the Python client: {"python": "3.11.2", "implementation": "CPython", "executable": "/usr/bin/python3",
-- "platform": "Linux-6.1-x86_64", "packages": {"numpy": "1.24.2", ...}} where `packages` are the
-- installed distributions of the modules the program had imported when it finished.
ALTER TABLE runs ADD COLUMN runtime TEXT NOT NULL DEFAULT '{}';
