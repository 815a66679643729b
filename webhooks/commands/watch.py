"""`appeals watch …`: the public VK walls the centre reads with the service key."""

from __future__ import annotations

from . import CommandError, LocalTimes, runtime_for


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
            print(f"{what} {row.id} {row.target} (владелец {row.owner_id}) "
                  f"{row.title or ''} каждые {row.every_seconds} с".rstrip())
            return 0
        if args.watch_command == "list":
            _print_watches(rt, watching.list_watches())
            return 0
        if not watching.remove_watch(rt, args.watch_id, actor="cli"):
            raise CommandError(f"нет наблюдения {args.watch_id}")
        print(f"наблюдение {args.watch_id} снято")
        return 0


def _print_watches(rt, rows) -> None:
    if not rows:
        print("наблюдений нет")
        return
    labels, local = rt.policy_set.labels, LocalTimes(rt)
    print(local.heading)
    print("№\tстена\tвладелец\tназвание\tтерритория\tпериод\tпрочитана\tнайдено\tошибка")
    for row in rows:
        print(f"{row.id}\t{row.target}\t{row.owner_id}\t{row.title or '—'}\t"
              f"{labels('municipality', row.municipality) or '—'}\t{row.every_seconds} с\t"
              f"{local(row.polled_at, 'ещё не читалась')}\t"
              f"прочитано {row.read}, жалоб {row.complaints}, прочего {row.chatter}\t{row.last_error or '—'}")
