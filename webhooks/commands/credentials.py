"""`appeals channel …` and `appeals token …`: who may post appeals and call the API."""

from __future__ import annotations

from . import CommandError, runtime_for


def register(sub) -> None:
    channel = sub.add_parser("channel", help="webhook channels").add_subparsers(dest="channel_command", required=True)
    p = channel.add_parser("add", help="register a channel; a generated secret is printed once")
    p.add_argument("name")
    p.add_argument("--kind", required=True, choices=("generic", "vk", "telegram", "open311"))
    p.add_argument("--secret")
    p.add_argument("--confirmation", help="VK: the string to answer a confirmation request with")
    p.add_argument("--group-id", type=int, help="VK: the community's id; events of other communities are ignored")
    p.add_argument("--if-missing", action="store_true", help="succeed quietly when the channel exists")
    p.set_defaults(handler=cmd_channel)
    p = channel.add_parser("list", help="channels and their kinds (secrets are never printed)")
    p.set_defaults(handler=cmd_channel)
    p = channel.add_parser("rotate-secret", help="new secret; the old one keeps working for 24 hours")
    p.add_argument("name")
    p.add_argument("--secret")
    p.set_defaults(handler=cmd_channel)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    p = token.add_parser("create", help="a new bearer token, printed alone on the last line")
    p.add_argument("--role", required=True, choices=("channel", "official", "manager", "policy", "admin"))
    p.add_argument("--label")
    p.add_argument("--ttl-days", type=int)
    p.set_defaults(handler=cmd_token)


def cmd_channel(args, settings):
    from engine.services import access, credentials
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        if args.channel_command == "list":
            for ch in credentials.list_channels():
                group = f"\tgroup {ch.group_id}" if ch.group_id is not None else ""
                print(f"{ch.name}\t{ch.kind}\tcreated {ch.created_at.isoformat()}{group}")
            return 0
        try:
            if args.channel_command == "add":
                if args.if_missing and credentials.find_channel(args.name):
                    print(f"channel {args.name} exists")
                    return 0
                secret = credentials.add_channel(rt.now(), args.name, args.kind, args.secret, args.confirmation,
                                            args.group_id)
                print(f"channel {args.name} ({args.kind}) added")
                if not args.secret:  # a generated secret is shown once, never again
                    print(secret)
            else:
                secret = credentials.rotate_channel_secret(rt.now(), args.name, args.secret)
                print(f"channel {args.name}: new secret active; the old one works for 24 hours")
                if not args.secret:
                    print(secret)
        except access.AccessError as exc:
            raise CommandError(str(exc)) from None
    return 0


def cmd_token(args, settings):
    from engine.services import credentials
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        token = credentials.create_token(rt.now(), args.role, args.label, args.ttl_days)
    print(f"token for role {args.role} (shown once; store it now):")
    print(token)
    return 0
