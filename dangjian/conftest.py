# Fixtures are split by domain, each app's in its tests/fixtures.py.
pytest_plugins = ["dangjian.testing.browser", "dangjian.portal.tests.fixtures", "dangjian.pageviews.tests.fixtures",
                  "dangjian.accounts.tests.fixtures", "dangjian.search.tests.fixtures",
                  "dangjian.contributions.tests.fixtures", "dangjian.cities.tests.fixtures",
                  "dangjian.complaints.tests.fixtures"]
