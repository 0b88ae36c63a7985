"""The segmenter's shortcuts give what the plain definitions give: NFKC + lower case, and the
words of the tokens without punctuation."""

import re
import sys
import unicodedata

import rjieba
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.search import segmenter

# Chinese text as it arrives: ideographs, full-width and ASCII punctuation, letters, digits,
# and the characters NFKC changes (compatibility ideographs, circled digits, combining marks).
chinese_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
        st.sampled_from(list("，。、；：？！“”‘’《》【】…—·\u3000①²ⅫＡａ５\u0301\uf900\U0002f800 \n\t-_.")),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


def test_every_character_taken_as_stable_is_unchanged_by_nfkc():
    stable = [chr(code) for code in range(sys.maxunicode + 1) if segmenter.NFKC_STABLE.fullmatch(chr(code))]
    assert len(stable) > 20_000
    assert [c for c in stable if unicodedata.normalize("NFKC", c) != c] == []


def test_full_width_forms_map_as_nfkc_maps_them():
    for code, ascii_code in segmenter.FULL_WIDTH.items():
        assert unicodedata.normalize("NFKC", chr(code)) == chr(ascii_code)


@settings(max_examples=500)
@given(chinese_text)
def test_normalize_is_nfkc_and_lower_case(text):
    assert segmenter.normalize(text) == unicodedata.normalize("NFKC", text).lower()


@settings(max_examples=500)
@given(st.lists(chinese_text, max_size=20))
def test_clean_keeps_the_words_of_the_tokens(tokens):
    assert segmenter._clean(tokens) == [word for word in re.split(r"[\W_]+", " ".join(tokens)) if word]


def test_long_words_yield_the_dictionary_words_inside_them():
    terms = segmenter.document_terms("西双版纳州的ＣＯＶＩＤ－１９防控", rjieba.Jieba())
    assert "西双版纳" in terms and "版纳" in terms
    assert "covid" in terms and "19" in terms
