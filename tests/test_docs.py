"""The documentation cannot drift from the code: roles, configuration variables, links."""

from __future__ import annotations

import re
from pathlib import Path

from linli.core.roles import MATRIX, Role, all_capabilities

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
VARIABLE = re.compile(r"\bLINLI_[A-Z][A-Z0-9_]*[A-Z0-9]\b")


def _table_after(text: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table under ``heading`` (header row included)."""
    section = text.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if not all(set(cell) <= {"-", ":"} for cell in cells):
                rows.append(cells)
        elif rows:
            break
    return rows


def _untick(cell: str) -> str:
    return cell.strip("`")


def render_matrix() -> str:
    caps = all_capabilities()
    lines = [
        "| role | " + " | ".join(f"`{c}`" for c in caps) + " |",
        "|---|" + "---|" * len(caps),
    ]
    for role in Role:
        marks = ["✓" if c in MATRIX[role] else "" for c in caps]
        lines.append(f"| `{role.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def test_roles_doc_matrix_matches_the_code():
    text = (DOCS / "roles.md").read_text(encoding="utf-8")
    rows = _table_after(text, "## Matrix")
    header, body = rows[0], rows[1:]
    documented = {
        _untick(row[0]): {_untick(header[i]) for i, cell in enumerate(row) if i and cell == "✓"}
        for row in body
    }
    expected = {role.value: set(MATRIX[role]) for role in Role}
    hint = "docs/roles.md is out of date; its matrix should read:\n\n" + render_matrix()
    assert [_untick(c) for c in header[1:]] == all_capabilities(), hint
    assert documented == expected, hint


def test_roles_doc_describes_every_role_and_capability():
    text = (DOCS / "roles.md").read_text(encoding="utf-8")
    roles = {_untick(row[0]) for row in _table_after(text, "## Roles")[1:]}
    caps = {_untick(row[0]) for row in _table_after(text, "## Capabilities")[1:]}
    assert roles == {role.value for role in Role}
    assert caps == set(all_capabilities())


def _variables_in_code() -> set[str]:
    files = [*(ROOT / "src").rglob("*.py"), ROOT / "run", ROOT / ".ci" / "run"]
    files += (ROOT / "tests" / "browser").glob("*.py")
    found: set[str] = set()
    for path in files:
        if path.exists():
            found |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return found


def _documented_variables() -> dict[str, str]:
    """Variable → the section of configuration.md whose table lists it."""
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    result = {}
    for section in text.split("\n## ")[1:]:
        title = section.splitlines()[0].strip()
        for line in section.splitlines():
            match = re.match(r"\|\s*`(LINLI_[A-Z0-9_]+)`\s*\|", line)
            if match:
                result[match.group(1)] = title
    return result


def test_every_variable_the_code_reads_is_documented():
    missing = _variables_in_code() - set(_documented_variables())
    assert not missing, f"add these to a table in docs/configuration.md: {sorted(missing)}"


def test_configuration_doc_lists_no_variable_the_code_does_not_read():
    unknown = set(_documented_variables()) - _variables_in_code()
    assert not unknown, f"docs/configuration.md documents unknown variables: {sorted(unknown)}"


def test_env_example_matches_the_configuration_doc():
    documented = _documented_variables()
    server_side = {name for name, section in documented.items() if section != "Tests and CI"}
    assigned = set(
        re.findall(r"^(LINLI_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert assigned == server_side, (
        f"missing from .env.example: {sorted(server_side - assigned)}; "
        f"not documented as server settings: {sorted(assigned - server_side)}"
    )


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```[a-z]*\n(.*?)```", text, re.DOTALL)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert [c for c in commands if c] == ["./run demo", "./run test"]


def test_links_between_documents_resolve():
    broken = []
    for path in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)} → {target}")
    assert not broken, broken
