"""Article loading: formats, metadata and one-line errors that name the input."""

from __future__ import annotations

import io
import json

import pytest

from geomap.articles import load_articles, parse_upload, read_stream
from geomap.errors import InputError

SEED = "seeds/000_42821f2fae6c857c.txt"


def test_seed_date_prefix_is_metadata_not_body():
    (article,), errors = load_articles([SEED])
    assert errors == []
    assert article.id == "000_42821f2fae6c857c"
    assert article.date == "2023-10-13"
    assert article.text.startswith("The State Department is tracking")
    assert "date 2023" not in article.text


def test_html_drops_scripts_and_keeps_title(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Floods in Tbilisi</title><script>var x = 'Paris';</script>"
        "<meta property='article:published_time' content='2024-05-01T10:00:00Z'></head>"
        "<body><style>p {color: red}</style><p>Rain hit <b>Tbilisi</b> on Monday.</p>"
        "<p>Second paragraph.</p></body></html>",
        encoding="utf-8",
    )
    (article,), errors = load_articles([page])
    assert errors == []
    assert article.id == "story"
    assert article.title == "Floods in Tbilisi"
    assert article.date == "2024-05-01"
    assert "Paris" not in article.text and "color" not in article.text
    assert article.text == "Rain hit Tbilisi on Monday.\n\nSecond paragraph."


def test_json_and_jsonl_records(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(
        json.dumps(
            {
                "id": "a1",
                "title": "T",
                "url": "http://x",
                "date": "2020-01-02",
                "text": "Hello Baku.",
            }
        ),
        encoding="utf-8",
    )
    many = tmp_path / "many.jsonl"
    many.write_text('{"text": "First."}\n\n{"id": "b", "text": "Second."}\n', encoding="utf-8")
    articles, errors = load_articles([one, many])
    assert errors == []
    assert [a.id for a in articles] == ["a1", "many-1", "b"]
    assert articles[0].url == "http://x" and articles[0].date == "2020-01-02"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty input"),
        (b"   \n", "empty input"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b"caf\xe9 in Paris", "not UTF-8"),
    ],
)
def test_bad_files_get_one_line_error_naming_the_file(tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("Yerevan is the capital.", encoding="utf-8")
    articles, errors = load_articles([bad, good])
    assert [a.id for a in articles] == ["good"]
    assert len(errors) == 1
    assert str(bad) in errors[0] and message in errors[0] and "\n" not in errors[0]


def test_missing_file_and_bad_json_name_the_input(tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "ok"}\n{not json\n', encoding="utf-8")
    articles, errors = load_articles([tmp_path / "nope.txt", broken])
    assert articles == []
    assert errors[0].endswith("nope.txt: no such file")
    assert "broken.jsonl line 2" in errors[1]


def test_folder_expands_to_article_files(tmp_path):
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text("<p>Two.</p>", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")
    articles, errors = load_articles([tmp_path])
    assert errors == [] and sorted(a.id for a in articles) == ["a", "b"]


def test_stdin_and_upload():
    (article,) = read_stream(io.BytesIO(b"date 2021-03-04\nProtests in Minsk."))
    assert article.date == "2021-03-04" and article.text == "Protests in Minsk."
    (up,) = parse_upload("My Story!.txt", b"Text about Kyiv.")
    assert up.id == "My-Story" and up.text == "Text about Kyiv."
    with pytest.raises(InputError, match=r"photo\.png: unsupported file type \.png"):
        parse_upload("photo.png", b"\x89PNG")


def test_jsonl_text_may_hold_unicode_line_separators(tmp_path):
    feed = tmp_path / "feed.jsonl"
    record = {"id": "sep", "text": "First line\u2028still the same article about Baku."}
    feed.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (article,), errors = load_articles([feed])
    assert errors == [] and article.text == record["text"]


def test_untitled_articles_get_a_readable_title(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Floods hit Valencia\n\nRain fell for days. More is due.", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("Rain fell on Valencia for days. More is due.", encoding="utf-8")
    (a, b), errors = load_articles([story, plain])
    assert errors == []
    assert a.title == "Floods hit Valencia" and a.text.startswith("Floods hit Valencia")
    assert b.title == "Rain fell on Valencia for days."
