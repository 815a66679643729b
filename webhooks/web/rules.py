"""The rules editor (/rules) for policy staff.

The page is rendered here; editing, validation, test cases, simulation, publishing and history go
through the rules API (/api/v1/rules/…) from static/rules.js. When that API is not part of the
running app, the page shows the active rules read-only and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, render_template

from engine.wording.labels import FIELD_NAMES

from ..runtime import runtime
from . import bp, page

if TYPE_CHECKING:
    from engine.runtime import Runtime

RULES_API = "/api/v1/rules"


def active_files(rt: Runtime) -> dict[str, str]:
    """The active published version's files; the rules folder's when there is no versioning."""
    try:
        from engine.services.rules.versions import active_files as published
    except ImportError:
        published = None
    if published is not None:
        return published(Path(rt.policy_set.rules_dir)) or {}
    folder = Path(rt.policy_set.rules_dir)
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.yaml"))}


def rules_api_endpoints() -> list[str]:
    return sorted({r.rule for r in current_app.url_map.iter_rules() if r.rule.startswith(RULES_API)})


@bp.get("/rules")
@page("policy", "admin")
def rules():
    rt = runtime()
    rulebook = rt.policy_set.rulebook
    files = [{"name": name, "text": text} for name, text in sorted(active_files(rt).items())
             if name.endswith((".yaml", ".yml"))]
    return render_template("rules.html", version=rulebook.version, files=files, active_id=active_version_id(),
                           api=rules_api_endpoints(), policy_version=rt.policy_set.version,
                           zone=rt.policy_set.directory.timezone, field_names=FIELD_NAMES)


def active_version_id() -> int | None:
    try:
        from engine.services.rules.versions import active_version_id as found
    except ImportError:
        return None
    return found()
