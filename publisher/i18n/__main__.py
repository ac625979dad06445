"""`python -m publisher.i18n .`: extract the labels and update every catalogue in the project's locales/."""

import sys

from publisher.i18n.extraction import main

sys.exit(main())
