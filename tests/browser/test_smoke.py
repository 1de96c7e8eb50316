"""The app loads in Chromium with a clean console, and the console check itself works."""

import pytest


def test_page_loads_with_clean_console(app_page):
    assert app_page.title().startswith("Descent")
    assert app_page.locator("#react-entry-point > *").count() > 0


@pytest.mark.allow_console
def test_console_check_catches_errors_warnings_and_exceptions(page, console):
    page.set_content("<title>blank</title>")
    page.evaluate("console.error('smoke-error'); console.warn('smoke-warning'); console.log('smoke-log')")
    page.evaluate("console.trace('smoke-trace')")
    page.evaluate("setTimeout(() => { throw new Error('smoke-exception'); })")
    page.wait_for_timeout(100)

    joined = "\n".join(console.messages)
    assert "console.error: smoke-error" in joined
    assert "console.warning: smoke-warning" in joined
    assert "pageerror: Error: smoke-exception" in joined
    assert "console.trace: smoke-trace" in joined  # how Plotly writes its warnings
    assert "smoke-log" not in joined
    with pytest.raises(AssertionError, match="smoke-error"):
        console.assert_clean()
    console.assert_clean(ignore=("smoke-",))


@pytest.mark.allow_console("expected-by-test")
def test_allow_console_ignores_only_listed_texts(page, console):
    page.evaluate("console.error('expected-by-test')")
    assert console.problems(ignore=("expected-by-test",)) == []
