"""What browser tests read from the page's own state (imported by the tests of tests/browser/)."""

# The settings a share link's query (``?state=<base64url JSON>``, app/links.py) holds, or null.
LINK_STATE_JS = """(search) => {
    const m = /[?&]state=([^&]*)/.exec(search || '');
    if (!m) { return null; }
    try {
        return JSON.parse(atob(m[1].replace(/-/g, '+').replace(/_/g, '/')));
    } catch (e) {
        return null;
    }
}"""

# The step a share link's query holds, or null.
LINK_STEP_JS = f"""(search) => {{ const s = ({LINK_STATE_JS})(search); return s ? s.step : null; }}"""
