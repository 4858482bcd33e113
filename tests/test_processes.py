"""Work done alongside: a copy of the process writes files while the process does its own work,
and they appear only when both end well; the collector as a command and as the server want it;
and a command that ends at once, having done what ending does."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from sfclaims.outputs.files import written_alongside
from sfclaims.platform.processes import alongside, may_fork
from tests.alone import in_a_process_of_its_own

WAIT = 60  # seconds: only ever reached when the test fails


@in_a_process_of_its_own
def test_the_work_runs_in_a_copy_of_the_process_while_the_block_runs():
    """The block waits for a word the copy sends: had the work waited for the block to end, the
    block would never hear it."""
    assert may_fork(), "a thread runs beside the test: the work would be done after the block"
    context = mp.get_context("fork")
    started = context.Event()
    hearing, telling = context.Pipe(duplex=False)

    def work() -> None:
        telling.send(os.getpid())
        started.set()

    with alongside(work):
        assert started.wait(WAIT), "the work did not start while the block ran"
    assert hearing.recv() != os.getpid()


def test_the_works_failure_is_raised_where_the_block_ran():
    def work() -> None:
        raise ValueError("the copy could not write")

    with pytest.raises(ValueError, match="the copy could not write"), alongside(work):
        pass


def write_both(to: Sequence[Path]) -> None:
    for path in to:
        path.write_text(f"written as {path.name}\n")


def test_files_written_alongside_appear_once_both_end_well(tmp_path):
    paths = [tmp_path / "decisions.csv", tmp_path / "decisions.xlsx"]
    with written_alongside(paths, write_both):
        assert not any(p.exists() for p in paths)  # not in place before the block ends
    assert [p.read_text().startswith("written as .decisions") for p in paths] == [True, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.csv", "decisions.xlsx"]


def test_a_block_that_fails_leaves_the_files_as_they_were(tmp_path):
    paths = [tmp_path / "decisions.csv", tmp_path / "decisions.xlsx"]
    paths[0].write_text("an earlier decisions file\n")
    refused = pytest.raises(RuntimeError, match="the decisions could not be kept")
    with refused, written_alongside(paths, write_both):
        raise RuntimeError("the decisions could not be kept")
    assert paths[0].read_text() == "an earlier decisions file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.csv"]


def test_a_writer_that_fails_leaves_no_file(tmp_path):
    paths = [tmp_path / "decisions.csv", tmp_path / "decisions.xlsx"]

    def half(to: Sequence[Path]) -> None:
        to[0].write_text("half\n")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"), written_alongside(paths, half):
        pass
    assert list(tmp_path.iterdir()) == []


@in_a_process_of_its_own
def test_a_file_written_here_is_written_by_this_process_after_the_block_while_the_copy_writes(
    tmp_path,
):
    """The copy holds its file open until this process has written its own: had this process
    waited for the copy first, neither would finish (the copy waits on an event set here)."""
    assert may_fork(), "a thread runs beside the test: the copy would write after the block"
    context = mp.get_context("fork")
    mine_written = context.Event()
    block_done: list[str] = []

    def in_the_copy(to: Sequence[Path]) -> None:
        assert mine_written.wait(WAIT), "this process did not write its file while the copy ran"
        to[0].write_text(f"by {os.getpid()}\n")

    def here(to: Sequence[Path]) -> None:
        assert block_done == ["stored"], "written here before the block's own work was done"
        to[0].write_text(f"by {os.getpid()}\n")
        mine_written.set()

    lists, decisions = tmp_path / "decisions.xlsx", tmp_path / "decisions.csv"
    with written_alongside([lists], in_the_copy, [decisions], here):
        block_done.append("stored")
    assert decisions.read_text() == f"by {os.getpid()}\n"
    assert lists.read_text() != f"by {os.getpid()}\n"


def test_a_file_here_that_fails_leaves_none_of_them(tmp_path):
    def here(to: Sequence[Path]) -> None:
        to[0].write_text("half\n")
        raise OSError("No space left on device")

    lists, decisions = tmp_path / "decisions.xlsx", tmp_path / "decisions.csv"
    failed = pytest.raises(OSError, match="No space left")
    with failed, written_alongside([lists], write_both, [decisions], here):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_command_leaves_the_collector_less_to_do_and_the_server_has_it_back_as_python_sets_it():
    """A command's process freezes what it loaded and collects young objects less often; the
    workspace's server, which the same command line starts and which runs for days, undoes it."""
    import gc

    from sfclaims.platform.memory import LONG_RUNNING_THRESHOLDS, long_running, one_piece_of_work

    before = gc.get_threshold()
    try:
        one_piece_of_work()
        assert gc.get_threshold()[0] > LONG_RUNNING_THRESHOLDS[0] and gc.get_freeze_count() > 0
        long_running()
        assert gc.get_threshold() == LONG_RUNNING_THRESHOLDS and gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


ENDS_NOW = """
import sys, tempfile, threading
from pathlib import Path
from sqlalchemy import text
from sfclaims.platform.db import make_engine
from sfclaims.platform.processes import end_now

database, folder = sys.argv[1], Path(sys.argv[2])
engine = make_engine(f"sqlite:///{database}")
with engine.begin() as connection:
    connection.execute(text("PRAGMA journal_mode=WAL"))
    connection.execute(text("CREATE TABLE kept (value TEXT)"))
    connection.execute(text("INSERT INTO kept VALUES ('a row')"))
scratch = tempfile.TemporaryDirectory(dir=folder)
(folder / "scratch.txt").write_text(scratch.name)
main = threading.main_thread()


def waited_for() -> bool:  # whether the main thread, ending (end_now), waits for this one
    frame, names = sys._current_frames().get(main.ident), []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return "end_now" in names and "join" in names


def write_late() -> None:  # still working when the main thread has begun to end
    while not waited_for():
        threading.Event().wait(0.001)
    (folder / "late.txt").write_text("done")


threading.Thread(target=write_late).start()
print("said before the end", end="")
end_now(4)
"""


def test_a_command_ending_at_once_first_does_what_ending_does(tmp_path):
    """``end_now`` skips freeing objects one by one, not what ending does: the exit code kept,
    the output flushed, a thread still working waited for, a temporary folder removed, and
    SQLite's last connection closed, its write-ahead log folded into the database file."""
    database = tmp_path / "ends.db"
    done = subprocess.run(
        [sys.executable, "-c", ENDS_NOW, str(database), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert done.returncode == 4, done.stderr
    assert done.stdout == "said before the end"
    assert (tmp_path / "late.txt").read_text() == "done"
    assert not Path((tmp_path / "scratch.txt").read_text()).exists()
    assert not database.with_name("ends.db-wal").exists()
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT value FROM kept").fetchall() == [("a row",)]
