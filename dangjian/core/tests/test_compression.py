from dangjian.core.compression import accepts_gzip


def test_gzip_is_used_only_where_the_client_accepts_it():
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1.0, GZIP;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("br") and not accepts_gzip("gzip;q=0") and not accepts_gzip("identity")


def test_one_vary_header_names_accept_encoding_beside_what_the_page_varies_on():
    from dangjian.core.compression import MIN_BYTES, Compression

    def page(size):
        def app(environ, start_response):
            body = "党建".encode() * size
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                      ("Vary", "Accept-Language, Cookie")])
            return [body]
        return app

    for size in (MIN_BYTES, 1):  # compressed, and too small to gain from it
        seen = {}
        Compression(page(size))({"HTTP_ACCEPT_ENCODING": "gzip", "REQUEST_METHOD": "GET"},
                                lambda status, headers, exc_info=None, seen=seen: seen.update(headers=headers))
        vary = [value for name, value in seen["headers"] if name.lower() == "vary"]
        assert vary == ["Accept-Language, Cookie, Accept-Encoding"], (size, seen["headers"])
