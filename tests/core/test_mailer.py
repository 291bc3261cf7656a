from email import message_from_bytes
from email.header import decode_header, make_header

from marketplace.core.mailer import send_mail, sent_files


def test_without_smtp_server_messages_are_written_as_files(app, tmp_path):
    app.config.update(MAIL_SERVER="", MAIL_FILE_DIR=str(tmp_path))
    with app.app_context():
        path = send_mail("buyer@example.com", "新的匹配：钕铁硼磁体", "正文 body")
    assert sent_files(tmp_path) == [path]
    msg = message_from_bytes(path.read_bytes())
    assert msg["To"] == "buyer@example.com"
    assert str(make_header(decode_header(msg["Subject"]))) == "新的匹配：钕铁硼磁体"
    assert "正文 body" in msg.get_payload(decode=True).decode(msg.get_content_charset())


def test_with_smtp_server_flask_mail_sends(app, tmp_path):
    from marketplace.extensions import mail

    app.config.update(MAIL_SERVER="smtp.invalid", MAIL_FILE_DIR=str(tmp_path))
    try:
        # TESTING sets MAIL_SUPPRESS_SEND: Flask-Mail records instead of connecting.
        with app.app_context(), mail.record_messages() as outbox:
            assert send_mail(["a@example.com", "b@example.com"], "Hi", "x") is None
        assert [m.recipients for m in outbox] == [["a@example.com", "b@example.com"]]
        assert sent_files(tmp_path) == []
    finally:
        app.config["MAIL_SERVER"] = ""
