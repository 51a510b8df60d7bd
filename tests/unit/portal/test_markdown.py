"""Markdown for instructions and remediation: rendered, raw HTML off, sanitised."""

from __future__ import annotations

from engage.web.markdown import to_html


def test_headings_emphasis_and_code_blocks_render() -> None:
    html = to_html(
        "## How to provide it\n\nRun **this**:\n\n```bash\nkubectl get pods -n kubecost\n```"
    )
    assert "<h4>How to provide it</h4>" in html
    assert "<strong>this</strong>" in html
    assert '<pre><code class="language-bash">kubectl get pods -n kubecost' in html
    assert "##" not in html and "**" not in html and "```" not in html


def test_raw_html_and_script_links_never_get_through() -> None:
    html = to_html(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))"
    )
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_links_get_rel_and_empty_text_is_empty() -> None:
    assert 'rel="noopener noreferrer"' in to_html("[docs](https://docs.kubecost.com)")
    assert to_html("") == "" and to_html(None) == ""
