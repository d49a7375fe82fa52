import pytest


@pytest.mark.parametrize("query", ["q=%00", "%00=1", "traject=1&q=a%00b"])
def test_a_nul_byte_in_the_query_string_is_a_bad_request(client, query):
    response = client.get(f"/rapportages/?{query}")
    assert response.status_code == 400


def test_an_ordinary_query_string_passes(client, db):
    assert client.get("/rapportages/?q=trombose").status_code == 200


def test_a_bad_request_gets_a_dutch_page(client, db):
    response = client.get("/rapportages/?q=%00")
    assert response.status_code == 400
    assert "<h1>Ongeldig verzoek</h1>" in response.text
    assert '<html lang="nl">' in response.text
