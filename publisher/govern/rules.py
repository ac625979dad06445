"""The governance rules by name: what each checks and how serious it is, known before anything is loaded."""

DUE_SOON_DAYS = 90
MAX_REVIEW_YEARS = 3
# sentence_characters: for Chinese and Japanese, written without spaces; 40 is the 25 words
# at the usual 1.6 characters a word of modern written Chinese (see README "Translations").
DEFAULT_THRESHOLDS = {"reading_ease": 60, "reading_age": 11, "sentence_words": 25, "sentence_characters": 40}
# Days a translation may lag behind a new version of its source before it stops building.
DEFAULT_GRACE_DAYS = 30

# Easy Read (Department of Health 2010, Mencap, NHS England): short sentences, one idea a row.
EASY_READ_WORDS = 15
EASY_READ_SENTENCES = 3

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
    "translation-stale": ("error", "a translation is made from its source's current version (a warning for the "
                                   "brand's translation_grace_days after the source's new version)"),
    "plain-words": ("warning", "no word from the project's plain-words.yaml, which gives everyday words for it (an "
                               "error in an Easy Read leaflet)"),
    "easy-read-sentence": ("error", f"an Easy Read sentence has at most {EASY_READ_WORDS} words"),
    "easy-read-row": ("error", f"every Easy Read row has a picture and at most {EASY_READ_SENTENCES} sentences"),
    "easy-read-stale": ("error", "an Easy Read is written from its leaflet's current version (a warning for the "
                                 "brand's translation_grace_days after the leaflet's new version)"),
    "language-rules": ("info", "says which rules are not applied to a leaflet's language, and why"),
}
# An overdue leaflet is handled by --allow-expired, which also prints the notice; a waiver would hide it.
# A stale translation may say what its source no longer says: it is brought up to date, never waived.
WAIVABLE = sorted(set(RULES) - {"review-overdue", "translation-stale", "easy-read-stale", "language-rules"})
PROJECT_RULES = {"clear-print": ("error", "styles keep body text at 12 pt or more, never justify, never hyphenate")}
