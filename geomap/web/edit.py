"""Editing: editors log in, correct mentions (as rules, see geomap/corrections.py) and undo.

Two ways to be an editor: the pages use a login form and Flask's signed session cookie;
the JSON API takes ``Authorization: Bearer TOKEN`` (the token ``geomap editors add``
printed) and no cookie, so it needs no CSRF token. Every other state-changing request (the
editing forms, the add form, anyone's, logged in or not) needs a CSRF token (Flask-WTF),
kept in the session cookie, which anonymous visitors get too. Reading stays open to
everyone.

Statuses: 401 when no editor is named (no cookie login, no token), 403 for a wrong token
or login, 400 for a cookie request without a valid CSRF token or a malformed body. In
each of those cases nothing is stored.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers import Response

from geomap.corrections import (
    NEW_PLACE_KINDS,
    SCOPES,
    Correction,
    affected_articles,
    editor_for_token,
    gazetteer_layers,
    new_place_feature,
    now_utc,
    place_lookup,
    reapply,
    search_places,
    submit_correction,
)
from geomap.errors import GeocodingError, InputError
from geomap.web import get_store
from geomap.web.security import STATE_CHANGING

bp = Blueprint("edit", __name__)
csrf = CSRFProtect()

MAX_NOTE = 2000


def init_app(app: Flask) -> None:
    """Sessions, CSRF and the editing routes. ``SECRET_KEY`` comes from the config or
    ``GEOMAP_SECRET_KEY``; without one, a random key per process (logins and open forms end
    on restart). Every visitor's form token lives in the signed session cookie."""
    import os

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("GEOMAP_SECRET_KEY") or secrets.token_hex(32)
    app.config.setdefault("EDITING", True)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    # checked by csrf_guard below, so bearer-token API calls (no cookie) can be exempt
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the login
    csrf.init_app(app)
    app.before_request(csrf_guard)
    app.context_processor(
        lambda: {
            "editor": session.get("editor"),
            "editing": _editing(),
            "online_search": bool(session.get("editor")) and _online() is not None,
        }
    )
    app.register_blueprint(bp)


def _editing() -> bool:
    return bool(current_app.config.get("EDITING", True))


def _bearer_only() -> bool:
    """An API call without a session cookie: the API knows an editor only by the bearer
    token, which another site cannot make a browser send, and answers 401 without one."""
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    return request.path.startswith("/api/") and cookie not in request.cookies


def csrf_guard() -> None:
    """CSRF on every state-changing request, logged in or not (an anonymous upload can
    replace nothing, but another site must not add articles in a visitor's name either);
    bearer-token API calls without a cookie are exempt, and a request no view answers
    keeps its 404 or 405."""
    if (
        request.method not in STATE_CHANGING
        or _bearer_only()
        or request.routing_exception is not None
    ):
        return
    try:
        csrf.protect()
    except CSRFError as exc:
        abort(
            400,
            description=f"{exc.description} Reload the page and send the form again.",
        )


def current_editor() -> str | None:
    """The editor behind this request (token first, then the login), or None."""
    auth = request.headers.get("Authorization")
    if auth is not None:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, description="use 'Authorization: Bearer TOKEN'")
        name = editor_for_token(get_store(), token.strip())
        if name is None:
            abort(403, description="that token belongs to no editor")
        return name
    name = session.get("editor")
    return str(name) if name else None


def require_editor() -> str:
    if not _editing():
        abort(403, description="editing is turned off on this server")
    name = current_editor()
    if name is None:
        abort(401, description="log in as an editor, or send 'Authorization: Bearer TOKEN'")
    return name


def _local_target(target: str | None) -> str:
    """Only a path on this site, so the login form cannot redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = _local_target(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", error=None, name="", target=target)
    name = " ".join(request.form.get("name", "").split())
    token = request.form.get("token", "").strip()
    found = editor_for_token(get_store(), token) if name and token else None
    if found is None or found != name:
        return render_template(
            "login.html", error="Wrong editor name or token.", name=name, target=target
        ), 403
    session.clear()
    session["editor"] = found
    session.permanent = True
    return redirect(target, code=303)


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("pages.index"), code=303)


# -- the engine and the gazetteers, shared with page uploads -------------------------------


def _engine() -> Any:
    """The app's parsing engine (made once, as for uploads) holding the store's rules."""
    from geomap.web import _default_engine_factory

    ext = current_app.extensions["geomap"]
    if ext["engine"] is None:
        factory = current_app.config.get("ENGINE") or _default_engine_factory()
        ext["engine"] = factory()
    engine = ext["engine"]
    sync = getattr(engine, "set_rules", None)
    if sync is not None:
        sync(get_store().corrections(active_only=True))
    return engine


def _layers() -> tuple[Any, Any]:
    """The curated and offline gazetteers: the engine's if it is loaded, else opened alone."""
    ext = current_app.extensions["geomap"]
    engine = ext.get("engine")
    if engine is not None and hasattr(engine, "curated") and hasattr(engine, "offline"):
        return engine.curated, engine.offline
    if "layers" not in ext:
        from geomap.config import load_settings

        ext["layers"] = gazetteer_layers(load_settings({"db": current_app.config["DATABASE"]}))
    layers: tuple[Any, Any] = ext["layers"]
    return layers


def _online() -> Any:
    """The online geocoder when the settings turn one on (else None), for editors' searches."""
    ext = current_app.extensions["geomap"]
    engine = ext.get("engine")
    if engine is not None and hasattr(engine, "online"):
        return engine.online
    if "online" not in ext:
        from geomap.config import load_settings
        from geomap.gazetteer.geocoders import build_online_layer

        ext["online"] = build_online_layer(load_settings({"db": current_app.config["DATABASE"]}))
    return ext["online"]


def _reapply(rule: Correction) -> list[str]:
    store = get_store()
    if not affected_articles(store, rule):
        return []
    return reapply(store, _engine().parse, [rule])


# -- the API -------------------------------------------------------------------------------


def _field(body: dict[str, Any], name: str, kind: type, required: bool = True) -> Any:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        abort(400, description=f"'{name}' must be {'a whole number' if kind is int else 'text'}")
    return value


def correction_from_json(body: Any, editor: str) -> dict[str, Any]:
    """The keyword arguments of submit_correction, from the API's JSON body (400 if bad)."""
    if not isinstance(body, dict):
        abort(400, description="send a JSON object")
    unknown = set(body) - {
        "article",
        "start",
        "end",
        "place",
        "not_a_place",
        "new_place",
        "scope",
        "note",
        "country",
    }
    if unknown:
        abort(400, description=f"unknown field(s): {', '.join(sorted(unknown))}")
    scope = _field(body, "scope", str)
    if scope not in SCOPES:
        abort(400, description=f"'scope' must be one of {', '.join(SCOPES)}")
    note = _field(body, "note", str, required=False) or ""
    if len(note) > MAX_NOTE:
        abort(400, description=f"'note' is longer than {MAX_NOTE} characters")
    given = [k for k in ("place", "not_a_place", "new_place") if body.get(k) not in (None, False)]
    if len(given) != 1:
        abort(400, description="send exactly one of 'place', 'not_a_place': true, 'new_place'")
    country = _field(body, "country", str, required=False)
    new_place = None
    if "new_place" in given:
        spec = body["new_place"]
        if not isinstance(spec, dict):
            abort(400, description="'new_place' must be an object with name, lat, lon, kind")
        aliases = spec.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            abort(400, description="'new_place.aliases' must be a list of names")
        try:
            new_place = new_place_feature(
                spec.get("name") or "",
                spec.get("lat"),
                spec.get("lon"),
                spec.get("kind") or "",
                aliases=aliases,
                country=(country or "").upper() or None,
                source_note=str(spec.get("source") or ""),
                editor=editor,
            )
        except InputError as exc:
            abort(400, description=str(exc))
    if "not_a_place" in given and body["not_a_place"] is not True:
        abort(400, description="'not_a_place' must be true")
    return {
        "article_id": _field(body, "article", str),
        "start": _field(body, "start", int),
        "end": _field(body, "end", int),
        "scope": scope,
        "editor": editor,
        "place_id": _field(body, "place", str) if "place" in given else None,
        "not_a_place": "not_a_place" in given,
        "new_place": new_place,
        "country": country,
        "note": note,
    }


@bp.post("/api/corrections")
def api_correct() -> tuple[Response, int]:
    """Store a correction and re-resolve the articles it touches; 201 with the rule."""
    editor = require_editor()
    args = correction_from_json(request.get_json(silent=True), editor)
    store = get_store()
    with current_app.extensions["geomap"]["lock"]:
        try:
            rule = submit_correction(
                store, place_lookup(*_layers(), store.corrections(active_only=True)), **args
            )
        except InputError as exc:
            abort(400, description=str(exc))
        changed = _reapply(rule)
    return jsonify({"correction": rule.to_dict(), "reapplied": changed}), 201


@bp.post("/api/corrections/<int:correction_id>/undo")
def api_undo(correction_id: int) -> Response:
    editor = require_editor()
    return jsonify(_undo(correction_id, editor))


def _undo(correction_id: int, editor: str) -> dict[str, Any]:
    store = get_store()
    rule = store.correction(correction_id)
    if rule is None:
        abort(404, description=f"there is no correction {correction_id}")
    if rule.undone:
        abort(409, description=f"correction {correction_id} is undone already")
    with current_app.extensions["geomap"]["lock"]:
        rule = store.undo_correction(correction_id, editor, now_utc())
        changed = _reapply(rule)
    return {"correction": rule.to_dict(), "reapplied": changed}


@bp.get("/api/corrections")
def api_list() -> Response:
    return jsonify([r.to_dict() for r in get_store().corrections()])


@bp.get("/api/candidates")
def api_candidates() -> Response:
    """What the gazetteers offer for a name (the places the resolver chose among)."""
    name = (request.args.get("q") or "").strip()
    if not name or len(name) > 200:
        abort(400, description="give a name: ?q=NAME (200 characters at most)")
    if request.args.get("online") == "1":
        # editors only: each search is a request to a rate-limited outside service
        require_editor()
        layer = _online()
        if layer is None:
            abort(400, description="no online geocoder is configured (GEOMAP_GEOCODER)")
        try:
            found = search_places([layer], name, limit=10)
        except GeocodingError as exc:
            abort(503, description=f"the online geocoder did not answer: {exc}")
    else:
        found = search_places(_layers(), name)
    return jsonify(
        {
            "query": name,
            "candidates": [c.to_dict() for c in found],
            "kinds": list(NEW_PLACE_KINDS),
        }
    )


# -- the pages -----------------------------------------------------------------------------


@bp.get("/corrections")
def audit() -> str:
    """Every correction and every undo, newest first."""
    events: list[tuple[str, str, Correction]] = []
    for rule in get_store().corrections():
        events.append((rule.created_at, "correction", rule))
        if rule.undone:
            events.append((rule.undone_at or "", "undo", rule))
    events.sort(key=lambda e: (e[0], e[1] == "undo", e[2].id or 0), reverse=True)
    return render_template("corrections.html", events=events)


@bp.post("/corrections/<int:correction_id>/undo")
def undo_page(correction_id: int) -> Response:
    editor = require_editor()
    _undo(correction_id, editor)
    return redirect(url_for("edit.audit"), code=303)
