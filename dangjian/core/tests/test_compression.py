from dangjian.core.compression import accepts_gzip


def test_gzip_is_used_only_where_the_client_accepts_it():
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1.0, GZIP;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("br") and not accepts_gzip("gzip;q=0") and not accepts_gzip("identity")
