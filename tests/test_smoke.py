def test_home_page_renders_with_branding(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Stoa" in response.content
    assert "Content-Security-Policy" in response.headers
