"""The governance rules by name: what each checks and how serious it is, known before anything is loaded."""

DUE_SOON_DAYS = 90
MAX_REVIEW_YEARS = 3
DEFAULT_THRESHOLDS = {"reading_ease": 60, "reading_age": 11, "sentence_words": 25}

# name -> (level, what it checks). A leaflet can waive any of these but review-overdue, with a reason.
RULES = {
    "review-dates": ("error", "published, last reviewed and next review dates are in order"),
    "review-interval": ("error", f"the next review is at most {MAX_REVIEW_YEARS} years after the last"),
    "review-overdue": ("error", "the next review date has not passed"),
    "review-due-soon": ("warning", f"the next review is more than {DUE_SOON_DAYS} days away"),
    "sources": ("error", "at least one source is listed, or sources_note says why none is"),
    "reading-ease": ("warning", "Flesch reading ease at or above the brand's threshold, per leaflet and per section"),
    "reading-age": ("warning", "approximate reading age at or below the brand's threshold, per leaflet and per section"),
    "long-sentence": ("warning", "no sentence longer than the brand's limit (25 words by default)"),
    "all-caps": ("warning", "no runs of words in capitals"),
    "sentence-case": ("warning", "the title and headings are in sentence case"),
}
# An overdue leaflet is handled by --allow-expired, which also prints the notice; a waiver would hide it.
WAIVABLE = sorted(set(RULES) - {"review-overdue"})
PROJECT_RULES = {"clear-print": ("error", "styles keep body text at 12 pt or more, never justify, never hyphenate")}
