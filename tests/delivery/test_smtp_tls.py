"""SMTP with a password goes only over TLS: smtp+starttls:// (STARTTLS required) and smtps:// against a real
aiosmtpd with a certificate made in the test; a password in an smtp:// URL is refused before anything is
sent, and a server that offers no STARTTLS never sees the password."""

from __future__ import annotations

import dataclasses

import pytest

from engine.alerts.email import SmtpSender
from engine.alerts.message import DeliveryError, OutgoingAlert
from engine.bootstrap import bootstrap
from tests.support.smtp import SmtpServer
from tests.support.tls import self_signed, server_context

USER, PASSWORD = "cur-alerts", "pa55-over-tls-only"


def alert(alert_id: int = 1) -> OutgoingAlert:
    return OutgoingAlert(alert_id=alert_id, idempotency_key=f"tls:{alert_id}", channel="email",
                         address="ivanov@example.ru", recipient_name="Иванов И. И.", subject="[ЦУР] Проверка",
                         body="Обращение №1 ждёт ответа.", link="http://appeals.test/appeals/1", appeal_id=1,
                         level="L1", role="executor", ack_link=None)


@pytest.fixture
def certificate(tmp_path):
    return self_signed(tmp_path)


@pytest.fixture
def server(request, certificate):
    tls = request.param
    started = SmtpServer(tls=tls, context=server_context(*certificate), accounts={USER: PASSWORD}).start()
    yield started
    started.stop()


def with_login(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{USER}:{PASSWORD}@{rest}"


@pytest.mark.parametrize("server", ["starttls", "smtps"], indirect=True)
def test_a_password_is_sent_over_tls_and_the_letter_arrives_encrypted(server, certificate):
    sender = SmtpSender(with_login(server.url), "cur@example.ru", timeout=5, ca_file=str(certificate[0]))

    receipt = sender.send(alert())
    sender.send(alert())
    sender.close()  # as the end of a drain does

    assert receipt.startswith("smtp accepted")
    assert server.accounts.attempts == [(USER, True)]  # logged in once, over TLS, for both letters
    assert len(server.messages) == 2 and server.collector.encrypted == [True, True] and server.connections == 1
    assert server.messages[0]["X-Appeals-Alert"] == "tls:1"


@pytest.mark.parametrize("server", ["starttls", "smtps"], indirect=True)
def test_a_certificate_nobody_vouches_for_is_refused_before_the_password_leaves(server):
    sender = SmtpSender(with_login(server.url), "cur@example.ru", timeout=5)  # the system's CAs only

    with pytest.raises(DeliveryError, match="сертификат сервера не прошёл проверку"):
        sender.send(alert())

    assert server.accounts.attempts == [] and server.messages == []


@pytest.mark.parametrize("server", [None], indirect=True)
def test_starttls_is_required_a_server_without_it_never_sees_the_password(server, certificate):
    url = with_login(server.url.replace("smtp://", "smtp+starttls://"))
    sender = SmtpSender(url, "cur@example.ru", timeout=5, ca_file=str(certificate[0]))

    with pytest.raises(DeliveryError, match="не предлагает STARTTLS; письмо не отправлено"):
        sender.send(alert())

    assert server.accounts.attempts == [] and server.messages == []


def test_a_password_over_plain_smtp_is_refused_at_start(settings, clock, policy_set):
    with pytest.raises(ValueError, match=r"smtp\+starttls://.*smtps://"):
        SmtpSender(f"smtp://{USER}:{PASSWORD}@127.0.0.1:25", "cur@example.ru")
    with pytest.raises(ValueError, match="имя и пароль передаются только по TLS"):
        bootstrap(dataclasses.replace(settings, smtp_url=f"smtp://{USER}:{PASSWORD}@127.0.0.1:25"),
                  clock=clock, policy_set=policy_set)
    with pytest.raises(ValueError, match="схема адреса — одна из"):
        SmtpSender("smtpx://127.0.0.1:25", "cur@example.ru")


@pytest.mark.parametrize("server", [None], indirect=True)
def test_plain_smtp_without_a_login_still_works_for_a_local_relay(server):
    sender = SmtpSender(server.url, "cur@example.ru", timeout=5)
    assert sender.send(alert()).startswith("smtp accepted")
    sender.close()
    assert server.collector.encrypted == [False]


def test_the_command_line_refuses_a_password_over_plain_smtp_in_one_line(cli_env, capsys, monkeypatch):
    from tests.support.command_line import run

    monkeypatch.setenv("APPEALS_SMTP_URL", f"smtp://{USER}:{PASSWORD}@127.0.0.1:25")
    code, out, err = run(capsys, "token", "list")

    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "имя и пароль передаются только по TLS" in err and "Traceback" not in err
    assert PASSWORD not in err


def test_an_smtp_server_that_is_not_there_is_named_with_the_reason_in_russian():
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError, match=f"почтовый сервер 127.0.0.1:{port}: соединение отклонено"):
        SmtpSender(f"smtp://127.0.0.1:{port}", "cur@example.ru", timeout=5).send(alert())


def test_a_server_answering_with_an_over_long_line_is_a_delivery_error_with_the_reason_not_a_crash():
    """smtplib reports a reply line past its limit as SMTPResponseException(500, "Line too long.") with a
    str, not bytes: the reason must still be read, or the exception escapes the delivery job and the alert
    is never counted as failed."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))

    def greet_too_long():
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"220 " + b"x" * 9000 + b"\r\n")
            conn.recv(1024)

    threading.Thread(target=greet_too_long, daemon=True).start()
    sender = SmtpSender(f"smtp://127.0.0.1:{listener.getsockname()[1]}", "cur@example.ru", timeout=5)
    try:
        with pytest.raises(DeliveryError) as refused:
            sender.send(alert())
    finally:
        listener.close()

    assert str(refused.value) == f"почтовый сервер 127.0.0.1:{sender.port}: сервер ответил 500: Line too long."
    assert not refused.value.permanent
