"""Property tests: planted secrets of every built-in kind never survive; redaction is idempotent."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.diagnostics.redact import Redactor

UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALNUM = UPPER_DIGITS + "abcdefghijklmnopqrstuvwxyz"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
REDACTOR = Redactor(key=b"property-key")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _s(alphabet: str, n: int, m: int | None = None) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=n, max_size=m or n)


def _password() -> st.SearchStrategy[str]:
    return st.tuples(_s(ALNUM, 4, 16), _s("0123456789", 2, 4), _s("!#%*+-_", 0, 2)).map(
        lambda t: t[0] + t[1] + t[2]
    )


def _pem(lines: list[str]) -> str:
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----"


# kind -> strategy of (text carrying the secret, the secret)
PLANTS = {
    "aws-access-key-id": _s(UPPER_DIGITS, 16).map(lambda s: (f"key AKIA{s} end", f"AKIA{s}")),
    "aws-secret-key": _s(B64, 40).map(lambda s: (f"aws_secret_access_key = {s}", s)),
    "gcp-api-key": _s(URLSAFE, 35).map(lambda s: (f"?key=AIza{s}&x=1", f"AIza{s}")),
    "azure-storage-key": _s(B64, 86).map(
        lambda s: (f"AccountName=a;AccountKey={s}==;EndpointSuffix=x", s)
    ),
    "private-key": st.lists(_s(B64, 64), min_size=2, max_size=6).map(lambda ls: (_pem(ls), ls[0])),
    "private-key-base64": st.lists(_s(B64, 64), min_size=1, max_size=3).map(
        lambda ls: (lambda b: (f"client-key-data: {b}", b))(
            base64.b64encode(_pem(ls).encode()).decode()
        )
    ),
    "jwt": st.tuples(
        _s("abcdefghijklmnop", 10, 30), _s("abcdefghijklmnop", 10, 30), _s(URLSAFE, 16, 43)
    ).map(lambda t: (f"jwt eyJ{t[0]}.eyJ{t[1]}.S9{t[2]} ok", "S9" + t[2])),
    "bearer-token": st.tuples(_s(URLSAFE, 24, 40), _s("0123456789", 1, 2)).map(
        lambda t: (f"Authorization: Bearer {t[0]}{t[1]}", t[0] + t[1])
    ),
    "basic-auth": st.tuples(_s(ALNUM, 3, 8), _password()).map(
        lambda t: (lambda b: (f"Authorization: Basic {b}", b))(
            base64.b64encode(f"{t[0]}:{t[1]}".encode()).decode()
        )
    ),
    "url-credentials": st.tuples(_s("abcdefgh", 3, 8), _password()).map(
        lambda t: (f"dial mysql://{t[0]}:{t[1]}@db.local:3306/x", t[1])
    ),
    "password": _password().map(lambda p: (f"password={p}", p)),
    "json-password": _password().map(lambda p: (f'{{"db_password": "{p}"}}', p)),
    "escaped-json": _password().map(lambda p: (f'{{"log":"{{\\"apiKey\\":\\"{p}\\"}}"}}', p)),
    "token": _password().map(lambda p: (f"GET /x?access_token={p}&a=1", p)),
    "client-secret": _password().map(lambda p: (f"  clientSecret: {p}", p)),
    "kubecost-token": _password().map(lambda p: (f'"kubecostToken": "{p}"', p)),
    "slack-token": _s(ALNUM, 24).map(lambda s: (f"xoxb-1234567890-{s}", f"xoxb-1234567890-{s}")),
    "github-token": _s(ALNUM, 36).map(lambda s: (f"ghp_{s}", f"ghp_{s}")),
    "gitlab-token": _s(URLSAFE, 20).map(lambda s: (f"token glpat-{s} x", f"glpat-{s}")),
    "stripe-api-key": _s(ALNUM, 24).map(lambda s: (f"sk_live_{s}", f"sk_live_{s}")),
    "azure-sas-token": _s(ALNUM, 32).map(lambda s: (f"https://a.blob/c?sv=1&sig={s}", s)),
}
FILLER = st.text(alphabet=ALNUM + " .,;()[]-_/#", max_size=60)


@SETTINGS
@given(
    st.sampled_from(sorted(PLANTS)).flatmap(lambda k: PLANTS[k]),
    FILLER,
    FILLER,
    st.lists(FILLER, max_size=4),
)
def test_planted_secret_never_survives(
    plant: tuple[str, str], before: str, after: str, lines: list[str]
) -> None:
    text, secret = plant
    doc = "\n".join([*lines, f"{before} {text} {after}".strip(), *lines]) + "\n"
    out = REDACTOR.redact_text(doc)
    # the planted copy is gone (random filler may repeat the secret by chance)
    assert out.count(secret) < doc.count(secret)
    assert secret not in out or secret in before + after + "".join(lines)
    assert out.count("\n") == doc.count("\n")


@SETTINGS
@given(
    st.lists(
        st.one_of(
            FILLER, st.sampled_from(sorted(PLANTS)).flatmap(lambda k: PLANTS[k]).map(lambda p: p[0])
        ),
        max_size=8,
    )
)
def test_redacting_twice_changes_nothing(parts: list[str]) -> None:
    once = REDACTOR.redact_text("\n".join(parts))
    before = REDACTOR.report.total
    assert REDACTOR.redact_text(once) == once
    assert REDACTOR.report.total == before


# pieces of lines where host names and IPs meet their neighbours: dots, dashes, underscores,
# ports, @, quotes, version prefixes, kept domains, and tokens longer than any host name
_NET_PIECES = st.sampled_from(
    [
        "api.acme-corp.com",
        "node-1.eu.internal",
        "10.0.187.218",
        "192.168.1.1:6443",
        "v1.2.3.4",
        "kubernetes.io",
        "node-role.kubernetes.io/master",
        "a_b.example.io",
        "x@mail.acme.com",
        "::ffff:10.1.2.3",
        "1.2.3.4.5",
        "foo.com.",
        "bar.com._x",
        "quay.io/openshift",
        "a" * 70 + ".com",
        ".".join(["ab"] * 200) + ".com",
        " ",
        "/",
        ":",
        "-",
        "_",
        ".",
        "@",
        '"',
        "'",
        "=",
        ",",
        "\t",
        "v",
        "0",
        "x",
    ]
)
NETWORK = Redactor(pseudonymize=frozenset({"all"}), key=b"property-key")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_NET_PIECES, min_size=1, max_size=40))
def test_rules_run_at_their_hits_give_the_whole_line_search(pieces: list[str]) -> None:
    """Host names and IPs are matched only at their trigger hits (``token_chars``); the result
    must be what searching the whole line gives, whatever surrounds them."""
    line = "".join(pieces).encode() + b"\n"
    lines = NETWORK._lines  # the engine's own line pass, run both ways
    owners = lines.compiled.scan(line)
    ends: dict[int, list[int] | None] = {}
    for end, owner in lines.compiled.gate(owners):
        found = ends.setdefault(owner, [])
        assert found is not None
        found.append(end)
    for index in lines.at_hits:
        hits = ends.get(index)
        assert lines._apply_at_hits(index, line, hits or []) == lines._apply(index, line)
