"""`appeals channel …` and `appeals token …`: who may post appeals and call the API."""

from __future__ import annotations

import sys

from engine.services.access import ROLES

from . import CommandError, print_listing, runtime_for

# the flag an operator gives a platform token with, by the kind of channel it belongs to
TOKEN_FLAGS = {"vk": "--access-token", "telegram": "--bot-token"}


def register(sub) -> None:
    channel = sub.add_parser("channel", help="webhook channels").add_subparsers(dest="channel_command", required=True)
    p = channel.add_parser("add", help="register a channel; a generated secret is printed once")
    p.add_argument("name")
    p.add_argument("--kind", required=True, choices=("generic", "vk", "telegram", "open311"))
    p.add_argument("--secret")
    p.add_argument("--confirmation", help="VK: the string to answer a confirmation request with")
    p.add_argument("--group-id", type=int, help="VK: the community's id; events of other communities are ignored")
    p.add_argument("--if-missing", action="store_true", help="succeed quietly when the channel exists")
    _reply_options(p)
    p.set_defaults(handler=cmd_channel)
    p = channel.add_parser("set", help="change what replies to residents go out with (audited; tokens never printed)")
    p.add_argument("name")
    _reply_options(p)
    p.add_argument("--remove-token", action="store_true", help="remove the platform token: replies then dead-letter")
    p.add_argument("--remove-callback-url", action="store_true", help="remove the callback URL")
    p.set_defaults(handler=cmd_channel)
    p = channel.add_parser("list", help="channels, their kinds and reply settings (secrets and tokens never printed)")
    p.set_defaults(handler=cmd_channel)
    p = channel.add_parser("rotate-secret", help="new secret; the old one keeps working for 24 hours")
    p.add_argument("name")
    p.add_argument("--secret")
    p.set_defaults(handler=cmd_channel)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    p = token.add_parser("create", help="a new bearer token, printed alone on the last line")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--label")
    p.add_argument("--ttl-days", type=int, help="days it is valid (default APPEALS_TOKEN_DAYS; 0: no expiry)")
    p.set_defaults(handler=cmd_token)
    p = token.add_parser("list", help="tokens: id, label, role, scope, created, last used, expiry, state "
                                      "(never the token)")
    p.add_argument("--json", action="store_true", help="one JSON object per token")
    p.set_defaults(handler=cmd_token)
    p = token.add_parser("revoke", help="revoke a token by its id (audited); it answers 401 from then on")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_token)


def _reply_options(p) -> None:
    p.add_argument("--access-token", metavar="T",
                   help="VK: the community access token replies are posted with ('-' reads it from stdin)")
    p.add_argument("--bot-token", metavar="T",
                   help="Telegram: the bot token replies are sent with ('-' reads it from stdin)")
    p.add_argument("--callback-url", metavar="URL", help="generic: where replies are POSTed, signed with the secret")


def _given_token(args, kind: str) -> str | None:
    """The platform token given with the flag of this kind of channel; CommandError for the other flag."""
    for flag_kind, flag in TOKEN_FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is not None and flag_kind != kind:
            raise CommandError(f"{flag} — для каналов вида {flag_kind}; этот канал вида {kind}"
                               + (f" (укажите {TOKEN_FLAGS[kind]})" if kind in TOKEN_FLAGS else ""))
    value = getattr(args, TOKEN_FLAGS[kind][2:].replace("-", "_")) if kind in TOKEN_FLAGS else None
    if value == "-":
        value = sys.stdin.readline().strip()
    return value


def _reply_settings(ch) -> str:
    if ch.kind in TOKEN_FLAGS:
        return "токен задан" if ch.api_token else "токена нет"
    if ch.kind == "generic":
        return f"адрес {ch.callback_url}" if ch.callback_url else "адреса нет"
    return "—"


def _print_channels(rt, channels) -> None:
    print_listing(rt, channels, empty="каналов нет", header="канал\tвид\tсоздан\tсообщество ВКонтакте\tответы жителям",
                  cells=lambda ch, labels, local: (
                      ch.name, labels("channel", ch.kind), local(ch.created_at),
                      "—" if ch.group_id is None else ch.group_id, _reply_settings(ch)))


def cmd_channel(args, settings):
    from engine.services import access, credentials
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        if args.channel_command == "list":
            _print_channels(rt, credentials.list_channels())
            return 0
        try:
            if args.channel_command == "add":
                if args.if_missing and credentials.find_channel(args.name):
                    print(f"канал {args.name} уже есть")
                    return 0
                secret = credentials.add_channel(rt.now(), args.name, args.kind, args.secret, args.confirmation,
                                                 args.group_id, api_token=_given_token(args, args.kind),
                                                 callback_url=args.callback_url)
                print(f"канал {args.name} ({args.kind}) добавлен")
                if not args.secret:  # a generated secret is shown once, never again
                    print(secret)
            elif args.channel_command == "set":
                return _set(args, rt, credentials)
            else:
                secret = credentials.rotate_channel_secret(rt.now(), args.name, args.secret)
                print(f"канал {args.name}: действует новый секрет; прежний принимается ещё 24 часа")
                if not args.secret:
                    print(secret)
        except access.AccessError as exc:
            raise CommandError(str(exc)) from None
    return 0


def _set(args, rt, credentials) -> int:
    channel = credentials.find_channel(args.name)
    if channel is None:
        raise CommandError(f"нет канала {args.name!r}")
    token = _given_token(args, channel.kind)
    if token is not None and args.remove_token:
        raise CommandError("укажите новый токен или --remove-token, но не оба сразу")
    if args.callback_url is not None and args.remove_callback_url:
        raise CommandError("укажите новый адрес или --remove-callback-url, но не оба сразу")
    changes = {}
    if token is not None or args.remove_token:
        changes["api_token"] = token
    if args.callback_url is not None or args.remove_callback_url:
        changes["callback_url"] = args.callback_url
    changed = credentials.set_reply_settings(rt.now(), args.name, **changes)
    for name in changed:
        what = "токен площадки" if name == "api_token" else "адрес обратного вызова"
        print(f"канал {args.name}: {what} {'удалён' if changes[name] is None else 'сохранён'}")
    return 0


def cmd_token(args, settings):
    from engine.services import access, api_tokens, credentials
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        if args.token_command == "list":
            _print_tokens(rt, api_tokens.list_tokens(rt.now()), as_json=args.json)
            return 0
        if args.token_command == "revoke":
            try:
                view = api_tokens.revoke(rt.now(), args.id, actor="admin")
            except access.AccessError as exc:
                raise CommandError(str(exc)) from None
            print(f"токен {view.id} отозван ({view.label or 'без подписи'}, роль {view.role})")
            return 0
        try:
            token = credentials.create_token(rt.now(), args.role, args.label, args.ttl_days,
                                             default_days=settings.token_days)
        except access.AccessError as exc:
            raise CommandError(str(exc)) from None
    print(f"токен для роли {args.role} (показывается один раз; сохраните его сейчас):")
    print(token)
    return 0


def _print_tokens(rt, views, *, as_json: bool) -> None:
    import json

    if as_json:
        for view in views:
            print(json.dumps(view.as_dict(), ensure_ascii=False))
        return
    print_listing(rt, views, empty="токенов нет",
                  header="№\tподпись\tроль\tдоступ\tсоздан\tпоследнее использование\tдействует до\tсостояние",
                  cells=lambda v, labels, local: (
                      v.id, v.label or "—", labels("staff_role", v.role), scope_words(v.scope, labels),
                      local(v.created_at), local(v.last_used_at), local(v.expires_at, "бессрочно"),
                      labels("token_state", v.state)))


def scope_words(scope: str, labels) -> str:
    """What a token or login may see, by names: «все органы», a body, one or more sector blocks."""
    kind, _, codes = scope.partition(":")
    if kind == "body":
        return labels("body", codes)
    if kind == "sector":
        led = [f"«{labels('sector', code)}»" for code in codes.split()]
        return f"{'секторы' if len(led) > 1 else 'сектор'} {', '.join(led)}"
    return "все органы"
