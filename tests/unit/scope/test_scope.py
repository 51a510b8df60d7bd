"""Behaviour of check_scope: neutralising logs, steps vs asks, markers, reasons, robustness."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.domain.cases import ComponentArea
from engage.domain.scope import ScopeResult, check_scope

ATHENA = (
    "The Cloud Costs page is empty since we set up the Athena integration. The CUR is "
    "delivered as Parquet and the Glue crawler created the table."
)
OKTA = (
    "Separately, we want to use SSO with Okta over SAML. How do we map the Okta group "
    "attribute to the admin role?"
)


def test_two_topics_with_a_marker_are_multi_and_explained() -> None:
    result = check_scope("Cloud costs and SSO", f"{ATHENA}\n\n{OKTA}")
    assert result.verdict == "multi"
    assert [p.area for p in result.parts] == [ComponentArea.CLOUD_COSTS, ComponentArea.SSO_AUTH]
    reason = result.reasons[-1]
    assert "'Separately'" in reason and "SSO/auth" in reason and "cloud costs" in reason
    assert "okta" in reason and "athena" in reason
    assert result.parts[1].summary.startswith("We want to use SSO")
    assert any("Okta group" in sentence for sentence in result.parts[1].evidence)


def test_one_topic_is_single_with_its_area() -> None:
    result = check_scope("Athena integration broken", ATHENA)
    assert result.verdict == "single"
    assert result.parts[0].area is ComponentArea.CLOUD_COSTS
    assert result.parts[0].summary == "Athena integration broken"
    assert result.reasons[0].startswith("the text is about cloud costs")


def test_vocabulary_inside_code_blocks_and_logs_is_ignored() -> None:
    block = "\n".join(
        [
            "```yaml",
            "saml:",
            "  enabled: true",
            "  idpMetadataURL: https://okta.example.com",
            "notifications:",
            "  alertConfigs:",
            "    - type: budget",
            "```",
            "2024-06-01T10:00:00Z ERR SAML: okta login failed for alert budget report",
            "    at saml.Login (auth.go:12)",
        ]
    )
    result = check_scope("Athena integration broken", f"{ATHENA}\n\n{block}\n\nAny idea?")
    assert result.verdict == "single"
    assert result.parts[0].area is ComponentArea.CLOUD_COSTS
    assert result.reasons[0] == "ignored 10 lines of code, logs, YAML, stack traces or commands"


def test_numbered_steps_are_one_problem_but_numbered_questions_are_asks() -> None:
    steps = (
        "Steps we took:\n1. Log in through Okta SSO.\n2. Open the saved report and "
        "download the CSV.\n3. Compare the totals with the Allocations page.\n\n"
        "The CSV export of the saved report has a lower total than the report in the UI."
    )
    assert check_scope("Report CSV totals wrong", steps).verdict == "single"
    questions = (
        "We have some questions:\n"
        "1. How do we distribute shared namespaces costs to teams by usage?\n"
        "2. Can a saved report be emailed to a distribution list every Monday?\n"
        "3. Does Kubecost support SAML login with Okta groups?"
    )
    result = check_scope("Questions", questions)
    assert result.verdict == "multi"
    assert {p.area for p in result.parts} == {
        ComponentArea.COST_ALLOCATION,
        ComponentArea.ALERTS_BUDGETS_REPORTS,
        ComponentArea.SSO_AUTH,
    }
    assert any(r.startswith("list item 2 starts a new matter") for r in result.reasons)


def test_symptoms_tied_to_one_cause_stay_single() -> None:
    text = (
        "Our Prometheus server is OOMKilled every night. Because Prometheus is down, "
        "the saved reports are empty and the budget alerts did not fire.\n\n"
        "All of this started when we added 300 nodes. How much memory does it need?"
    )
    result = check_scope("Prometheus OOM", text)
    assert result.verdict == "single"
    assert result.parts[0].area is ComponentArea.PERFORMANCE_MEMORY


def test_troubleshooting_also_is_not_a_new_topic() -> None:
    text = (
        "The frontend returns 502 Bad Gateway and nginx cannot resolve the upstream.\n\n"
        "We also tried deleting the frontend pod. Additionally, we tried a port-forward to "
        "the cost-model, which returns allocation data."
    )
    assert check_scope("502 from the frontend", text).verdict == "single"


def test_new_paragraph_in_another_area_without_marker_is_a_weaker_multi() -> None:
    marked = check_scope("t", f"{ATHENA}\n\n{OKTA}")
    unmarked = check_scope("t", f"{ATHENA}\n\n{OKTA.replace('Separately, we', 'We')}")
    assert unmarked.verdict == "multi"
    assert unmarked.confidence < marked.confidence


def test_same_sentence_mid_paragraph_area_change_is_not_split() -> None:
    text = f"{ATHENA} {OKTA.replace('Separately, we', 'We')}"
    assert check_scope("t", text).verdict == "single"


def test_back_to_back_questions_in_different_areas_are_separate_asks() -> None:
    text = (
        "How do we configure SAML login with Okta groups for the admin role? "
        "Can budget alerts be sent to a Slack channel every week?"
    )
    result = check_scope("Two questions", text)
    assert result.verdict == "multi"
    assert "starts a new matter" in result.reasons[-1]
    same_area = (
        "How do we configure SAML login with Okta groups? "
        "Which SAML attribute carries the Okta group for the admin role?"
    )
    assert check_scope("SAML questions", same_area).verdict == "single"


def test_empty_and_vocabulary_free_texts() -> None:
    empty = check_scope("", "")
    assert (empty.verdict, empty.parts[0].area, empty.confidence) == (
        "single",
        ComponentArea.OTHER,
        0.7,
    )
    vague = check_scope("Help", "It does not work. Please call me.")
    assert vague.verdict == "single" and vague.parts[0].area is ComponentArea.OTHER
    assert "no Kubecost component vocabulary" in vague.reasons[0]


def test_title_alone_sets_the_area_of_a_short_case() -> None:
    assert check_scope("SAML login loops with Okta", "").parts[0].area is ComponentArea.SSO_AUTH


def test_to_dict_has_exactly_the_documented_shape() -> None:
    data = check_scope("Cloud costs and SSO", f"{ATHENA}\n\n{OKTA}").to_dict()
    assert list(data) == ["verdict", "parts", "confidence", "reasons"]
    assert all(list(part) == ["summary", "area"] for part in data["parts"])
    assert json.loads(json.dumps(data)) == data


def test_long_summaries_are_cut_on_a_word() -> None:
    title = "word " * 60
    summary = check_scope(title, "").parts[0].summary
    assert len(summary) <= 100 and summary.endswith("\u2026") and " wor\u2026" not in summary


def test_long_single_ticket_with_logs_stays_single() -> None:
    logs = "\n".join(
        f"2024-06-01T10:{i % 60:02d}:00Z ERR saml alert budget okta network "
        f"egress reconcile failed {i}"
        for i in range(300)
    )
    text = f"{ATHENA}\n\n```\n{logs}\n```\n\n{ATHENA}\n\nWhat is wrong?"
    assert len(text) > 10_000
    result = check_scope("Athena", text)
    assert result.verdict == "single" and result.parts[0].area is ComponentArea.CLOUD_COSTS


def test_deterministic() -> None:
    text = f"{ATHENA}\n\n{OKTA}"
    assert check_scope("t", text) == check_scope("t", text)


def _consistent(result: ScopeResult) -> None:
    assert result.verdict in ("single", "multi")
    assert (len(result.parts) > 1) == (result.verdict == "multi")
    assert 0.0 <= result.confidence <= 1.0
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
    assert all(p.summary is not None for p in result.parts)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=2000))
def test_any_text_gives_a_consistent_result(title: str, description: str) -> None:
    _consistent(check_scope(title, description))


FRAGMENTS = [
    ATHENA,
    OKTA,
    "Separately,",
    "Also, can you",
    "P.S.",
    "```",
    "    ERR log line",
    "1. Open the page.",
    "2. How do I fix this?",
    "- bullet",
    "\n\n",
    "\n",
    "key: value",
    "Because of this",
    "The aggregator is OOMKilled.",
    "Issue 2: budgets",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25))
def test_ticket_shaped_fragments_give_a_consistent_result(pieces: list[str]) -> None:
    _consistent(check_scope("title", " ".join(pieces)))
