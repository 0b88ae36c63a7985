from pathlib import Path

import polib
import pytest
from django.utils import translation

import dangjian

CATALOGS = sorted(Path(dangjian.__file__).parent.glob("locale*/zh_Hans/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: f"{p.parent.parent.parent.name}/{p.name}")
def test_compiled_catalog_matches_its_source(po_path):
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    assert po.percent_translated() == 100
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in po.translated_entries()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in mo if e.msgid}
    assert compiled == source, "run scripts/i18n_build.py"


def test_interface_and_admin_gaps_are_chinese():
    with translation.override("zh-hans"):
        assert translation.pgettext("portal", "Hot list") == "热点排行"
        assert translation.gettext("Site settings") == "网站设置"
        # Strings Wagtail's own zh-Hans catalog lacks, supplied by the project:
        assert translation.gettext("Schedule to publish") == "按计划发布"
        assert translation.gettext("Save changes") == "保存修改"
        # The portal's generic words must not override Wagtail's admin translations.
        assert translation.gettext("Pages") == "页面"
        assert translation.gettext("Published") == "已发布"  # Wagtail's, not the portal's 发布时间
        assert translation.pgettext("portal", "Published") == "发布时间"
