"""The Dutch words the staff pages and the staff JSON API use for codes (roles, statuses, urgent
reasons, ...): written once, so a page and a program read the same thing. Holds no logic.
"""
from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "roles": {"worker": "hulpverlener", "coordinator": "coördinator", "editor": "redacteur",
              "admin": "beheerder"},
    "statuses": {"waiting": "wacht", "claimed": "opgepakt", "closed": "afgesloten"},
    "contacts": {"chat": "verder in de chat", "phone": "telefoon", "meeting": "afspraak"},
    "availability": {"morning": "ochtend", "afternoon": "middag", "evening": "avond",
                     "anytime": "maakt niet uit", "-": "niet gezegd"},
    "senders": {"user": "Gebruiker", "worker": "Hulpverlener", "notice": "Melding",
                "assistant": "Assistent (automatisch)", "system": "Melding (alleen voor jou)"},
    "domains": {"money": "geld", "safety": "veiligheid", "housing": "wonen", "health": "gezondheid",
                "people": "mensen om je heen", "work": "werk en leren"},
    "ratings": {"fine": "gaat goed", "better": "kan beter", "worried": "maakt zich zorgen"},
    # bot.handover.handovers.CALL_SAFETY and URGENT_REASONS, as the worker reads them.
    "call_safety": {"voicemail_ok": "bellen mag, inspreken ook",
                    "no_voicemail": "bellen mag; niet inspreken en geen sms sturen",
                    "text_only": "alleen een sms sturen, niet bellen",
                    "-": "niet gezegd: spreek niets in en stuur geen sms"},
    "urgent_reasons": {
        "crisis_phrase": "crisiswoorden in het gesprek",
        "crisis": "de assistent herkende een crisis en gaf de hulplijnen",
        "no_place_to_sleep": "vroeg naar een slaapplek voor vannacht",
        "urgent_question": "vroeg naar iets wat niet kan wachten (onderwerp niet gedeeld)",
        "housing_unsafe": "niet veilig waar de gebruiker woont",
        "housing_no_fixed_address": "geen vaste woon- of slaapplek",
        "housing_leave_within_days": "moet binnen dagen weg",
        "housing_lives_at_workplace": "woont op de werkplek",
        "housing_not_registered": "niet ingeschreven op een adres",
        "housing_check": "de woon-check vond iets wat niet kan wachten (antwoorden niet gedeeld)",
        "debt_eviction": "dreigende uitzetting door schulden",
        "debt_cutoff": "dreigende afsluiting van energie of water",
        "debt_eviction_or_cutoff": "dreigende uitzetting of afsluiting",
        "debt_attachment": "beslag op loon, uitkering of rekening",
        "debt_bailiff": "post van een deurwaarder",
        "debt_check": "de schuldencheck vond iets wat niet kan wachten (antwoorden niet gedeeld)",
        "income_under_18": "jonger dan 18",
        "income_check": "de inkomenscheck vond iets wat niet kan wachten (antwoorden niet gedeeld)",
        "check": "een check vond iets wat niet kan wachten"},
    "outcomes": {"intake_planned": "intake gepland", "referred_elsewhere": "doorverwezen",
                 "no_contact": "geen contact gekregen", "user_withdrew": "gebruiker trok zich terug",
                 "helped_in_chat": "geholpen in de chat"},
    # Outcomes the service sets (the user left or never came back): shown, never chosen.
    "service_outcomes": {"user_left": "gebruiker ging weg, gesprek gewist",
                         "user_gone": "gebruiker kwam niet terug, gesprek gewist"},
}
