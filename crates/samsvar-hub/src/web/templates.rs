//! Server-rendered pages: minijinja templates compiled into the binary, HTML-escaped.

use minijinja::Environment;

pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../../templates/base.html")),
        ("login.html", include_str!("../../templates/login.html")),
        ("error.html", include_str!("../../templates/error.html")),
        ("events.html", include_str!("../../templates/events.html")),
        ("event.html", include_str!("../../templates/event.html")),
        (
            "scoreboard.html",
            include_str!("../../templates/scoreboard.html"),
        ),
        ("matrix.html", include_str!("../../templates/matrix.html")),
        ("system.html", include_str!("../../templates/system.html")),
        ("run.html", include_str!("../../templates/run.html")),
        (
            "worklist.html",
            include_str!("../../templates/worklist.html"),
        ),
        ("admin.html", include_str!("../../templates/admin.html")),
        ("uploads.html", include_str!("../../templates/uploads.html")),
        (
            "dossiers.html",
            include_str!("../../templates/dossiers.html"),
        ),
        ("dossier.html", include_str!("../../templates/dossier.html")),
    ] {
        // The sources are compiled in; a syntax error is caught by the page tests.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!("template {name}: {e}");
        }
    }
    env
}
