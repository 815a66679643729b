"""`appeals watch …`: the public VK walls the centre reads with the service key."""

from __future__ import annotations

import getpass
import sys

from . import CommandError, LocalTimes, print_listing, runtime_for


def register(sub) -> None:
    watch = sub.add_parser("watch", help="public VK walls read for complaints").add_subparsers(
        dest="watch_command", required=True)
    p = watch.add_parser("add", help="watch a wall: vk:<screen name or id> (a community's id is negative)")
    p.add_argument("target")
    p.add_argument("--municipality", help="the municipality (directory id) the wall's appeals belong to")
    p.add_argument("--every", default="5m", help="how often it is read: 5m, 90s, 1h (default 5m)")
    p.set_defaults(handler=cmd_watch)
    watch.add_parser("list", help="watched walls, when read last, what was found").set_defaults(handler=cmd_watch)
    p = watch.add_parser("remove", help="stop watching a wall (its appeals stay)")
    p.add_argument("watch_id", type=int)
    p.set_defaults(handler=cmd_watch)
    watch.add_parser("demo", help="watch the demo data's two public Altai walls by name (no call to VK)"
                     ).set_defaults(handler=cmd_watch)
    key = watch.add_parser("key", help="the VK service key the walls are read with, kept encrypted").add_subparsers(
        dest="key_command", required=True)
    p = key.add_parser("set", help="store the service key encrypted: asked for, or read with --key-stdin")
    p.add_argument("--key-stdin", action="store_true", help="read the key from the first input line")
    p.set_defaults(handler=cmd_key)
    key.add_parser("show", help="whether a key is stored, when and by whom (never the key)").set_defaults(
        handler=cmd_key)
    key.add_parser("remove", help="forget the stored key: the walls are not read").set_defaults(handler=cmd_key)


def cmd_watch(args, settings):
    from engine.services import watching
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        if args.watch_command == "add":
            try:
                row, created = watching.add_watch(rt, args.target, municipality=args.municipality, every=args.every,
                                                  actor="cli")
            except watching.WatchError as exc:
                raise CommandError(str(exc)) from None
            what = "наблюдение" if created else "изменено наблюдение"
            owner = f"владелец {row.owner_id}" if row.owner_id is not None else "по имени: найдётся, когда задан ключ"
            print(f"{what} {row.id} {row.target} ({owner}) "
                  f"{row.title or ''} каждые {row.every_seconds} с".replace("  ", " "))
            return 0
        if args.watch_command == "demo":
            from webhooks.demo import add_demo_watches

            for row in add_demo_watches(rt):
                print(f"наблюдение {row.id} {row.target}: {row.last_error or 'добавлено'}")
            return 0
        if args.watch_command == "list":
            _print_watches(rt, watching.list_watches(rt))
            return 0
        if not watching.remove_watch(rt, args.watch_id, actor="cli"):
            raise CommandError(f"нет наблюдения {args.watch_id}")
        print(f"наблюдение {args.watch_id} снято")
        return 0


def _print_watches(rt, rows) -> None:
    print_listing(rt, rows, empty="наблюдений нет",
                  header="№\tстена\tвладелец\tназвание\tтерритория\tпериод\tпрочитана\tнайдено\tошибка",
                  cells=lambda row, labels, local: (
                      row.id, row.target, "—" if row.owner_id is None else row.owner_id, row.title or "—",
                      labels("municipality", row.municipality) or "—", f"{row.every_seconds} с",
                      local(row.polled_at, "ещё не читалась"),
                      f"прочитано {row.read}, жалоб {row.complaints}, прочего {row.chatter}", row.last_error or "—"))


def _read_key(args) -> str:
    if args.key_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        raise CommandError("нет терминала, чтобы спросить ключ: используйте --key-stdin")
    return getpass.getpass("Сервисный ключ VK: ").strip()


def cmd_key(args, settings):
    from engine.services import service_key
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        if args.key_command == "set":
            try:
                created = service_key.set_key(rt, _read_key(args), actor="cli")
            except service_key.KeyInvalid as exc:
                raise CommandError(str(exc)) from None
            print("сервисный ключ VK сохранён в базе зашифрованным" + ("" if created else " (заменён прежний)"))
            if settings.vk_service_token:
                print("внимание: задан APPEALS_VK_SERVICE_TOKEN — обработчик сохранит ключ из окружения поверх "
                      "этого; уберите переменную", file=sys.stderr)
            return 0
        if args.key_command == "remove":
            if not service_key.remove_key(rt, actor="cli"):
                raise CommandError("сервисный ключ VK не сохранён")
            if settings.vk_service_token:
                print("сервисный ключ VK удалён из базы")
                print("внимание: задан APPEALS_VK_SERVICE_TOKEN — обработчик снова сохранит ключ из окружения и "
                      "будет читать стены; уберите переменную", file=sys.stderr)
            else:
                print("сервисный ключ VK удалён: стены не читаются")
            return 0
        state = service_key.key_state()
        if state is None:
            print("сервисный ключ VK не сохранён")
        else:
            from engine.wording.staff import actor_name

            local = LocalTimes(rt)
            print(f"сервисный ключ VK сохранён {local(state[0])} ({actor_name(state[1], rt.policy_set.labels)}); "
                  f"{local.heading}")
        return 0
