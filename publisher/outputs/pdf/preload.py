"""What the fork server imports before it forks replacement render workers: WeasyPrint, with our workarounds."""

from publisher.outputs.pdf import weasyfixes

weasyfixes.install()
