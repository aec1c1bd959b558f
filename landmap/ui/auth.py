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

import time

import streamlit as st

from landmap.accounts import Account, Role, accounts_path, current, verify
from landmap.i18n import t

SIGNED_IN = "_signed_in_name"
_FAILURES = "_sign_in_failures"
_LOCKED_UNTIL = "_sign_in_locked_until"
_MESSAGE = "_sign_in_message"
MAX_FAILURES = 5
LOCKOUT_S = 60.0


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


def render_sign_in(account: Account | None, lang: str) -> None:
    """The sign-in box (or who is signed in, with a sign-out button) at the sidebar's end.

    ``account`` is this run's ``signed_in_account()``: sign-in and sign-out are callbacks, so
    it already reflects them.
    """
    sb = st.sidebar
    sb.divider()
    email = oidc_email()
    if email is not None:
        if account is None:
            sb.warning(t("auth.not_listed", lang, email=email))
        else:
            sb.caption(
                t("auth.signed_in_as", lang, name=email, role=t(f"role.{account.role}", lang))
            )
        if sb.button(t("auth.sign_out", lang), key="sign_out"):
            st.logout()
        return
    if account is not None:
        sb.caption(
            t("auth.signed_in_as", lang, name=account.name, role=t(f"role.{account.role}", lang))
        )
        sb.button(t("auth.sign_out", lang), key="sign_out", on_click=_sign_out)
        return
    # Drawn only when an identity provider is configured (``and`` stops before the button).
    if oidc_configured() and sb.button(
        t("auth.oidc", lang), key="sign_in_oidc", icon=":material/badge:"
    ):
        st.login()
    with sb.expander(t("auth.title", lang), icon=":material/login:"):
        with st.form("sign_in", clear_on_submit=True, border=False):
            st.text_input(t("auth.name", lang), key="sign_in_name")
            st.text_input(t("auth.password", lang), type="password", key="sign_in_password")
            st.form_submit_button(t("auth.submit", lang), on_click=_sign_in, args=(lang,))
        message = st.session_state.get(_MESSAGE)
        if message:
            st.error(message)


def _sign_in(lang: str) -> None:
    name = str(st.session_state.get("sign_in_name", "")).strip()
    password = str(st.session_state.get("sign_in_password", ""))
    locked_until = float(st.session_state.get(_LOCKED_UNTIL, 0.0))
    if time.monotonic() < locked_until:
        st.session_state[_MESSAGE] = t("auth.locked", lang, seconds=int(LOCKOUT_S))
        return
    account = verify(accounts_path(), name, password) if name and password else None
    if account is None:
        failures = int(st.session_state.get(_FAILURES, 0)) + 1
        st.session_state[_FAILURES] = failures
        if failures >= MAX_FAILURES:
            # Per browser session: slows guessing without letting anyone lock others out.
            st.session_state[_LOCKED_UNTIL] = time.monotonic() + LOCKOUT_S
            st.session_state[_FAILURES] = 0
        st.session_state[_MESSAGE] = t("auth.failed", lang)
        return
    st.session_state[SIGNED_IN] = account.name
    st.session_state[_FAILURES] = 0
    st.session_state.pop(_MESSAGE, None)


def _sign_out() -> None:
    st.session_state.pop(SIGNED_IN, None)


def role_label(role: Role, lang: str) -> str:
    return t(f"role.{role}", lang)
