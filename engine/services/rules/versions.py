"""Rule versions: publish a checked draft, roll back, export, list, show and compare versions.

A draft is a whole rules folder (relative path → YAML text). Publishing is refused unless the
full check passes (schema, references, engine limits, static analysis, a trial build in a child
process and every test case). Publish and rollback are audited with who, when, why and from where.
A directory import is published the same way: the active version with its directory replaced.

The rules folder the service first starts with becomes version 0 (``adopt_folder``), so the first
publish has a version to roll back to.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from engine.rulebook.diff import rules_diff
from engine.rulebook.snapshot import SnapshotError, check_name, check_tree, read_tree, tree_hash, write_tree
from engine.store import rule_versions as store
from engine.store.appeals import audit
from engine.store.db import write_transaction

from .check import DEFAULT_TIMEOUT, CheckReport, check_files

log = logging.getLogger(__name__)

DIRECTORY_FILE = "directory.yaml"
FOLDER_VERSION = 0
FOLDER_ACTOR = "system"
FOLDER_COMMENT = "правила из папки, с которыми служба запущена впервые"
_ANY = object()  # publish over whichever version is active


class RulesRefused(Exception):
    """A publish or rollback that may not happen; ``report`` holds the check when there was one."""

    def __init__(self, message: str, report: CheckReport | None = None, status: int = 422):
        super().__init__(message)
        self.report = report
        self.status = status


def draft_files(files: dict[str, str] | None, *, base: dict[str, str] | None, replace: bool = False,
                deleted: list[str] | tuple = ()) -> dict[str, str]:
    """A whole draft: the given files over the base (the active version), unless replace. Every
    name in ``deleted`` must be a rules file of that draft (SnapshotError naming the field)."""
    out = {} if replace or base is None else dict(base)
    out.update(files or {})
    for rel in deleted:
        try:
            check_name(rel)
        except SnapshotError as exc:
            raise SnapshotError(f"deleted: {exc}", field="deleted") from None
        if rel not in out:
            raise SnapshotError(f"deleted: {rel!r} is not a file of the rules", field="deleted")
        del out[rel]
    return out


def active_files(fallback_dir: Path | None = None) -> dict[str, str] | None:
    """The active version's files; the folder's when nothing was published yet."""
    record = store.active_version()
    if record is not None:
        return dict(record.files)
    return read_tree(fallback_dir) if fallback_dir is not None else None


def adopt_folder(policy_set, now: datetime, *, draft: dict[str, str] | None = None) -> dict | None:
    """Store the rules folder ``policy_set`` was loaded from as version 0 and make it active, when no
    version exists yet (the first start, or the first publish or rollback of a database that never had
    one); None when there already are versions, or when ``draft`` (about to be published) is that
    folder itself, which its publish stores. Safe when two processes start at once."""
    if store.any_version():
        return None
    files = read_tree(Path(policy_set.rules_dir))
    if draft is not None and tree_hash(draft) == tree_hash(files):
        return None
    with write_transaction():
        if store.any_version():
            return None
        record = store.create_first_version(files, tree_hash(files), policy_set.rulebook.version, FOLDER_ACTOR,
                                            FOLDER_COMMENT, now, FOLDER_VERSION)
        if record is None:  # another process stored it first
            return None
        audit(now, FOLDER_ACTOR, "rules.adopted", None, version=record.id,
              rules_version=record.rules_version, files_hash=record.files_hash)
    log.info("the rules folder %s is stored as version %s", policy_set.rules_dir, record.id)
    return version_summary(record, active=True)


def publish(files: dict[str, str], *, actor: str, comment: str, now: datetime,
            timeout: float = DEFAULT_TIMEOUT, origin: str | None = None,
            based_on: int | object | None = _ANY, folder=None) -> tuple[dict, CheckReport]:
    """Check and publish a draft. ``based_on``: the version the draft was edited from; when another
    version is active by now, the publish is refused (409) instead of silently undoing that one.
    ``folder``: the policy set of the rules folder, stored as version 0 first if nothing is stored yet."""
    return _publish(files, actor=actor, comment=comment, now=now, timeout=timeout, origin=origin,
                    based_on=based_on, folder=folder)


def publish_directory(text: str, *, fallback_dir: Path, actor: str, comment: str, now: datetime,
                      changes: dict | None = None, origin: str | None = None,
                      timeout: float = DEFAULT_TIMEOUT, folder=None) -> tuple[dict, CheckReport]:
    """A new version: the active one (the folder's files while nothing is published) with its
    directory replaced by ``text``. Checked, audited and picked up like any publish, so a rollback
    restores the previous directory; the folder is only read. Refused (409) when another version
    became active while this one was checked, so an import never undoes a concurrent publish."""
    base = store.active_version()
    files = check_tree(draft_files({DIRECTORY_FILE: text},
                                   base=dict(base.files) if base is not None else read_tree(fallback_dir)))
    return _publish(files, actor=actor, comment=comment, now=now, timeout=timeout, origin=origin,
                    based_on=base.id if base is not None else None,
                    event=("directory.imported", dict(changes or {})), folder=folder)


def _publish(files: dict[str, str], *, actor: str, comment: str, now: datetime, timeout: float,
             origin: str | None, based_on=_ANY, event: tuple[str, dict] | None = None,
             folder=None) -> tuple[dict, CheckReport]:
    comment = (comment or "").strip()
    if not comment:
        raise RulesRefused("укажите, что и зачем меняется: комментарий к публикации обязателен")
    report = check_files(files, timeout=timeout)
    if not report.ok:
        raise RulesRefused(_refusal(report), report)
    if folder is not None:
        adopted = adopt_folder(folder, now, draft=files)
        if adopted is not None and based_on is None:
            based_on = adopted["id"]  # the draft was made over the folder, which is version 0 now
    current = store.active_version()
    if based_on is not _ANY and (current.id if current else None) != based_on:
        raise RulesRefused(_moved_on(current), report, status=409)
    digest = tree_hash(files)
    if current is not None and current.files_hash == digest:
        raise RulesRefused(f"эти правила уже действуют: версия {current.id}", report, status=409)
    where = {"origin": origin} if origin else {}
    with write_transaction():
        current = store.active_version()  # again, under the write lock: the check took a while
        if based_on is not _ANY and (current.id if current else None) != based_on:
            raise RulesRefused(_moved_on(current), report, status=409)
        record = store.create_version(files, digest, report.version, actor, comment,
                                      current.id if current else None, now)
        store.activate(record.id, "publish", actor, comment, now)
        audit(now, actor, "rules.published", None, version=record.id, rules_version=report.version,
              files_hash=digest, parent=current.id if current else None, comment=comment, **where)
        if event is not None:
            audit(now, actor, event[0], None, version=record.id, comment=comment, **event[1], **where)
    log.info("rules version %s published by %s: %s", record.id, actor, comment)
    return version_summary(record, active=True), report


def _moved_on(current) -> str:
    return (f"тем временем стала действующей версия правил {current.id if current else '—'}; откройте её "
            "и внесите изменение заново, иначе публикация отменила бы её")


def rollback(version_id: int, *, actor: str, reason: str, now: datetime,
             timeout: float = DEFAULT_TIMEOUT, origin: str | None = None) -> dict:
    reason = (reason or "").strip()
    if not reason:
        raise RulesRefused("укажите причину отката")
    record = store.get_version(version_id)
    if record is None:
        raise RulesRefused(f"нет версии правил {version_id}", status=404)
    current = store.active_version()
    if current is not None and current.id == record.id:
        raise RulesRefused(f"версия {version_id} уже действует", status=409)
    report = check_files(dict(record.files), timeout=timeout)  # the code may have changed since
    if report.errors:
        raise RulesRefused(f"версия {version_id} больше не проходит проверку: {_refusal(report)}", report)
    with write_transaction():
        store.activate(record.id, "rollback", actor, reason, now)
        audit(now, actor, "rules.rolled_back", None, version=record.id, previous=current.id if current else None,
              reason=reason, **({"origin": origin} if origin else {}))
    log.info("rules rolled back to version %s by %s: %s", record.id, actor, reason)
    return version_summary(record, active=True)


def export(target: Path, version_id: int | None = None, *, clean: bool = False) -> tuple[dict, list[str]]:
    """Write a version (default: the active one) into a folder. Returns the version and the
    YAML files in the folder that the version does not have (deleted when clean)."""
    record = store.get_version(version_id) if version_id is not None else store.active_version()
    if record is None:
        raise RulesRefused("ни одной версии правил ещё не опубликовано" if version_id is None
                           else f"нет версии правил {version_id}", status=404)
    target = Path(target)
    extra = sorted(set(read_tree(target)) - set(record.files)) if target.is_dir() else []
    write_tree(dict(record.files), target)
    if clean:
        for rel in extra:
            (target / rel).unlink()
    return version_summary(record), extra


def active_version_id() -> int | None:
    active = store.active_activation()
    return active.version_id if active else None


def versions(limit: int = 100, before_id: int | None = None) -> list[dict]:
    active = store.active_activation()
    active_id = active.version_id if active else None
    return [version_summary(r, active=r.id == active_id) for r in store.list_versions(limit, before_id)]


def version_detail(version_id: int) -> dict | None:
    record = store.get_version(version_id)
    if record is None:
        return None
    active = store.active_activation()
    out = version_summary(record, active=bool(active and active.version_id == record.id))
    out["files"] = dict(record.files)
    return out


def history(limit: int = 100) -> list[dict]:
    """Every publish and rollback, newest first: who, when, why, which version."""
    return [{"version": a.version_id, "action": a.action, "actor": a.actor, "reason": a.reason,
             "at": a.at.isoformat()} for a in store.activations(limit)]


def diff(old_id: int, new_id: int) -> dict:
    old, new = store.get_version(old_id), store.get_version(new_id)
    missing = [str(i) for i, r in ((old_id, old), (new_id, new)) if r is None]
    if missing:
        raise RulesRefused(f"нет версии правил {', '.join(missing)}", status=404)
    return {"from": old_id, "to": new_id, **rules_diff(dict(old.files), dict(new.files))}


def version_summary(record, *, active: bool | None = None) -> dict:
    out = {"id": record.id, "version": record.id, "rules_version": record.rules_version,
           "files_hash": record.files_hash, "author": record.author, "comment": record.comment,
           "created_at": record.created_at.isoformat(), "parent": record.parent_id}
    if active is not None:
        out["active"] = active
    return out


def check_draft(files: dict[str, str], *, timeout: float = DEFAULT_TIMEOUT) -> CheckReport:
    """The check of a draft to simulate; RulesRefused when it has errors. Failing test cases do not
    refuse it: a simulation is how one sees what a changed rule would do."""
    report = check_files(files, timeout=timeout)
    if report.errors:
        raise RulesRefused(_refusal(report), report)
    return report


def _refusal(report: CheckReport) -> str:
    parts = [f.text() for f in report.errors[:5]]
    parts += [f"случай {c['file']}: {c['case']}: {'; '.join(c['failures'])}" for c in report.cases_failed[:5]]
    parts += report.case_errors[:5]
    more = len(report.errors) + len(report.cases_failed) + len(report.case_errors) - len(parts)
    return "черновик не проходит проверку: " + " | ".join(parts) + (f" (и ещё {more})" if more > 0 else "")
