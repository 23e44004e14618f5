"""Small files and short functions in shared/src and services/ (STYLE.md rule 6).

A Python file has at most 300 lines and a function (method, nested function) at most 60, from
its ``def`` line to its last line, docstring included. A file may be longer, or hold longer
functions, only if its module docstring says why on a line of its own of the form::

    Size: <the reason, in a few words>

Files that break the rule today are listed in :data:`ALLOWED`, which can only shrink: a new
violation fails, and so does an entry that no longer violates (delete it once the split lands).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("shared/src", "services")
MAX_FILE_LINES = 300
MAX_FUNCTION_LINES = 60
REASON = re.compile(r"^\s*Size:\s*(?P<reason>\S+(?:\s+\S+){2,})", re.MULTILINE)

# (path, None) for a file too long, (path, qualified name) for a function too long.
ALLOWED: set[tuple[str, str | None]] = set()


def size_violations(source: str, path: str) -> set[tuple[str, str | None]]:
    """What in ``source`` breaks the size rule, unless its module docstring gives a reason."""
    tree = ast.parse(source)
    if REASON.search(ast.get_docstring(tree) or ""):
        return set()
    found: set[tuple[str, str | None]] = set()
    if len(source.splitlines()) > MAX_FILE_LINES:
        found.add((path, None))

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                assert child.end_lineno is not None
                if child.end_lineno - child.lineno + 1 > MAX_FUNCTION_LINES:
                    found.add((path, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return found


def repository_violations() -> set[tuple[str, str | None]]:
    found: set[tuple[str, str | None]] = set()
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            if any(part.endswith(".egg-info") for part in path.parts):
                continue
            found |= size_violations(path.read_text(), path.relative_to(REPO).as_posix())
    return found


def test_no_file_or_function_grows_past_the_limits() -> None:
    new = repository_violations() - ALLOWED
    assert not new, f"split these, or give the file a 'Size:' reason: {sorted(new, key=str)}"


def test_the_allow_list_only_names_what_still_breaks_the_rule() -> None:
    fixed = ALLOWED - repository_violations()
    assert not fixed, f"no longer too long, so delete from ALLOWED: {sorted(fixed, key=str)}"


def _function(name: str, lines: int) -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 1))
    return f"def {name}() -> None:\n{body}"


def test_the_rule_measures_files_and_functions() -> None:
    short = '"""Doc."""\n' + _function("ok", MAX_FUNCTION_LINES)
    assert size_violations(short, "a.py") == set()
    long_function = '"""Doc."""\n' + _function("slow", MAX_FUNCTION_LINES + 1)
    assert size_violations(long_function, "a.py") == {("a.py", "slow")}
    method = '"""Doc."""\nclass C:\n' + _function("m", MAX_FUNCTION_LINES + 1).replace(
        "\n", "\n    "
    ).replace("def", "    def", 1)
    assert size_violations(method, "a.py") == {("a.py", "C.m")}
    long_file = '"""Doc."""\n' + "x = 1\n" * MAX_FILE_LINES
    assert size_violations(long_file, "a.py") == {("a.py", None)}


def test_a_stated_reason_exempts_the_file() -> None:
    reasoned = '"""Doc.\n\nSize: one table of every opcode, kept whole.\n"""\n'
    assert size_violations(reasoned + "x = 1\n" * MAX_FILE_LINES, "a.py") == set()
    # A bare or one-word reason is no reason.
    for weak in ("Size:", "Size: big"):
        source = f'"""Doc.\n\n{weak}\n"""\n' + "x = 1\n" * MAX_FILE_LINES
        assert size_violations(source, "a.py") == {("a.py", None)}
