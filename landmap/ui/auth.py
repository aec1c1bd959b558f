"""Staff sign-in in the sidebar, and the role check every edit, import and restore runs.

Two ways in: a name and password from the accounts file, or the organisation's identity
provider through Streamlit's own OIDC sign-in (``st.login``) when ``[auth]`` is configured in
``.streamlit/secrets.toml``. Either way the role comes from the accounts file (for OIDC, the
entry named by the e-mail address): the identity provider says who someone is, never what
they may do (security.md §2.5 A3). An unlisted e-mail is signed in but may not edit.

The session keeps only the account name; the role is re-read from the accounts file at every
rerun and again inside each write callback (security.md §2.5 A2/A3), so removing or demoting
an account takes effect at once, even for a session that is already signed in.
"""

from __future__ import annotations

import datetime as dt
import math

import streamlit as st

from landmap.access import Audience, SignInThrottle
from landmap.accounts import Account, Role, accounts_path, current, verify
from landmap.clock import SHANGHAI
from landmap.escaping import md_escape
from landmap.i18n import t

SIGNED_IN = "_signed_in_name"
_MESSAGE = "_sign_in_message"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml: no identity provider
        return False


def oidc_email() -> str | None:
    """The e-mail the identity provider vouches for, only when OIDC is configured."""
    if not oidc_configured():
        return None
    user = st.user.to_dict()
    if not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "").strip()
    return email or None


def signed_in_account() -> Account | None:
    """The signed-in account as the accounts file says now; None for viewers."""
    email = oidc_email()
    if email is not None:
        path = accounts_path()
        return current(path, email) or current(path, email.lower())
    name = st.session_state.get(SIGNED_IN)
    if not name:
        return None
    account = current(accounts_path(), name)
    if account is None:  # removed or disabled since sign-in
        st.session_state.pop(SIGNED_IN, None)
    return account


def editor_or_none() -> Account | None:
    """For write callbacks: the account if it may edit now (re-read), else None."""
    account = signed_in_account()
    return account if account is not None and account.can_edit else None


def render_sign_in(account: Account | None, audience: Audience, lang: str) -> None:
    """Sign-in (or who is signed in, with sign-out) at the top of the sidebar.

    At the top so it is visible without scrolling. ``account`` is this run's
    ``signed_in_account()``: sign-in and sign-out are callbacks, so it already reflects them.
    """
    sb = st.sidebar
    email = oidc_email()
    if email is not None:
        if account is None:
            sb.warning(t("auth.not_listed", lang, email=md_escape(email)))
        else:
            sb.caption(_signed_in_text(email, account, lang))
        if sb.button(t("auth.sign_out", lang), key="sign_out", icon=":material/logout:"):
            st.logout()
        return
    if account is not None:
        sb.caption(_signed_in_text(account.name, account, lang))
        sb.button(
            t("auth.sign_out", lang),
            key="sign_out",
            on_click=_sign_out,
            icon=":material/logout:",
            type="tertiary",
        )
        return
    if audience.is_staff:
        sb.caption(t("auth.open_intranet", lang))
    # Drawn only when an identity provider is configured (``and`` stops before the button).
    if oidc_configured() and sb.button(
        t("auth.oidc", lang), key="sign_in_oidc", icon=":material/badge:"
    ):
        st.login()
    popover = sb.popover(t("auth.title", lang), icon=":material/login:", width="stretch")
    with popover, st.form("sign_in", clear_on_submit=True, border=False):
        st.text_input(t("auth.name", lang), key="sign_in_name")
        st.text_input(t("auth.password", lang), type="password", key="sign_in_password")
        st.form_submit_button(t("auth.submit", lang), on_click=_sign_in, args=(lang,))
    message = st.session_state.get(_MESSAGE)
    if message:
        # Shown outside the popover, which closes on every rerun.
        sb.error(message)


def _signed_in_text(name: str, account: Account, lang: str) -> str:
    return md_escape(t("auth.signed_in_as", lang, name=name, role=t(f"role.{account.role}", lang)))


@st.cache_resource(show_spinner=False)
def sign_in_throttle() -> SignInThrottle:
    """One throttle for every browser session of this server process."""
    return SignInThrottle()


def _sign_in(lang: str) -> None:
    name = str(st.session_state.get("sign_in_name", "")).strip()
    password = str(st.session_state.get("sign_in_password", ""))
    address = st.context.ip_address  # None for a browser on the server itself
    throttle = sign_in_throttle()
    wait_s = throttle.seconds_locked(name, address)
    if wait_s > 0:
        # Refused before the password is checked, and in the same words for every name, so
        # the lockout neither lets guessing go on nor tells whether the account exists.
        st.session_state[_MESSAGE] = locked_message(wait_s, lang)
        return
    account = verify(accounts_path(), name, password) if name and password else None
    if account is None:
        throttle.failed(name, address)
        wait_s = throttle.seconds_locked(name, address)
        st.session_state[_MESSAGE] = (
            locked_message(wait_s, lang) if wait_s > 0 else t("auth.failed", lang)
        )
        return
    throttle.succeeded(name, address)
    st.session_state[SIGNED_IN] = account.name
    st.session_state.pop(_MESSAGE, None)


def locked_message(wait_s: float, lang: str, now: dt.datetime | None = None) -> str:
    """When to try again, as a Beijing clock time and in minutes."""
    now = now or dt.datetime.now(SHANGHAI)
    until = (now + dt.timedelta(seconds=math.ceil(wait_s))).astimezone(SHANGHAI)
    return t(
        "auth.locked",
        lang,
        time=until.strftime("%H:%M:%S"),
        minutes=max(1, math.ceil(wait_s / 60)),
    )


def _sign_out() -> None:
    st.session_state.pop(SIGNED_IN, None)
    st.session_state.pop(_MESSAGE, None)


def role_label(role: Role, lang: str) -> str:
    return t(f"role.{role}", lang)
