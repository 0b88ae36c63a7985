"""Chinese word segmentation, the same for the index and for queries.

rjieba (jieba's dictionary and algorithm in Rust) was chosen by measurement: about twenty
times jieba's speed on the same text, with identical output (bench/README.md), and it
takes a user dictionary. Queries are cut in precise mode, so 中华人民共和国 as a query is one
term, not six. Documents are cut the same way, and each long word also yields every
dictionary word inside it (中华人民共和国: 中华, 人民, 共和国, 人民共和国, …), so that a query for
any part of a long word finds it (document_terms).

Editors' words (SearchWord) are added to the process's segmenter. Every process checks the
dictionary's version (one small query) before it segments, so the index writer and the
search page never cut with different dictionaries for long; a change also triggers a
rebuild of the index, which was cut with the old one.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import rjieba

# Tokens are reduced to letters, digits and CJK characters: this is what makes every query
# safe to hand to FTS5 or to_tsquery, whatever the reader typed.
NON_WORD = re.compile(r"[\W_]+")
LONG_WORD_CHARS = 5
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Function words that on their own would match nearly every article; dropped from a query
# that has other terms.
STOPWORDS = frozenset("的 了 和 与 及 是 在 对 把 被 为 以 于 之 也 而 或 并 等 这 那 就 都 将 从 向 中 上 下".split())
# NFKC of U+FF01-U+FF5E is the ASCII character 0xFEE0 below it; of the ideographic space, a space.
FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Characters NFKC leaves as they are (test_segmenter checks each): ASCII, CJK ideographs,
# and the punctuation of Chinese text that is not full-width.
NFKC_STABLE = re.compile(r"[\u0000-\u007f\u00b7\u2014\u2018\u2019\u201c\u201d\u3001\u3002\u3008-\u3011\u3400-\u4dbf\u4e00-\u9fff]*")
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 12

_lock = threading.Lock()
_state: dict = {"version": None, "jieba": None}


def normalize(text: str) -> str:
    """NFKC and lower case: full-width letters and digits to half-width (ＡＢＣ５Ｇ -> abc5g),
    compatibility forms to plain ones (① -> 1)."""
    # Nearly every Chinese text has full-width punctuation, so it is never NFKC-normal as
    # it stands, and normalizing it whole costs a large part of segmenting it. The full-width forms map to ASCII under NFKC; once they are mapped, a text of
    # ASCII, CJK and common punctuation is NFKC-normal and needs no more.
    text = (text or "").translate(FULL_WIDTH)
    if not NFKC_STABLE.fullmatch(text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def dictionary_version() -> tuple:
    from .models import SearchWord

    return SearchWord.objects.list_version()


def _segmenter() -> rjieba.Jieba:
    version = dictionary_version()
    if _state["version"] != version:
        with _lock:
            if _state["version"] != version:
                from .models import SearchWord

                jieba = rjieba.Jieba()
                for word in SearchWord.objects.values_list("word", flat=True):
                    jieba.add_word(normalize(word), None, None)
                _state["jieba"], _state["version"] = jieba, version
    return _state["jieba"]


def _clean(tokens) -> list[str]:
    r"""Words without punctuation or spaces; covid-19 becomes covid and 19. Nearly every
    token is all letters (isalnum is [^\W_]): only the others go through the expression."""
    words = []
    for token in tokens:
        if token.isalnum():
            words.append(token)
        elif not token.isspace():
            words += [word for word in NON_WORD.split(token) if word]
    return words


def document_terms(text: str, segmenter: rjieba.Jieba | None = None) -> list[str]:
    """Every indexable term of `text`: its words, the 2- and 3-character dictionary words
    inside longer ones (jieba's search mode), and the longer dictionary words inside words
    of 5 characters or more (西双版纳 in 西双版纳州), which search mode leaves out."""
    jieba = segmenter or _segmenter()
    terms = _clean(jieba.cut_for_search(normalize(text)))
    for word in [term for term in terms if len(term) >= LONG_WORD_CHARS]:
        terms += [
            inner for size in range(4, len(word)) for start in range(len(word) - size + 1)
            if jieba.has_word(inner := word[start : start + size])
        ]
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a reader's query asks for: at most MAX_QUERY_TERMS distinct words taken
    from its first MAX_QUERY_CHARS characters; empty if nothing in it can be searched."""
    words = _clean(_segmenter().cut(normalize(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]))
    # One-character words next to longer ones are mostly particles and measure words (年 in
    # 2023年, 第 in 第十次): required, they would exclude 2023年度; they go like the stopwords.
    meaningful = [word for word in words if word not in STOPWORDS and not is_single_cjk(word)] or [
        word for word in words if word not in STOPWORDS
    ] or words
    return list(dict.fromkeys(meaningful))[:MAX_QUERY_TERMS]


def is_single_cjk(term: str) -> bool:
    """A one-character Chinese term is matched as a prefix (党 finds 党建, 党员, 党)."""
    return len(term) == 1 and bool(CJK.match(term))


def segmenter_for_rebuild() -> rjieba.Jieba:
    """One segmenter for a whole rebuild, so the dictionary cannot change halfway."""
    return _segmenter()
