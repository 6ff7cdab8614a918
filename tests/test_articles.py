"""Article loading: formats, metadata and one-line errors that name the input."""

from __future__ import annotations

import io
import json
import os
import socket
import warnings

import pytest
from conftest import csrf_token

from geomap.articles import (
    MAX_JSON_DEPTH,
    DuplicateId,
    DuplicateIdWarning,
    load_articles,
    parse_upload,
    read_stream,
)
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
    assert [a.text for a in articles] == ["ok"]  # the good line is kept
    assert errors[0].endswith("nope.txt: no such file")
    assert "broken.jsonl line 2: invalid JSON" in errors[1]


def test_folder_expands_to_article_files(tmp_path):
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text("<p>Two.</p>", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")
    articles, errors = load_articles([tmp_path])
    assert errors == [] and sorted(a.id for a in articles) == ["a", "sub/b"]


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


# -- ids: unique in a run, never silently merged (issue 13, finding 4) --------------------------


def test_same_file_name_in_two_folders_gives_two_articles(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "index.txt").write_text(f"Story {folder} about Baku.", "utf-8")
    (tmp_path / "top.txt").write_text("Top story about Yerevan.", "utf-8")
    seen: list[DuplicateId] = []
    articles, errors = load_articles([tmp_path], on_duplicate=seen.append)
    assert errors == [] and seen == []
    assert {a.id: a.text for a in articles} == {
        "a/index": "Story a about Baku.",
        "b/index": "Story b about Baku.",
        "top": "Top story about Yerevan.",  # top level: the stem, as before (seeds/)
    }


def test_a_repeated_id_is_renamed_and_reported(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(f"Story {folder}.", "utf-8")
    feed = tmp_path / "feed.jsonl"
    rows = [{"id": "d", "text": "One."}, {"id": "d", "text": "Two."}, {"id": 7, "text": "Three."}]
    feed.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    seen: list[DuplicateId] = []
    a_x, b_x = tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"
    articles, errors = load_articles([a_x, b_x, feed], on_duplicate=seen.append)
    assert errors == []
    assert [(a.id, a.text) for a in articles] == [
        ("x", "Story a."),
        ("x-2", "Story b."),
        ("d", "One."),
        ("d-2", "Two."),
        ("7", "Three."),
    ]
    assert [d.message for d in seen] == [
        f"{b_x}: id 'x' is already used by {a_x} in this run; stored as 'x-2'",
        f"{feed} line 2: id 'd' is already used by {feed} line 1 in this run; stored as 'd-2'",
    ]
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"id": "d", "text": "A."}, {"id": "d", "text": "B."}]))
    seen.clear()
    articles, _ = load_articles([listed], on_duplicate=seen.append)
    assert [a.id for a in articles] == ["d", "d-2"]
    assert [d.message for d in seen] == [
        f"{listed}: id 'd' is already used earlier in this input; stored as 'd-2'"
    ]
    with pytest.warns(DuplicateIdWarning, match="stored as 'x-2'"):  # the library default
        again, _ = load_articles([a_x, b_x])
    assert [a.id for a in again] == ["x", "x-2"]  # the same inputs give the same ids


def test_an_upload_keeps_both_articles_of_an_id_used_twice():
    """The reader keeps both; the web page gives the second a free id and says so
    (tests/test_web_security.py)."""
    data = b'{"id": "d", "text": "One."}\n{"id": "d", "text": "Two."}\n'
    assert [(a.id, a.text) for a in parse_upload("feed.jsonl", data)] == [
        ("d", "One."),
        ("d", "Two."),
    ]


# -- JSON: depth, types, one bad line (findings 5 and 9) ------------------------------------------


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_one_error_not_a_crash(tmp_path, depth):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * depth + "]" * depth, "utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"text": "Kept."}\n' + "[" * depth + "]" * depth + "\n", "utf-8")
    articles, errors = load_articles([deep, feed])
    assert [a.text for a in articles] == ["Kept."]
    assert errors == [
        f"{deep}: JSON nested deeper than {MAX_JSON_DEPTH} levels",
        f"{feed} line 2: JSON nested deeper than {MAX_JSON_DEPTH} levels",
    ]
    with pytest.raises(InputError, match=r"<stdin>: JSON nested deeper than 64 levels"):
        read_stream(io.BytesIO(b"[" * depth + b"]" * depth))


def test_nesting_up_to_the_limit_is_fine(tmp_path):
    ok = tmp_path / "ok.json"
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    ok.write_text(f'{{"text": "Fine.", "extra": {nested}}}', "utf-8")
    (article,), errors = load_articles([ok])
    assert errors == [] and article.text == "Fine."


def test_deep_json_upload_is_a_400_not_a_500(client):
    deep = b"[" * 100_000
    data = {"file": (io.BytesIO(deep), "deep.json"), "csrf_token": csrf_token(client)}
    response = client.post("/add", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert b"deep.json: JSON nested deeper than 64 levels" in response.data


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ('{"id": [1, 2], "text": "T."}', "'id' must be a string or an integer, not array"),
        ('{"id": true, "text": "T."}', "'id' must be a string or an integer, not boolean"),
        ('{"id": "a\\nb", "text": "T."}', "'id' must not hold control characters"),
        ('{"title": {"a": 1}, "text": "T."}', "'title' must be a string or null, not object"),
        ('{"url": 3, "text": "T."}', "'url' must be a string or null, not number"),
        ('{"date": 20200101, "text": "T."}', "'date' must be a string or null, not number"),
        ('{"text": 5}', "'text' must be a string, not number"),
        ('{"body": ["a"]}', "'body' must be a string, not array"),
        ('{"text": "T.", "score": NaN}', "invalid JSON (NaN is not valid JSON)"),
        ('{"text": "T.", "score": -Infinity}', "invalid JSON (-Infinity is not valid JSON)"),
        ('{"text": "T.", "n": ' + "1" * 5000 + "}", "invalid JSON (Exceeds the limit"),
    ],
)
def test_wrong_json_types_are_errors_naming_input_and_field(tmp_path, record, message):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(record + '\n{"id": 9, "title": null, "text": "Good."}\n', "utf-8")
    articles, errors = load_articles([feed])
    assert [(a.id, a.text, a.title) for a in articles] == [("9", "Good.", "Good.")]
    assert errors == [f"{feed} line 1: " + errors[0].split(": ", 1)[1]]
    assert message in errors[0] and "set_int_max_str_digits" not in errors[0]


def test_a_bad_record_of_a_json_array_costs_that_record(tmp_path):
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"text": "One."}, {"title": 1, "text": "x"}, {"text": "Three."}]))
    articles, errors = load_articles([many])
    assert [(a.id, a.text) for a in articles] == [("many-1", "One."), ("many-3", "Three.")]
    assert errors == [f"{many} item 2: 'title' must be a string or null, not number"]


# -- encodings (finding 9) -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_text_with_a_byte_order_mark_is_read(tmp_path, encoding):
    text = "Protests in Tbilisi and Ереван."
    data = text.encode(encoding)
    if encoding.endswith("-be"):  # the codec without a mark: add the big-endian one
        data = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}[encoding] + data
    path = tmp_path / "story.txt"
    path.write_bytes(data)
    (article,), errors = load_articles([path])
    assert errors == [] and article.text == text
    (up,) = parse_upload("story.txt", data)
    assert up.text == text


@pytest.mark.parametrize(
    "data",
    [
        "Protests in Tbilisi.".encode("utf-16-le"),  # no mark: NUL bytes, so binary
        b"\xff\xfeA\x00\x00\x00\x00\x00B\x00",  # a mark, then NUL characters
    ],
)
def test_nul_bytes_or_characters_are_binary(tmp_path, data):
    path = tmp_path / "story.txt"
    path.write_bytes(data)
    _, errors = load_articles([path])
    assert errors == [f"{path}: looks like a binary file, not text"]


def test_a_bad_utf16_file_is_named(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes(b"\xff\xfeT\x00\x00\xd8")  # a lone surrogate half
    _, errors = load_articles([path])
    assert len(errors) == 1 and errors[0].startswith(f"{path}: not UTF-16 text")


# -- files that are not files, and size (finding 6) ----------------------------------------------


def test_fifo_device_and_socket_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # no writer: opening it for reading would block forever
    sock_path = tmp_path / "s.txt"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(sock_path))
    try:
        articles, errors = load_articles([fifo, "/dev/zero", sock_path, tmp_path / "none.txt"])
    finally:
        sock.close()
    assert articles == []
    assert errors == [
        f"{fifo}: is a FIFO (named pipe), not a file",
        "/dev/zero: is a character device, not a file",
        f"{sock_path}: is a socket, not a file",
        f"{tmp_path / 'none.txt'}: no such file",
    ]


def test_size_limit_for_files_and_streams(tmp_path):
    at_limit = tmp_path / "ok.txt"
    at_limit.write_text("Baku " * 200, "utf-8")  # 1000 bytes
    over = tmp_path / "big.txt"
    over.write_text("Baku " * 200 + "!", "utf-8")
    articles, errors = load_articles([at_limit, over], limit=1000)
    assert [a.id for a in articles] == ["ok"]
    assert errors == [f"{over}: larger than the limit of 1000 bytes"]
    too_big = pytest.raises(InputError, match=r"^<stdin>: larger than the limit of 2 MB$")
    with open("/dev/zero", "rb") as endless, too_big:  # never ends: refused at the limit
        read_stream(endless, limit=2 * 1024 * 1024)


def test_no_warning_for_ordinary_inputs(tmp_path):
    (tmp_path / "one.txt").write_text("One.", "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        articles, errors = load_articles([tmp_path, SEED])
    assert [a.id for a in articles] == ["one", "000_42821f2fae6c857c"] and errors == []
