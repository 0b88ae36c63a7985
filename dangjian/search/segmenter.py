"""Chinese word segmentation, the same for the index and for queries.

rjieba (jieba's dictionary and algorithm in Rust) was chosen by measurement: 12.8 M
characters/s against jieba's 0.62 M/s on the same text, with identical output, and it
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
LONG_WORD = re.compile(r"[^\W_]{5,}")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Function words that on their own would match nearly every article; dropped from a query
# that has other terms.
STOPWORDS = frozenset("的 了 和 与 及 是 在 对 把 被 为 以 于 之 也 而 或 并 等 这 那 就 都 将 从 向 中 上 下".split())
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 12

_lock = threading.Lock()
_state: dict = {"version": None, "jieba": None}


def normalize(text: str) -> str:
    """Full-width letters and digits to half-width (ＡＢＣ５Ｇ -> abc5g), lower case."""
    text = text or ""
    # The quick check is much cheaper than normalizing text that is already normal.
    if not unicodedata.is_normalized("NFKC", text):
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
    """Words without punctuation or spaces; covid-19 becomes covid and 19. One regular
    expression over the joined tokens: a Python loop over them took most of the indexing."""
    return [word for word in NON_WORD.split(" ".join(tokens)) if word]


def document_terms(text: str, segmenter: rjieba.Jieba | None = None) -> list[str]:
    """Every indexable term of `text`: its words, the 2- and 3-character dictionary words
    inside longer ones (jieba's search mode), and the longer dictionary words inside words
    of 5 characters or more (西双版纳 in 西双版纳州), which search mode leaves out."""
    jieba = segmenter or _segmenter()
    terms = _clean(jieba.cut_for_search(normalize(text)))
    for word in LONG_WORD.findall(" ".join(terms)):
        terms += [
            inner for size in range(4, len(word)) for start in range(len(word) - size + 1)
            if jieba.has_word(inner := word[start : start + size])
        ]
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a reader's query asks for: at most MAX_QUERY_TERMS distinct words taken
    from its first MAX_QUERY_CHARS characters; empty if nothing in it can be searched."""
    words = _clean(_segmenter().cut(normalize(query[: MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]))
    meaningful = [word for word in words if word not in STOPWORDS] or words
    return list(dict.fromkeys(meaningful))[:MAX_QUERY_TERMS]


def is_single_cjk(term: str) -> bool:
    """A one-character Chinese term is matched as a prefix (党 finds 党建, 党员, 党)."""
    return len(term) == 1 and bool(CJK.match(term))


def segmenter_for_rebuild() -> rjieba.Jieba:
    """One segmenter for a whole rebuild, so the dictionary cannot change halfway."""
    return _segmenter()
