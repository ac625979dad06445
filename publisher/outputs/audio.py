"""The audio edition: the reading order spoken by espeak-ng, encoded by lame, a chapter a section (ID3 CHAP/CTOC).

Each chapter is synthesised on its own, so its start and end are known to the
sample; the chapters are joined with a short silence and encoded once, as mono
MP3 at a speech bitrate. Same text, same espeak-ng and lame: same bytes (both
are deterministic, and the tags carry no time of making).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import io
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from publisher.core import deadline
from publisher.core.editions import DEFAULT_EDITION
from publisher.core.errors import RenderError
from publisher.outputs.base import Job, Output, Unavailable
from publisher.render import reading, spoken_numbers

RATE = 22050  # espeak-ng's own sample rate: nothing is resampled before encoding
WORDS_PER_MINUTE = 160  # a little slower than espeak-ng's 175, for health information
CHAPTER_GAP = 0.8  # seconds of silence between chapters
BITRATE = 16  # kbps, mono, at 16 kHz: synthetic speech stays clear, about 120 KB a minute
ENCODED_RATE = 16  # kHz
TIMEOUT = 120  # seconds for one chapter's speech or the encoding
SPEECH_MISSING = "espeak-ng is not installed - install it (Debian/Ubuntu: apt-get install espeak-ng) to make audio"
ENCODER_MISSING = "lame is not installed - install it (Debian/Ubuntu: apt-get install lame) to make audio"
# On Windows espeak-ng writes --stdout in text mode, where each 0x0A byte of sound would gain a 0x0D: a file there.
SPEECH_TO_FILE = os.name == "nt"
# A language whose espeak-ng voice has another name than the language's own tag.
_VOICE_ALIASES = {"zh": "cmn", "zh-cn": "cmn", "zh-hk": "yue", "zh-tw": "cmn", "fr": "fr-fr", "en": "en-gb",
                  "pt-pt": "pt", "es-es": "es"}


@dataclasses.dataclass(frozen=True)
class Part:
    """One chapter as it is spoken: its title (the heading) and the text sent to the synthesiser."""

    title: str
    text: str


@functools.cache
def voices() -> frozenset:
    """The language names espeak-ng's voices answer to here (e.g. 'en-gb', 'cy')."""
    try:
        run = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, encoding="utf-8",
                             errors="replace", timeout=TIMEOUT, check=True)
    except (OSError, subprocess.SubprocessError):
        return frozenset()  # a broken espeak-ng has no voices: every leaflet gets the note, none a traceback
    found = set()
    for line in run.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            found.add(fields[1].lower())
    return frozenset(found)


@functools.cache
def versions() -> str:
    """espeak-ng's and lame's versions, e.g. 'eSpeak NG ... 1.51; LAME 64bits version 3.100', or 'none' for one missing."""
    found = []
    for command in (["espeak-ng", "--version"], ["lame", "--version"]):
        try:
            run = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace",
                                 timeout=TIMEOUT)
            found.append((run.stdout.splitlines() or ["none"])[0].split("  Data at:")[0].strip())
        except (OSError, subprocess.SubprocessError):
            found.append("none")
    return "; ".join(found)


def voice_for(language: str) -> str | None:
    """The espeak-ng voice for a BCP 47 language tag, or None if this espeak-ng has none."""
    if shutil.which("espeak-ng") is None:
        return None
    tag = language.lower()
    have = voices()
    for candidate in (tag, _VOICE_ALIASES.get(tag), tag.split("-")[0], _VOICE_ALIASES.get(tag.split("-")[0])):
        if candidate and candidate in have:
            return candidate
    return None


def approved(brand: dict | None, language: str) -> bool:
    """Whether the brand approved synthetic speech in this language (brand.yaml's audio: languages; none listed:
    every language with a voice). A tag matches itself and its more specific forms: 'zh' approves 'zh-Hans'."""
    listed = ((brand or {}).get("audio") or {}).get("languages")
    if listed is None:
        return True
    tag = language.lower()
    return any(tag == a.lower() or tag.startswith(a.lower() + "-") for a in listed)


def missing(name: str, language: str, brand: dict | None = None) -> str | None:
    """Why this leaflet cannot have audio here (not approved, espeak-ng, its voice or lame missing), or None."""
    if not approved(brand, language):
        return (f"{name}: no audio: speech in '{language}' is not approved in brand.yaml's audio: languages, so the "
                "audio edition is left out - add the language there once a speaker has listened to a sample and "
                "approved it (docs/audio-approval.md)")
    if shutil.which("espeak-ng") is None:
        return f"{name}: no audio: {SPEECH_MISSING}"
    if shutil.which("lame") is None:
        return f"{name}: no audio: {ENCODER_MISSING}"
    if voice_for(language) is None:
        return (f"{name}: no audio: espeak-ng has no voice for language '{language}' here, so the audio edition "
                "is left out - ask for a recording, or install a voice for it")
    return None


def _say(block: reading.Block) -> str:
    """A block as a sentence to speak: links as their words, a table row as 'first cell. Header: value.'"""
    if block.kind == "row":
        pieces = [block.text] + [f"{header}: {value}" if header else value for header, value in block.cells]
        return " ".join(reading.sentence(piece) for piece in pieces if piece)
    text = f"{block.marker} {block.text}" if block.marker and block.kind == "item" else block.text
    return reading.sentence(text)


def parts(job: Job) -> list[Part]:
    """The leaflet as spoken chapters: the text exactly as espeak-ng is given it."""
    brand = job.catalogue.brand
    assert brand is not None
    out = []
    for number, chapter in enumerate(reading.chapters(job.catalogue, job.leaflet)):
        lines = [_say(block) for block in chapter.blocks]
        if number == 0:  # who the leaflet is from, after its title
            words = reading.labels(job.catalogue, job.leaflet)
            lines.insert(1, reading.sentence(f"{words['from']} {reading.clean(brand['name'])}"))
        text = "\n".join(line for line in lines if line)
        out.append(Part(chapter.title, spoken_numbers.spell(job.leaflet.data["language"], text)))
    return out


def _speak(voice: str, text: str, name: str) -> bytes:
    """16-bit mono PCM at RATE of `text` spoken by espeak-ng."""
    wav = _temporary_wav() if SPEECH_TO_FILE else None
    try:
        run = subprocess.run(["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), *(["-w", wav] if wav else ["--stdout"])],
                             input=text.encode("utf-8"), capture_output=True, timeout=deadline.left(TIMEOUT))
        wave = Path(wav).read_bytes() if wav else run.stdout
    except FileNotFoundError:
        raise Unavailable(f"{name}: no audio: {SPEECH_MISSING}") from None
    except subprocess.TimeoutExpired:
        deadline.check()  # the leaflet's --timeout, when that ran out first
        raise RenderError(name, f"espeak-ng took more than {TIMEOUT} s for one chapter - the previous audio is kept") from None
    finally:
        if wav:
            os.unlink(wav)
    if run.returncode != 0 or wave[:4] != b"RIFF":
        raise RenderError(name, f"espeak-ng failed: {run.stderr.decode('utf-8', 'replace').strip()[:200]}")
    # The header espeak-ng writes to a pipe gives no real lengths: the samples are everything after "data".
    channels, rate, bits = struct.unpack("<HI", wave[22:28]) + struct.unpack("<H", wave[34:36])
    if (channels, rate, bits) != (1, RATE, 16):
        raise RenderError(name, f"espeak-ng wrote {channels} channels at {rate} Hz, {bits} bits; expected mono {RATE} Hz")
    start = wave.find(b"data") + 8
    samples = wave[start:]
    return samples[:len(samples) // 2 * 2]


def _temporary_wav() -> str:
    """An empty temporary file for espeak-ng to write its sound to."""
    fd, path = tempfile.mkstemp(prefix="speech-", suffix=".wav")
    os.close(fd)
    return path


@dataclasses.dataclass(frozen=True)
class Spoken:
    """The leaflet's speech before encoding: all samples, and each chapter's title and span in samples."""

    pcm: bytes
    chapters: tuple  # of (title, first sample, end sample)

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / RATE


def speak(job: Job, threads: int = 1) -> Spoken:
    """Synthesise every chapter (on `threads` espeak-ng processes at once) and join them with a silence."""
    language = job.leaflet.data["language"]
    note = missing(job.leaflet.name, language, job.catalogue.brand)
    voice = voice_for(language) if note is None else None
    if voice is None:
        raise Unavailable(note or f"{job.leaflet.name}: no audio")
    found = parts(job)
    with concurrent.futures.ThreadPoolExecutor(max(1, threads)) as pool:
        pcms = list(pool.map(lambda part: _speak(voice, part.text, job.leaflet.name), found))
    gap = b"\0\0" * int(CHAPTER_GAP * RATE)
    pcm = bytearray()
    chapters = []
    for part, samples in zip(found, pcms, strict=True):
        if pcm:
            pcm += gap
        first = len(pcm) // 2
        pcm += samples
        chapters.append((part.title, first, len(pcm) // 2))
    return Spoken(bytes(pcm), tuple(chapters))


def encode(pcm: bytes, name: str = "audio") -> bytes:
    """Mono 16-bit PCM at RATE as a constant-bitrate MP3 (lame), with no tags of its own."""
    command = ["lame", "--quiet", "-r", "-s", str(RATE / 1000), "--bitwidth", "16", "--signed", "--little-endian",
               "-m", "m", "-b", str(BITRATE), "--resample", str(ENCODED_RATE),
               # -q 7: a third of the default's time (0.26 s against 0.85 s for a 5-minute leaflet); decoded, it
               # is as close to a -q 2 encoding as -q 5 is (about 15 dB SNR both), so nothing is lost that matters.
               "-q", "7", "--noreplaygain", "-", "-"]
    try:
        run = subprocess.run(command, input=pcm, capture_output=True, timeout=deadline.left(TIMEOUT))
    except FileNotFoundError:
        raise Unavailable(f"{name}: no audio: {ENCODER_MISSING}") from None
    except subprocess.TimeoutExpired:
        deadline.check()
        raise RenderError(name, f"lame took more than {TIMEOUT} s - the previous audio is kept") from None
    if run.returncode != 0 or not run.stdout:
        raise RenderError(name, f"lame failed: {run.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return run.stdout


def tag(mp3: bytes, job: Job, spoken: Spoken) -> bytes:
    """The MP3 with ID3v2.3 tags: title, organisation, reference, and a chapter (CHAP) for each part, listed in a CTOC."""
    from mutagen.id3 import CHAP, CTOC, ID3, TALB, TDRC, TIT2, TPE1, TRCK, CTOCFlags

    data = job.leaflet.data
    brand = job.catalogue.brand
    assert brand is not None
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[reading.clean(data["title"])]))
    tags.add(TPE1(encoding=3, text=[reading.clean(brand["name"])]))
    tags.add(TALB(encoding=3, text=[f"{data['reference']} v{data['version']}"]))
    tags.add(TDRC(encoding=3, text=[str(data["dates"]["published"])]))
    tags.add(TRCK(encoding=3, text=["1"]))
    ids = [f"chp{number}" for number in range(len(spoken.chapters))]
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                  sub_frames=[TIT2(encoding=3, text=[reading.clean(data["title"])])]))
    for element_id, (title, first, end) in zip(ids, spoken.chapters, strict=True):
        tags.add(CHAP(element_id=element_id, start_time=first * 1000 // RATE, end_time=end * 1000 // RATE,
                      start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                      sub_frames=[TIT2(encoding=3, text=[title])]))
    out = io.BytesIO(mp3)
    # Version 2.3, which more players read than 2.4; no padding, so the bytes depend on the content alone.
    tags.save(out, v2_version=3, padding=lambda info: 0)
    return out.getvalue()


def threads() -> int:
    """espeak-ng processes to run at once for one leaflet's chapters (LEAFLETS_AUDIO_THREADS, default 1)."""
    try:
        return max(1, int(os.environ.get("LEAFLETS_AUDIO_THREADS", "1")))
    except ValueError:
        return 1


def transcript(job: Job) -> bytes:
    """What the audio edition says, as text: each chapter's sentences, a blank line between chapters (UTF-8)."""
    note = missing(job.leaflet.name, job.leaflet.data["language"], job.catalogue.brand)
    if note:  # made beside the MP3 only: no transcript stands for audio this leaflet does not have
        raise Unavailable(note)
    return "\n\n".join(part.text for part in parts(job)).encode("utf-8") + b"\n"


def mp3(job: Job) -> bytes:
    """The audio edition of a leaflet as a chaptered MP3."""
    spoken = speak(job, threads())
    return tag(encode(spoken.pcm, job.leaflet.name), job, spoken)


MP3_OUTPUT = Output("mp3", ".mp3", "audio/mpeg", "audio read by espeak-ng, a chapter a section", editions=(DEFAULT_EDITION,),
                    render=mp3, offered="audio", missing=missing, engine=versions, label="Audio (MP3)")
# Beside the MP3: the words it speaks, a text alternative to the audio and how tests check nothing was left unsaid.
# Made where the MP3 is (same approval and voice), so no transcript stands for audio a leaflet does not have.
TRANSCRIPT_OUTPUT = Output("transcript", ".transcript.txt", "text/plain", "the audio's words as text, a paragraph a chapter",
                           editions=(DEFAULT_EDITION,), render=transcript, missing=missing, label="Audio transcript (text)")
