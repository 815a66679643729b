"""The ``then`` of a rule (or of a decision-table row) → Outcomes, every reference (body, role,
official, deadline policy, topic) checked."""

from __future__ import annotations

from engine.classify import text as textmod
from engine.domain.vocabulary import FZ59_SPECIALS, PRIORITIES
from engine.wording.staff import did_you_mean

from .model import Outcomes
from .parsing import ParseContext
from .vocabulary import OUTCOMES


def parse_outcomes(ctx: ParseContext, raw, where: str = "then") -> Outcomes:
    if not isinstance(raw, dict) or not raw:
        raise ctx.error(where, "ожидается непустой список действий (ключ: значение)")
    out: dict = {}
    for name, value in raw.items():
        f = f"{where}.{name}"
        if name not in OUTCOMES:
            raise ctx.error(f, f"неизвестное действие{did_you_mean(name, OUTCOMES)}; допустимы: {', '.join(OUTCOMES)}")
        if name == "assign":
            if not isinstance(value, dict) or not value:
                raise ctx.error(f, "ожидается {body, role} или {official}")
            for k in value:
                if k not in ("body", "role", "official"):
                    raise ctx.error(f"{f}.{k}", f"неизвестное поле{did_you_mean(k, ('body', 'role', 'official'))}; "
                                                "допустимы body, role, official")
            if "official" in value:
                if "body" in value or "role" in value:
                    raise ctx.error(f, "укажите либо {body, role}, либо {official}, но не оба")
                official = value["official"]
                if not isinstance(official, str) or not official:
                    raise ctx.error(f"{f}.official", "ожидается идентификатор должностного лица")
                if ctx.officials is not None and official not in ctx.officials:
                    raise ctx.error(f"{f}.official", f"в справочнике нет должностного лица {official!r}"
                                                     f"{did_you_mean(official, ctx.officials)}")
                out["official"] = official
            else:
                body, role = value.get("body"), value.get("role", "executor")
                if body not in ctx.bodies:
                    raise ctx.error(f"{f}.body", f"в справочнике нет органа {body!r}{did_you_mean(body, ctx.bodies)}")
                if role not in ctx.roles:
                    raise ctx.error(f"{f}.role", f"в справочнике нет роли {role!r}{did_you_mean(role, ctx.roles)}")
                out["body"], out["role"] = body, role
        elif name == "deadline_policy":
            if value not in ctx.policies:
                raise ctx.error(f, f"нет политики сроков {value!r}{did_you_mean(value, ctx.policies)}; "
                                   f"есть: {', '.join(sorted(ctx.policies))}")
            out["deadline_policy"] = value
        elif name == "priority":
            if value not in PRIORITIES:
                raise ctx.error(f, f"нет приоритета {value!r}{did_you_mean(value, PRIORITIES)}; допустимы: "
                                   f"{', '.join(PRIORITIES)}")
            out["priority"] = value
        elif name == "add_tags":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items or not all(isinstance(t, str) and t.strip() for t in items):
                raise ctx.error(f, "ожидается метка или непустой список меток")
            out["add_tags"] = tuple(dict.fromkeys(textmod.normalise(t.strip()) for t in items))
        elif name == "set_topic":
            topic, subtopic = (value, None) if isinstance(value, str) else (None, None)
            if isinstance(value, dict):
                for k in value:
                    if k not in ("topic", "subtopic"):
                        raise ctx.error(f"{f}.{k}", f"неизвестное поле{did_you_mean(k, ('topic', 'subtopic'))}; "
                                                    "допустимы topic, subtopic")
                topic, subtopic = value.get("topic"), value.get("subtopic")
                if subtopic is not None and (not isinstance(subtopic, str) or not subtopic):
                    raise ctx.error(f"{f}.subtopic", "ожидается непустая строка")
            if topic not in ctx.topics:
                raise ctx.error(f, f"нет темы {topic!r}{did_you_mean(topic, ctx.topics)}; есть: "
                                   f"{', '.join(sorted(ctx.topics))}")
            out["topic"], out["subtopic"] = topic, subtopic
        elif name == "notify_now":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items:
                raise ctx.error(f, "ожидается непустой список ролей")
            for role in items:
                if role not in ctx.roles:
                    raise ctx.error(f, f"в справочнике нет роли {role!r}{did_you_mean(role, ctx.roles)}")
            out["notify_now"] = tuple(dict.fromkeys(items))
        elif name == "fz59_special":
            if value not in FZ59_SPECIALS:
                raise ctx.error(f, f"нет особого случая {value!r}{did_you_mean(value, FZ59_SPECIALS)}; допустимы: "
                                   f"{', '.join(FZ59_SPECIALS)}")
            out["fz59_special"] = value
        elif name == "control":
            if value is not True:
                raise ctx.error(f, "expected true (an appeal is put on control; nothing takes it off by rule)")
            out["control"] = True
        elif name == "set_sector":
            # checked against the directory's sectors when the policy set is loaded
            if not isinstance(value, str) or not value.strip():
                raise ctx.error(f, "expected a sector code from directory.yaml (sectors)")
            out["sector"] = value.strip()
    return Outcomes(**out)
