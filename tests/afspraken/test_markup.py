from afspraken.markup import render_markdown


def test_simple_formatting_and_line_breaks_are_kept():
    html = render_markdown("Eerste regel\ntweede **vet** en *schuin*\n\n- een\n- twee")
    assert "<br>" in html
    assert "<strong>vet</strong>" in html
    assert "<em>schuin</em>" in html
    assert "<li>een</li>" in html


def test_script_is_removed():
    html = render_markdown("Hallo <script>alert('x')</script> wereld")
    assert "<script" not in html
    assert "alert" not in html


def test_event_handler_attributes_are_removed():
    html = render_markdown('<img src="x" onerror="alert(1)"> <b onmouseover="alert(2)">b</b>')
    assert "onerror" not in html
    assert "onmouseover" not in html
    assert "<img" not in html


def test_javascript_links_lose_their_target():
    html = render_markdown("[klik](javascript:alert(1)) <a href='javascript:alert(2)'>a</a>")
    assert "javascript:" not in html


def test_links_get_a_safe_rel():
    html = render_markdown("[NHG](https://www.nhg.org/)")
    assert 'href="https://www.nhg.org/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_a_list_right_under_a_line_of_text_is_a_list():
    html = render_markdown("Wat er gebeurde:\r\n- nascholing gepland\r\n- standaard herzien")
    assert "<p>Wat er gebeurde:</p>" in html
    assert "<li>nascholing gepland</li>" in html
    assert "<li>standaard herzien</li>" in html
