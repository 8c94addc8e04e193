"""The structured text of an agreement — recitals, sections with clauses, appendices — as plain data.

Stored as JSON (`{"recitals": [str], "sections": [{"title", "clauses": [str]}], "appendices": [{"title",
"text"}]}`) and edited as three plain texts: recitals are paragraphs; sections and appendices start
with a line "## Title", and a section's paragraphs are its clauses.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable

from flask_babel import gettext as _

HEADING = re.compile(r"^##\s*(.+?)\s*$")
MAX_PARAGRAPH = 20_000


class TextInvalid(ValueError):
    """The text cannot be read; the message is translated."""


def empty() -> dict:
    return {"recitals": [], "sections": [], "appendices": []}


def _paragraphs(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    paragraphs = [" ".join(line.strip() for line in block.splitlines()).strip() for block in blocks]
    for paragraph in paragraphs:
        if len(paragraph) > MAX_PARAGRAPH:
            raise TextInvalid(_("A paragraph is longer than %(n)d characters.", n=MAX_PARAGRAPH))
    return [paragraph for paragraph in paragraphs if paragraph]


def _titled(text: str, part: str) -> list[tuple[str, str]]:
    """[(title, body)] from text whose parts start with "## Title"."""
    parts: list[tuple[str, list[str]]] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        heading = HEADING.match(line)
        if heading:
            parts.append((heading.group(1)[:300], []))
        elif line.strip() and not parts:
            raise TextInvalid(_("%(part)s: start each part with a line “## Title”.", part=part))
        elif parts:
            parts[-1][1].append(line)
    return [(title, "\n".join(lines)) for title, lines in parts]


def parse(recitals: str, sections: str, appendices: str) -> dict:
    """The structured text from the three plain texts of the editing form; raises TextInvalid."""
    return {
        "recitals": _paragraphs(recitals),
        "sections": [{"title": title, "clauses": _paragraphs(body)}
                     for title, body in _titled(sections, _("Sections"))],
        "appendices": [{"title": title, "text": "\n\n".join(_paragraphs(body))}
                       for title, body in _titled(appendices, _("Appendices"))],
    }


def to_plain(content: dict) -> tuple[str, str, str]:
    """The three plain texts of the editing form (the inverse of `parse`)."""
    content = normalise(content)
    recitals = "\n\n".join(content["recitals"])
    sections = "\n\n".join(f"## {s['title']}\n" + "\n\n".join(s["clauses"]) for s in content["sections"])
    appendices = "\n\n".join(f"## {a['title']}\n{a['text']}" for a in content["appendices"])
    return recitals, sections, appendices


def normalise(content: dict | None) -> dict:
    """Any stored content in the canonical shape (missing parts empty)."""
    content = content or {}
    return {
        "recitals": [str(r) for r in content.get("recitals", [])],
        "sections": [{"title": str(s.get("title", "")), "clauses": [str(c) for c in s.get("clauses", [])]}
                     for s in content.get("sections", [])],
        "appendices": [{"title": str(a.get("title", "")), "text": str(a.get("text", ""))}
                       for a in content.get("appendices", [])],
    }


def is_empty(content: dict | None) -> bool:
    content = normalise(content)
    return not (content["recitals"] or content["sections"])


def text_hash(content: dict, parties: Iterable[dict], terms: dict | None = None) -> str:
    """SHA-256 of the text, the signing parties and the terms (title, dates), canonical JSON: what the PDF's
    footer prints and what tells whether a change makes a new version."""
    payload = {"content": normalise(content), "parties": list(parties), "terms": terms or {}}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lines(content: dict, parties: Iterable[dict] = ()) -> list[str]:
    """The text as numbered lines, for a readable diff between versions."""
    content = normalise(content)
    out = [_("Party: %(name)s (%(role)s)", name=p["name"], role=p["role"]) for p in parties]
    out += [_("Recital %(n)d: %(text)s", n=n, text=r) for n, r in enumerate(content["recitals"], 1)]
    for number, section in enumerate(content["sections"], 1):
        out.append(_("Art. %(n)d – %(title)s", n=number, title=section["title"]))
        out += [f"{number}.{k} {clause}" for k, clause in enumerate(section["clauses"], 1)]
    for letter, appendix in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", content["appendices"], strict=False):
        out.append(_("Appendix %(letter)s – %(title)s", letter=letter, title=appendix["title"]))
        out += _paragraphs(appendix["text"])
    return out
