"""Fails when a citation of docs/contract.md names a section it does not have.

docs/contract.md is the one authority on the service's behaviour, and its
sections are numbered headings, `## N. Title`. Code, tests, openapi.yaml and
the documents cite them as `docs/contract.md §N` (several at once as
`docs/contract.md §1 to §3 and §5`); Markdown links to a section's heading
anchor with the text `contract §N`, and remark checks the anchor. This
script reads every text file of the repository and reports, with file and
line:

- a cited section number that is not a heading of docs/contract.md;
- a Markdown link whose text says §N but whose anchor is another section's;
- outside Markdown, a link to an anchor of docs/contract.md that is not a
  heading's;
- a citation in another form (`docs/contract.md section N`), so that one
  form stays searchable;
- any mention of the contract's retired upper-case file name, which is to be
  replaced by docs/contract.md (CHANGELOG.md may mention it as history).

Usage, from anywhere in the repository: python3 scripts/docs/contract_sections.py
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "contract.md"
# Built from parts so that this file does not mention the name itself.
RETIRED_NAME = "CONTRACT" + ".md"
RETIRED_ALLOWED = {"CHANGELOG.md"}
# Folders of tools, dependencies and build output, never the project's text.
SKIPPED_DIRS = {".git", "node_modules", "target", "cdk.out", ".venv", ".spin"}
SKIPPED_PATHS = ("fuzz/corpus/", "fuzz/artifacts/")
LARGEST_FILE = 4 * 1024 * 1024

SECTION_HEADING = re.compile(r"^## (\d+)\. ", re.MULTILINE)
HEADING = re.compile(r"^#{1,6} +(.+?) *#* *$", re.MULTILINE)
# `docs/contract.md §1`, `docs/contract.md` §5, docs/contract.md §1 to §3 and §5.
CITATION = re.compile(
    r"docs/contract\.md`?\s*(§\s*\d+(?:\s*(?:,|and|or|to|–|-)\s*§\s*\d+)*)"
)
SECTION_NUMBER = re.compile(r"§\s*(\d+)")
OTHER_FORM = re.compile(r"docs/contract\.md`?,?\s+(?:section|sections|§§)\s*\d", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*contract\.md)#([^)\s]*)\)")
ANCHOR = re.compile(r"contract\.md#([A-Za-z0-9_-]+)")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped,
    spaces as hyphens (github-slugger, which remark-validate-links uses)."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def repository_files() -> list[Path]:
    """Every file git tracks, or would track, below the root; every file
    below it when it is not a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            check=True,
            capture_output=True,
        ).stdout.decode()
        paths = [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        paths = [path for path in ROOT.rglob("*")]
    return [
        path
        for path in paths
        if path.is_file()
        and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts[:-1])
        and not path.relative_to(ROOT).as_posix().startswith(SKIPPED_PATHS)
    ]


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary or very large file."""
    if path.stat().st_size > LARGEST_FILE:
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def main() -> int:
    if not CONTRACT.is_file():
        print(f"error: {CONTRACT.relative_to(ROOT)} is missing", file=sys.stderr)
        return 1
    contract = CONTRACT.read_text(encoding="utf-8")
    sections = {int(number) for number in SECTION_HEADING.findall(contract)}
    anchors = {github_slug(heading) for heading in HEADING.findall(contract)}
    problems = []
    citations = 0

    for path in sorted(repository_files()):
        text = text_of(path)
        if text is None:
            continue
        relative = path.relative_to(ROOT).as_posix()
        is_markdown = path.suffix == ".md"

        def report(offset: int, message: str) -> None:
            line = text.count("\n", 0, offset) + 1
            problems.append(f"{relative}:{line}: {message}")

        for match in CITATION.finditer(text):
            for number in SECTION_NUMBER.findall(match.group(1)):
                citations += 1
                if int(number) not in sections:
                    report(match.start(), f"cites docs/contract.md §{number}, which has no section {number}")
        for match in OTHER_FORM.finditer(text):
            report(match.start(), f"write the citation {match.group(0)!r} as 'docs/contract.md §N'")
        if is_markdown:
            for match in MARKDOWN_LINK.finditer(text):
                said = SECTION_NUMBER.findall(match.group(1))
                linked = re.match(r"(\d+)-", match.group(3))
                citations += 1
                if said and linked and said[0] != linked.group(1):
                    report(match.start(), f"link text says §{said[0]} but its anchor is section {linked.group(1)}")
        else:
            for match in ANCHOR.finditer(text):
                citations += 1
                if match.group(1) not in anchors:
                    report(match.start(), f"docs/contract.md has no heading #{match.group(1)}")
        if relative not in RETIRED_ALLOWED:
            for match in re.finditer(re.escape(RETIRED_NAME), text):
                report(match.start(), f"mentions {RETIRED_NAME}: cite docs/contract.md (§N) instead")

    for problem in problems:
        print(problem)
    print(
        f"contract sections: {len(sections)} sections, {citations} citations checked, "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
