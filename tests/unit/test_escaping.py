from landmap.escaping import html_text, md_escape


def test_markdown_escape_neutralises_links_images_and_html():
    for hostile in [
        "![x](http://attacker/beacon.png)",
        "[click](http://attacker)",
        '<img src=x onerror="document.title=1">',
        ":red[alarm]",
        "**bold**",
        "$x^2$",
    ]:
        escaped = md_escape(hostile)
        for ch in "[]()<>*:$!":
            assert f"\\{ch}" in escaped or ch not in hostile


def test_markdown_escape_keeps_chinese_and_folds_newlines():
    assert md_escape("陶家渡片区\n二期") == "陶家渡片区 二期"
    assert md_escape(None) == ""


def test_html_text():
    assert html_text('<b a="1">&') == "&lt;b a=&quot;1&quot;&gt;&amp;"
