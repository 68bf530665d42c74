"""After real conversations, no native id and no raw personal data is in any table or log:
every table of the database (the bot's and Rasa's tracker store) is scanned, and every log."""
from __future__ import annotations

import uuid

from support.database import database_dump

PERSONAL = ["06-12345678", "kim.devries@example.com", "111222333", "NL91ABNA0417164300",
            "1012 AB 12", "instagram.com/kim_ams_private"]
MESSAGES = ["bel me op 06-12345678 aub", "mijn mail is kim.devries@example.com",
            "mijn bsn is 111222333, klopt dat?", "rekening NL91ABNA0417164300",
            "ik woon op 1012 AB 12", "zie instagram.com/kim_ams_private"]


def test_no_native_id_or_personal_data_in_any_table_or_log(stack):
    sender = f"native-id-{uuid.uuid4().hex}"
    for message in MESSAGES:
        assert stack.chat(sender, message)
    dump = database_dump(stack.database_url)
    assert "[telefoonnummer]" in dump, "the redacted text is what Rasa stored"
    logs = "\n".join(path.read_text(errors="replace") for path in stack.logs.values())
    for secret in [sender, *PERSONAL]:
        assert secret not in dump, f"{secret!r} is stored"
        assert secret not in logs, f"{secret!r} is logged"

