"""`appeals keys …`: the keys channel credentials are encrypted with at rest."""

from __future__ import annotations

from . import CommandError, runtime_for


def register(sub) -> None:
    keys = sub.add_parser("keys", help="encryption keys of channel secrets and tokens").add_subparsers(
        dest="keys_command", required=True)
    p = keys.add_parser("generate", help="print a new key: put it first in APPEALS_ENCRYPTION_KEYS, keep the old ones")
    p.set_defaults(handler=cmd_keys)
    p = keys.add_parser("rotate", help="re-encrypt every stored channel credential and the VK service key with "
                                       "the newest key (audited)")
    p.set_defaults(handler=cmd_keys)


def cmd_keys(args, settings):
    from engine.services import encryption_keys
    from engine.services.database import connection

    if args.keys_command == "generate":
        print(encryption_keys.generated_key())
        return 0
    rt = runtime_for(settings)
    with connection():
        try:
            report = encryption_keys.rotate(rt.now())
        except encryption_keys.SecretUnreadable as exc:
            raise CommandError(str(exc)) from None
    print(f"перешифровано значений: {report.values} (каналов: {report.channels})"
          f"{', в том числе сервисный ключ VK,' if report.service_keys else ''} новейшим ключом; "
          "прежние ключи теперь можно убрать из APPEALS_ENCRYPTION_KEYS")
    return 0
