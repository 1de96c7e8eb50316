"""What browser tests read from the page's own state (imported by the tests of tests/browser/)."""

# The step a share link's query (``?state=<base64url JSON>``, app/links.py) holds, or null.
LINK_STEP_JS = """(search) => {
    const m = /[?&]state=([^&]*)/.exec(search || '');
    if (!m) { return null; }
    try {
        return JSON.parse(atob(m[1].replace(/-/g, '+').replace(/_/g, '/'))).step;
    } catch (e) {
        return null;
    }
}"""
