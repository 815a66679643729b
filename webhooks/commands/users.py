"""`appeals user …`: staff web logins with a role and a scope, and API tokens acting as them."""

from __future__ import annotations

import getpass
import sys

from engine.services.users import WEB_ROLES

from . import CommandError, print_listing, runtime_for


def register(sub) -> None:
    user = sub.add_parser("user", help="staff web logins").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", help="a new login; the password is asked for (or read with --password-stdin)")
    p.add_argument("login")
    p.add_argument("--role", required=True, choices=WEB_ROLES)
    p.add_argument("--body", help="an official's body (directory id)")
    p.add_argument("--sector", action="append", default=[], dest="sectors",
                   help="a sector block the manager leads (repeat for several: --sector housing --sector waste); "
                        "without it the manager sees every body")
    p.add_argument("--official", dest="official_id", help="the person in the directory")
    p.add_argument("--name", help="the name shown on the pages")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first input line")
    p.set_defaults(handler=cmd_user)
    p = user.add_parser("password", help="set a new password; the user's open sessions end")
    p.add_argument("login")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first input line")
    p.set_defaults(handler=cmd_user)
    p = user.add_parser("disable", help="block the login and every token issued to it")
    p.add_argument("login")
    p.set_defaults(handler=cmd_user)
    p = user.add_parser("token", help="an API token acting as the user, printed alone on the last line")
    p.add_argument("login")
    p.add_argument("--ttl-days", type=int, default=90)
    p.set_defaults(handler=cmd_user)
    user.add_parser("list", help="logins, roles and scopes").set_defaults(handler=cmd_user)


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("нет терминала, чтобы спросить пароль: используйте --password-stdin")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise CommandError("пароли не совпадают")
    return first


def cmd_user(args, settings):
    from engine.services import users
    from engine.services.access import AccessError
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        try:
            if args.user_command == "list":
                _print_users(rt, users.list_users())
            elif args.user_command == "add":
                users.add_user(rt.now(), args.login, args.role, _password(args), name=args.name, body=args.body,
                               sectors=args.sectors, official_id=args.official_id,
                               directory=rt.policy_set.directory)
                print(f"пользователь {args.login} ({args.role}) добавлен")
            elif args.user_command == "password":
                users.set_password(rt.now(), args.login, _password(args))
                print(f"пользователь {args.login}: пароль изменён, сеансы завершены")
            elif args.user_command == "disable":
                users.disable_user(rt.now(), args.login)
                print(f"пользователь {args.login} отключён")
            else:
                token = users.issue_token(rt.now(), args.login, ttl_days=args.ttl_days,
                                         default_days=settings.token_days)
                print(f"токен для {args.login} (показывается один раз; сохраните его сейчас):")
                print(token)
        except AccessError as exc:
            raise CommandError(str(exc)) from None
    return 0


def _print_users(rt, logins) -> None:
    from .credentials import scope_words

    def cells(u, labels, _local):
        scope = f"body:{u.body}" if u.body else f"sector:{u.sector}" if u.sector else "all"
        return (u.login, labels("staff_role", u.role), scope_words(scope, labels),
                labels("login_state", "disabled" if u.disabled_at else "active"))

    print_listing(rt, logins, empty="пользователей нет", header="логин\tроль\tдоступ\tсостояние", cells=cells,
                  times=False)
