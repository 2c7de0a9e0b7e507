"""The "EHR" pages: a patient list, and an EHR launch of a SMART app inside an iframe.

==============================  ===================================================================
``GET /``                       the patient list, who is signed in, the registered apps
``POST /launch``                create a launch context (app, user, patient) and go to it (303)
``GET /launches/<launch>``      the EHR's patient banner and the app in an iframe, opened at
                                ``{launch_url}?iss={fhir_base}&launch={launch}``
``GET /smart-style.json``       the EHR's SMART style (``smart_style_url`` of launches)
==============================  ===================================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request

if TYPE_CHECKING:
    from sandbox.smart_auth import ClientRegistration, SmartAuthServer

#: SMART style (app-launch.md "Styling"): what the page's own CSS uses, for apps to match.
SMART_STYLE: dict[str, str] = {
    "color_background": "#f4f6f8",
    "color_error": "#8a1c1c",
    "color_highlight": "#1d5fa8",
    "color_modal_backdrop": "#1c2430",
    "color_success": "#1f6f3a",
    "color_text": "#1c2430",
    "dim_border_radius": "6px",
    "dim_font_size": "16px",
    "dim_spacing_size": "16px",
    "font_family_body": "system-ui, sans-serif",
    "font_family_heading": "system-ui, sans-serif",
}


def _with_query(url: str, params: dict[str, str]) -> str:
    separator = "&" if urlsplit(url).query else "?"
    return url + separator + urlencode(params)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _headers(frame_origins: list[str]) -> dict[str, str]:
    # The EHR frames the apps (frame-src) but is itself never framed. The app's authorization
    # request runs inside the frame too and comes to this server's /auth/authorize, so the
    # EHR's own origin ('self') is a frame source as well, or the browser blocks the launch.
    frame_src = " ".join(["'self'", *sorted(set(frame_origins))]) if frame_origins else "'none'"
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; frame-src {frame_src}; style-src 'self'; img-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def register_pages(app: Flask, smart: SmartAuthServer) -> None:
    """Add the EHR pages to ``app``."""
    bp = Blueprint(
        "ehr",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/ehr-static",
    )

    def page(template: str, status: int = 200, frames: list[str] | None = None, **ctx: Any):
        response = Response(render_template(template, **ctx), status=status)
        response.headers.update(_headers(frames or []))
        return response

    def current_user_id() -> str:
        wanted = request.values.get("user", "")
        return wanted if wanted in smart.users else next(iter(smart.users), "")

    @bp.get("/")
    def home() -> Response:
        """The patient list with a launch button per registered app."""
        user_id = current_user_id()
        apps = smart.apps()
        return page(
            "ehr/home.html",
            patients=smart.directory.patients(),
            users=list(smart.users.values()),
            user=smart.users.get(user_id),
            app_banner=request.args.get("banner") == "app",
            apps=apps,
            standalone=[
                (a, _with_query(a.launch_url or "", {"iss": smart.fhir_base()})) for a in apps
            ],
            fhir_base=smart.fhir_base(),
        )

    @bp.post("/launch")
    def launch() -> Response:
        """Create the launch context of an EHR launch, then show it."""
        try:
            launch_id = smart.launch(
                request.form.get("app", ""),
                current_user_id(),
                request.form.get("patient", ""),
                need_patient_banner=request.form.get("banner") == "app",
                smart_style_url=smart.root() + "/smart-style.json",
            )
        except ValueError as exc:
            return page("ehr/message.html", 400, title="Cannot launch", message=str(exc))
        return redirect(f"/launches/{launch_id}", code=303)

    @bp.get("/launches/<launch_id>")
    def launched(launch_id: str) -> Response:
        """The EHR frame: banner and the app in an iframe."""
        found = smart.state.launch(launch_id)
        client: ClientRegistration | None = smart.client(found.client_id) if found else None
        patient = smart.directory.patient(found.context.patient or "") if found else None
        if found is None or client is None or client.launch_url is None or patient is None:
            message = "This launch is unknown or has expired: launch the app again."
            return page("ehr/message.html", 404, title="No such launch", message=message)
        src = _with_query(client.launch_url, {"iss": smart.fhir_base(), "launch": launch_id})
        return page(
            "ehr/launch.html",
            frames=[_origin(client.launch_url)],
            app=client,
            patient=patient,
            user=smart.users.get(found.user_id),
            show_banner=not found.context.need_patient_banner,
            src=src,
        )

    @bp.get("/smart-style.json")
    def smart_style() -> Response:
        """The EHR's style for embedded apps."""
        response = jsonify(SMART_STYLE)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    app.register_blueprint(bp)
