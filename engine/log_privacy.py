"""Personal data never reaches a log: one filter masks e-mail addresses and phone numbers in every
log record, DEBUG included, of every logger (ours, werkzeug's request lines, smtplib's), whatever
handler then writes it; peewee's DEBUG lines keep their SQL statement and withhold its parameters.

The composition root (engine.bootstrap) installs it once per process in the log record factory, so
it sees each record as it is made, before any handler, formatter or test capture does; handlers
added later (gunicorn's, `logging.basicConfig`) are covered too. The message is formatted once and
masked, and so are an exception's traceback and a stack.
"""

from __future__ import annotations

import logging

from engine.domain.personal_data import mask_personal_data

_FORMATTER = logging.Formatter()


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record in place; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "peewee" and isinstance(record.msg, tuple) and len(record.msg) == 2:
            # a statement and its parameters: the parameters are the residents' data in every shape
            # (names, addresses, the words of a text as the search index keeps them), so only the
            # statement is logged
            statement, parameters = record.msg
            record.msg = f"{statement} -- {len(parameters or ())} parameters withheld"
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: keep the template, masked, as logging would show it
            message = str(record.msg)
        record.msg, record.args = mask_personal_data(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


_FILTER = PersonalDataFilter()


def install() -> None:
    """Mask every record this process makes from now on (once; a second call changes nothing)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "masks_personal_data", False):
        return

    def masked_record(*args, **kwargs):
        record = make(*args, **kwargs)
        _FILTER.filter(record)
        return record

    masked_record.masks_personal_data = True
    logging.setLogRecordFactory(masked_record)
