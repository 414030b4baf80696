"""Sign-up answers the same for a new address and a taken one: a mail goes to the address either way (the link
that finishes the sign-up, or a note to the member that someone tried), the password is hashed either way, and
the account is made only from the link, with the password chosen at sign-up."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleet.models import Member, OutgoingMail, SignupRequest
from tests.helpers import PASSWORD

NEW_PASSWORD = "purple tractor lends wool"


def sign_up(client, email: str, name: str = "Newcomer", password: str = NEW_PASSWORD):
    return client.post("/signup", data={"name": name, "email": email, "password": password,
                                        "password_again": password})


def mail_to(session, address: str) -> list[OutgoingMail]:
    session.expire_all()
    return list(session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address)))


def confirm_link(body: str) -> str:
    return re.search(r"http://localhost(/signup/confirm/\S+)", body).group(1)


def test_signup_answers_the_same_for_a_new_and_a_taken_address(client, make, session, app):
    make.member(email="taken@example.org", name="Tina Taken")
    session.commit()
    new, taken = sign_up(client, "new@example.org"), sign_up(app.test_client(), "TAKEN@example.org")
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"] == "/signup/sent"
    assert "Set-Cookie" not in new.headers or "session=;" not in new.headers["Set-Cookie"]
    page = client.get("/signup/sent").get_data(as_text=True)
    assert "Check your email" in page and "taken" not in page.lower()

    [to_new] = mail_to(session, "new@example.org")
    [to_taken] = mail_to(session, "taken@example.org")
    assert to_new.status == to_taken.status == "pending"
    assert "/signup/confirm/" in to_new.body and "Newcomer" in to_new.body
    assert "tried to sign up" in to_taken.body and "Tina Taken" in to_taken.body
    assert "/signup/confirm/" not in to_taken.body and "/login" in to_taken.body
    # nothing is made for the new address until the mail is followed, nothing changes for the taken one
    assert session.scalar(select(func.count()).select_from(Member)) == 1
    assert session.scalar(select(func.count()).select_from(SignupRequest)) == 1
    assert client.get("/bookings").status_code == 302  # not logged in, in either case


def test_both_answers_hash_the_password(client, make, session, monkeypatch):
    """The taken address is not answered faster: the slow hash runs in both cases."""
    import fleet.members.signup as signup

    make.member(email="taken@example.org")
    session.commit()
    hashed = []
    real = signup.hash_password
    monkeypatch.setattr(signup, "hash_password", lambda password: hashed.append(password) or real(password))
    sign_up(client, "new@example.org")
    assert len(hashed) == 1
    sign_up(client, "taken@example.org")
    assert len(hashed) == 2


def test_following_the_link_with_the_chosen_password_makes_the_account(client, session, app):
    assert sign_up(client, "ada@example.org", name="Ada").status_code == 302
    [mail] = mail_to(session, "ada@example.org")
    link = confirm_link(mail.body)
    form = client.get(link)
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)
    wrong = client.post(link, data={"password": "someone else's guess"})
    assert wrong.status_code == 400 and "not the password you chose" in wrong.get_data(as_text=True)
    assert session.scalar(select(Member)) is None
    done = client.post(link, data={"password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account")
    member = session.scalar(select(Member).where(Member.email == "ada@example.org"))
    assert member is not None and member.name == "Ada" and member.password_hash.startswith("scrypt:")
    assert client.get("/bookings").status_code == 200
    # the link works once
    assert app.test_client().get(link).status_code == 404
    assert app.test_client().post(link, data={"password": NEW_PASSWORD}).status_code == 404


def test_an_old_or_made_up_link_is_refused(client, session):
    sign_up(client, "late@example.org")
    [mail] = mail_to(session, "late@example.org")
    link = confirm_link(mail.body)
    request = session.scalar(select(SignupRequest))
    request.created_at -= timedelta(hours=24)
    session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 404
    assert client.get("/signup/confirm/made-up-token").status_code == 404
    assert client.get("/signup/confirm/" + "x" * 300).status_code == 404
    assert session.scalar(select(Member)) is None


def test_an_address_taken_before_the_link_is_followed_is_not_taken_twice(client, make, session):
    sign_up(client, "twice@example.org")
    [mail] = mail_to(session, "twice@example.org")
    make.member(email="twice@example.org")
    session.commit()
    response = client.post(confirm_link(mail.body), data={"password": NEW_PASSWORD})
    assert response.status_code == 409 and "has an account already" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Member)) == 1


def test_sign_up_mail_is_delivered_after_commit_and_its_link_not_kept(client, make, session, app):
    from app.mail import deliver_outbox

    make.member(email="taken@example.org")
    session.commit()
    sign_up(client, "new@example.org")
    sign_up(client, "taken@example.org")
    sent = []
    app.extensions["mail_sender"] = lambda to, subject, body: sent.append((to, subject, body))
    try:
        deliver_outbox(app)
    finally:
        app.extensions.pop("mail_sender")
    assert {to for to, _, _ in sent} == {"new@example.org", "taken@example.org"}
    assert {to: subject for to, subject, _ in sent} == {
        "new@example.org": "Finish signing up for Commonpool",
        "taken@example.org": "Someone tried to sign up with your address"}
    assert all(m.status == "sent" and m.body == "" for m in mail_to(session, "new@example.org"))
    deliver_outbox(app)  # nothing twice
    assert len(sent) == 2


def test_without_a_mail_server_sign_up_mail_is_logged(client, session, app, caplog):
    from app.mail import deliver_outbox

    sign_up(client, "logged@example.org")
    with caplog.at_level(logging.INFO, logger="app.mail"):
        deliver_outbox(app)
    assert "mail to logged@example.org" in caplog.text and "/signup/confirm/" in caplog.text


def test_the_note_to_a_taken_address_is_in_its_members_language(client, make, session):
    make.member(email="greta@example.org", name="Greta", locale="de")
    session.commit()
    sign_up(client, "greta@example.org")
    [mail] = mail_to(session, "greta@example.org")
    assert mail.subject == "Jemand hat versucht, sich mit Ihrer Adresse zu registrieren"
    assert "Hallo Greta" in mail.body


def test_a_bad_sign_up_sends_nothing(client, make, session):
    make.member(email="taken@example.org")
    session.commit()
    for email in ("taken@example.org", "new@example.org"):
        response = sign_up(client, email, password="password12")
        assert response.status_code == 400 and "most common passwords" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


@pytest.mark.parametrize("email", ["new@example.org", "taken@example.org"])
def test_the_page_after_sign_up_is_the_same(client, make, session, email):
    make.member(email="taken@example.org")
    session.commit()
    response = sign_up(client, email)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have sent a message to the address you gave" in page and email not in page
    assert PASSWORD not in page
