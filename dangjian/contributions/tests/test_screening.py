"""Sensitive-word screening: the lists, the automaton, the highlights."""

from __future__ import annotations

from dangjian.contributions.models import SensitiveWord
from dangjian.contributions.screening import forbidden, highlight, screen

FORBIDDEN, HINT = SensitiveWord.Category.FORBIDDEN, SensitiveWord.Category.HINT


def test_forbidden_and_hint_words_are_found_and_highlighted(db):
    SensitiveWord.objects.create(word="违禁词", category=FORBIDDEN)
    SensitiveWord.objects.create(word="提醒词", category=HINT)
    text = "这篇文章有一个提醒词，还有一个违禁词，再来一次违禁词。"
    matches = screen(text)
    assert [(m.word, m.category) for m in matches] == [("提醒词", HINT), ("违禁词", FORBIDDEN), ("违禁词", FORBIDDEN)]
    assert forbidden(matches) == ["违禁词"]
    assert str(highlight(text, matches)) == (
        '这篇文章有一个<mark class="sensitive-hint">提醒词</mark>，还有一个<mark class="sensitive-forbidden">违禁词</mark>，'
        '再来一次<mark class="sensitive-forbidden">违禁词</mark>。'
    )


def test_spaces_width_and_case_do_not_hide_a_word(db):
    SensitiveWord.objects.create(word="ABC违禁", category=FORBIDDEN)
    text = "前文 ａ b\u200bＣ 违\n禁 后文<script>"
    matches = screen(text)
    assert [m.word for m in matches] == ["ABC违禁"]
    assert text[matches[0].start : matches[0].end] == "ａ b\u200bＣ 违\n禁"
    assert "&lt;script&gt;" in highlight(text, matches)


def test_the_automaton_follows_changes_to_the_list(db):
    assert screen("新词出现") == []
    word = SensitiveWord.objects.create(word="新词", category=HINT)
    assert [m.word for m in screen("新词出现")] == ["新词"]
    word.category = FORBIDDEN
    word.save()
    assert forbidden(screen("新词出现")) == ["新词"]
    word.delete()
    assert screen("新词出现") == []
