"""Site tweaks for the book's HTML that _config.yml cannot express.

Jupyter Book always loads sphinx-thebe, and sphinx-thebe 0.3.1 registers its
inline configuration script after the HTML builder has copied the registry,
so with Sphinx 7 every page declares ``const THEBE_JS_URL`` twice and the
browser reports a SyntaxError. The book runs its code through Colab and
Binder, not thebe, so when the thebe launch button is off we drop thebe's
scripts and stylesheet from every page: no error, two requests fewer.
"""

THEBE_ASSETS = ("sphinx-thebe.js", "sphinx-thebe.css")


def _is_thebe(asset) -> bool:
    filename = getattr(asset, "filename", None) or ""
    body = (getattr(asset, "attributes", None) or {}).get("body", "")
    return filename.endswith(THEBE_ASSETS) or "THEBE_JS_URL" in body


def drop_unused_thebe(app, pagename, templatename, context, doctree):
    launch = app.config.html_theme_options.get("launch_buttons", {})
    if launch.get("thebe"):
        return
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def setup(app):
    app.connect("html-page-context", drop_unused_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
