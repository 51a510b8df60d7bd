"""The SMTP transport against aiosmtpd with STARTTLS, implicit TLS and authentication."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from engage.adapters.mail.smtp import SmtpTransport
from engage.domain.notifications import MailSendError

from .conftest import Inbox, free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"engage", b"s3cret")
    return AuthResult(success=ok)


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Inbox]]:
    box, port = Inbox(), free_port()
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(certificate),
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    )
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
def implicit_tls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Inbox]]:
    box, port = Inbox(), free_port()
    # AUTH is checked over STARTTLS above: aiosmtpd does not offer AUTH on an implicit-TLS
    # port (it counts only STARTTLS as TLS), so this server checks the TLS part alone
    controller = Controller(
        box, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificate)
    )
    controller.start()
    yield port, box
    controller.stop()


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "support@engage.test"
    msg["To"] = "ana@customer.test"
    msg["Subject"] = "[Case #1] hello"
    msg.set_content("hello")
    return msg


def test_starttls_with_login(
    starttls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, box = starttls_server
    transport = SmtpTransport(
        "127.0.0.1", port, security="starttls", username="engage", password="s3cret",
        context=_client_context(certificate),
    )  # fmt: skip
    transport.send_message(message())
    assert [rcpts for _, rcpts, _ in box.messages] == [["ana@customer.test"]]
    plain = SmtpTransport("127.0.0.1", port, security="none")
    with pytest.raises(MailSendError):  # the server insists on STARTTLS
        plain.send_message(message())


def test_implicit_tls_and_certificate_check(
    implicit_tls_server: tuple[int, Inbox], certificate: tuple[Path, Path]
) -> None:
    port, box = implicit_tls_server
    transport = SmtpTransport(
        "127.0.0.1", port, security="tls", context=_client_context(certificate)
    )
    transport.send_message(message())
    assert len(box.messages) == 1
    untrusted = SmtpTransport("127.0.0.1", port, security="tls", timeout=5)
    with pytest.raises(MailSendError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        untrusted.send_message(message())


def test_unknown_security_is_refused() -> None:
    with pytest.raises(ValueError, match="starttls"):
        SmtpTransport("127.0.0.1", 25, security="ssl3")
