"""The audio edition: chapters as the sections, speech that is there and plausible, the text spoken complete and clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import pytest
import yaml
from conftest import MINIMAL, REPO
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from test_braille import UEB, body, brf_pages
from test_reference_leaflet import article_sentences

from publisher.outputs import audio, louis, base as outputs
from publisher.render import reading, spoken_numbers
from publisher.source import content

# An Easy Read leaflet has no audio of its own (publisher/easyread.py FORMATS).
# The shipped brand approves speech in English, Welsh and Arabic only (brand.yaml's audio): no Chinese MP3.
STEMS = sorted(p.stem for p in (REPO / "handouts").glob("*.yaml")
               if not p.stem.endswith((".easy-read", ".zh-Hans")))
CALLOUT_LABELS = {"urgent": "Get help now", "action": "What you can do", "note": "Good to know"}


@pytest.fixture(scope="module")
def mp3s(shipped) -> dict:
    """Every shipped leaflet's MP3, from the shipped build (the brand's formats include mp3): {stem: path}."""
    out = Path(shipped["adhd-neurotransmitter-imaging"].output).parent
    return {stem: out / f"{stem}.mp3" for stem in STEMS}


@pytest.fixture(scope="module")
def catalogue():
    return content.load_catalogue(content.Project(REPO))


def job(catalogue, stem: str) -> outputs.Job:
    return outputs.Job(catalogue, next(x for x in catalogue.leaflets if x.stem == stem), "standard", "a4")


def chapters(path: Path) -> list[tuple[str, int, int]]:
    """(title, start ms, end ms) of each chapter, in the order the table of contents gives them."""
    tags = ID3(path)
    (toc,) = tags.getall("CTOC")
    found = []
    for element in toc.child_element_ids:
        chap = tags[f"CHAP:{element}"]
        found.append((chap.sub_frames["TIT2"].text[0], chap.start_time, chap.end_time))
    return found


def expected_titles(stem: str) -> list[str]:
    """From the YAML itself: the title, each headed section (or its leading callout), then the end matter."""
    data = yaml.safe_load((REPO / "handouts" / f"{stem}.yaml").read_text(encoding="utf-8"))
    titles = [data["title"]]
    for section in data["sections"]:
        if section.get("heading"):
            titles.append(section["heading"])
        elif not section.get("body") and section.get("callouts"):
            callout = section["callouts"][0]
            titles.append(callout.get("heading", CALLOUT_LABELS[callout["kind"]]))
    words = reading.labels(catalogue_of(stem), catalogue_of(stem).leaflets[0])  # in the leaflet's language
    titles = [reading.clean(t) for t in titles]
    return titles + ([words["further_reading"]] if data.get("further_reading") else []) + [words["sources"], words["about"]]


def catalogue_of(stem: str) -> content.Catalogue:
    return content.load_catalogue(content.Project(REPO), [REPO / "handouts" / f"{stem}.yaml"])


@pytest.mark.parametrize("stem", STEMS)
def test_chapters_are_the_sections_with_their_headings(mp3s, stem):
    found = chapters(mp3s[stem])
    assert [title for title, _, _ in found] == expected_titles(stem)
    assert found[0][1] == 0
    for (_, _, end), (_, start, _) in zip(found, found[1:], strict=False):
        assert 0 < start - end <= 1000  # a short silence between chapters, nothing lost or overlapping
    assert abs(found[-1][2] - MP3(mp3s[stem]).info.length * 1000) < 500


def test_the_mp3_is_tagged_for_players(mp3s):
    tags = ID3(mp3s["using-your-asthma-inhalers"])
    assert tags.version[:2] == (2, 3)
    assert (tags["TIT2"].text[0], tags["TPE1"].text[0], tags["TALB"].text[0]) == (
        "Using your asthma inhalers", "My Patient Advice", "MPA-0004 v1.0")
    info = MP3(mp3s["using-your-asthma-inhalers"]).info
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 16000, 16000)


@pytest.mark.parametrize("stem", STEMS)
def test_duration_is_plausible_for_the_words_and_the_file_small(catalogue, mp3s, stem):
    # espeak-ng is asked for 160 words a minute; long clinical words are slower to say than its
    # average word, and sentence ends pause, so a whole leaflet runs at about 110 to 150.
    text = " ".join(part.text for part in audio.parts(job(catalogue, stem)))
    minutes = MP3(mp3s[stem]).info.length / 60
    if stem.endswith(".zh-Hans"):
        # Written without spaces: each Chinese character is a syllable, said about as long as a short word;
        # the Latin-script words (names, credentials, addresses) count as words.
        syllables = len(re.findall(r"[\u4e00-\u9fff]", text)) + len(re.findall(r"[A-Za-z0-9]+", text))
        assert 100 <= syllables / minutes <= 300, f"{syllables} syllables and words in {minutes:.1f} min"
    else:
        words = len(text.split())
        assert 100 <= words / minutes <= 180, f"{words} words in {minutes:.1f} min"
    assert mp3s[stem].stat().st_size < 1536 * 1024  # a few hundred KB: 16 kbps mono (a translation reads its credits)


def rms(samples: list[int]) -> float:
    return (sum(s * s for s in samples) / max(len(samples), 1)) ** 0.5


def test_every_chapter_is_speech_and_the_gaps_are_silent(mp3s, tmp_path):
    path = mp3s["using-your-asthma-inhalers"]
    decoded = tmp_path / "decoded.wav"
    subprocess.run(["lame", "--decode", "--quiet", str(path), str(decoded)], check=True)
    with wave.open(str(decoded)) as wav:
        rate = wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    found = chapters(path)
    for title, start, end in found:
        level = rms(samples[start * rate // 1000:end * rate // 1000])
        assert level > 1000, f"chapter {title!r} is almost silent (RMS {level:.0f})"
    for (_, _, end), (_, start, _) in zip(found, found[1:], strict=False):
        middle = (end + start) // 2  # the middle of the gap, clear of the encoder's delay
        assert rms(samples[(middle - 200) * rate // 1000:(middle + 200) * rate // 1000]) < 50


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2011", "-")).strip()


def test_the_text_spoken_has_every_sentence_of_the_reference_leaflet_in_order(catalogue):
    spoken = fold(" ".join(part.text for part in audio.parts(job(catalogue, "adhd-neurotransmitter-imaging"))))
    position = 0
    for sentence in article_sentences():
        if sentence == "Dr. Rebecca Fernandez, MBBS, author and a reviewer for my patient advice - mypatientadvice.co.uk":
            continue  # checked below: as in print, it closes the leaflet
        found = spoken.find(fold(sentence), position)
        assert found >= 0, f"not spoken, or not after what comes before it: {sentence!r}"
        position = found
    assert spoken.endswith("Dr. Rebecca Fernandez, MBBS, author and a reviewer for my patient advice - "
                           "mypatientadvice.co.uk.")


@pytest.mark.parametrize("stem", STEMS)
def test_the_text_spoken_has_no_markup(catalogue, stem):
    spoken = "\n".join(part.text for part in audio.parts(job(catalogue, stem)))
    for mark in ("**", "<", ">", "](", "|", "###", "`", "http"):
        assert mark not in spoken, mark


def test_tables_rows_callouts_and_lists_are_read_as_sentences(catalogue):
    parts = {part.title: part.text for part in audio.parts(job(catalogue, "using-your-asthma-inhalers"))}
    assert ("Preventer. Colour: Brown, orange or purple. When to use it: Every morning and every evening, even when "
            "you feel well. Puffs: 2 each time.") in parts["Your usual doses"]
    assert parts["What to do in an asthma attack"].startswith(
        "Urgent: What to do in an asthma attack.\n1. Sit up straight and try to keep calm.\n")
    assert "Action: Check your technique.\n" in parts["Signs your asthma is getting worse"]
    # A link is read as its words; its address is left to the printed and braille editions.
    assert "You can also watch short videos at asthmaandlung.org.uk." in parts["Signs your asthma is getting worse"]
    assert parts["Using your asthma inhalers"].startswith("Using your asthma inhalers.\nFrom My Patient Advice.\n")


def test_the_same_leaflet_gives_the_same_bytes(catalogue, mp3s):
    """espeak-ng and lame are deterministic for the same text and settings; the tags carry no time of making."""
    assert outputs.REGISTRY["mp3"].render(job(catalogue, "managing-type-2-diabetes-day-to-day")) == \
        mp3s["managing-type-2-diabetes-day-to-day"].read_bytes()


def test_speech_through_a_file_as_on_windows_gives_the_same_bytes(catalogue, mp3s, monkeypatch, tmp_path):
    """Windows's espeak-ng writes --stdout in text mode, so there it writes a WAV file: same samples, same MP3."""
    monkeypatch.setattr(audio, "SPEECH_TO_FILE", True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stem = "managing-type-2-diabetes-day-to-day"
    assert outputs.REGISTRY["mp3"].render(job(catalogue, stem)) == mp3s[stem].read_bytes()
    assert list(tmp_path.iterdir()) == []  # each chapter's file is removed once read


def test_the_arabic_mp3_is_the_same_bytes_whatever_the_threads_and_the_environment(catalogue, mp3s, monkeypatch):
    """espeak-ng 1.51 reads Arabic digits with memory it never wrote, so the sound of "999" hung on ASLR and the
    environment: numbers go to it as vowelled words (publisher/spoken_numbers.py), and the bytes never move."""
    stem = "after-your-wisdom-teeth-are-removed.ar"
    expected = mp3s[stem].read_bytes()
    for threads, padding in (("2", "x" * 3000), ("1", "y" * 17), ("3", "")):
        monkeypatch.setenv("LEAFLETS_AUDIO_THREADS", threads)
        monkeypatch.setenv("LEAFLETS_TEST_PADDING", padding)  # moves what espeak-ng's stack holds
        assert outputs.REGISTRY["mp3"].render(job(catalogue, stem)) == expected, (threads, len(padding))


def test_arabic_numbers_are_spoken_as_vowelled_words(catalogue):
    said = spoken_numbers.spell("ar", "اتصل بالرقم 999 أو 111 خلال 24 ساعة، أو 0300 123، 1.5 و 2,000 و ٩")
    assert said == ("اتصل بالرقم تِسْعُمِائَة وَتِسْعَة وَتِسْعُون أو مِائَة وَأَحَدَ عَشَرَ خلال أَرْبَعَة وَعِشْرُون ساعة، أو "
                    "صِفْر ثَلَاثَة صِفْر صِفْر مِائَة وَثَلَاثَة وَعِشْرُون، وَاحِد فَاصِلَة خَمْسَة و أَلْفَان و تِسْعَة")
    assert spoken_numbers.spell("en-GB", "Call 999.") == "Call 999."  # espeak-ng's English numbers are sound
    parts = {part.title: part.text for part in audio.parts(job(catalogue, "after-your-wisdom-teeth-are-removed.ar"))}
    assert not any(character.isdigit() for text in parts.values() for character in text)


def test_a_language_with_no_voice_is_left_out_and_said(project, capsys):
    project.catalogue("so")  # labels for it, so that only the voice is missing
    project.leaflet("ankle", MINIMAL.replace("language: en-GB", "language: so"))
    code, out, err = project.run("--format", "mp3", capsys=capsys)
    assert code == 0
    assert err == ("handouts/ankle.yaml: no audio: espeak-ng has no voice for language 'so' here, so the audio "
                   "edition is left out - ask for a recording, or install a voice for it\n")
    assert not (project.root / "dist" / "ankle.mp3").exists()


@pytest.mark.parametrize("language, voice", [("en-GB", "en-gb"), ("en-US", "en-us"), ("cy", "cy"), ("ar", "ar"),
                                             ("pl", "pl"), ("ur", "ur"), ("bn", "bn"), ("zh", "cmn"), ("zh-HK", "yue"),
                                             ("fr", "fr-fr")])
def test_each_language_has_its_voice(language, voice):
    assert audio.voice_for(language) == voice


def test_audio_can_be_emailed(project, capsys, tmp_path, monkeypatch):
    import email
    import email.policy
    monkeypatch.setenv("SMTP_FROM", "leaflets@clinic.example")
    project.leaflet("ankle")
    code, out, err = project.run("email", "ankle", "--to", "a@example.org", "--format", "mp3",
                                 "--dry-run", str(tmp_path / "outbox"), capsys=capsys)
    assert (code, err) == (0, "")
    message = email.message_from_bytes((tmp_path / "outbox" / "ankle-recipient-1.eml").read_bytes(),
                                       policy=email.policy.default)
    attachment = next(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == ("TST-0001-v1.0-ankle.mp3", "audio/mpeg")
    assert attachment.get_content() == (project.root / "dist" / "ankle.mp3").read_bytes()


WITH_PICTURE = MINIMAL.replace("""    body: Rest your ankle and keep it raised when you can.
""", """    image:
      file: images/ankle.svg
      alt: A swollen ankle resting on a cushion.
      caption: Keep it raised.
    body: |
      Rest your ankle and keep it raised when you can.

      - Ice it:
        1. wrap ice in a towel
        2. hold it on for 20 minutes
    callouts:
      - kind: note
        body: Most sprains heal in **6 weeks**.
""")


def test_pictures_nested_lists_and_notes_are_read_in_order(project, capsys):
    project.leaflet("ankle", WITH_PICTURE)
    project.write("handouts/images/ankle.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 2" '
                  'width="400" height="200"><rect width="4" height="2" fill="#c98"/></svg>')
    code, out, err = project.run("--format", "brf,mp3", capsys=capsys)
    assert (code, err) == (0, "")
    catalogue = content.load_catalogue(content.Project(project.root))
    spoken = {part.title: part.text for part in audio.parts(job(catalogue, "ankle"))}
    assert spoken["What to do"] == ("What to do.\nPicture: A swollen ankle resting on a cushion.\nKeep it raised.\n"
                                    "Rest your ankle and keep it raised when you can.\nIce it:\n"
                                    "1. wrap ice in a towel.\n2. hold it on for 20 minutes.\n"
                                    "Note: Good to know.\nMost sprains heal in 6 weeks.")
    lines = [line for page in brf_pages(project.root / "dist" / "ankle.brf")[1:] for line in page[1:]]
    nested = lines.index("  " + louis.translate(UEB, "1. wrap ice in a towel"))
    assert lines[nested - 1] == louis.translate(UEB, "Ice it:")  # an item at the margin, its own list two cells in
    text = louis.back_translate(UEB, body(brf_pages(project.root / "dist" / "ankle.brf")))
    assert "Picture: A swollen ankle resting on a cushion. Keep it raised." in text


def test_braille_and_audio_are_recorded_and_rebuilt_only_when_changed(project, capsys):
    project.leaflet("ankle")
    code, out, err = project.run("--format", "brf,mp3", capsys=capsys)
    assert out.count("built dist/ankle.") == 3  # the MP3 brings its transcript
    code, out, err = project.run("--format", "brf,mp3", capsys=capsys)
    assert out.splitlines()[:3] == ["unchanged dist/ankle.brf", "unchanged dist/ankle.mp3",
                                    "unchanged dist/ankle.transcript.txt"]
    # A credit changes: both editions read the credits, so both are made again.
    people = project.root / "people.yaml"
    people.write_text(people.read_text().replace("A test biography.", "A changed biography.", 1))
    code, out, err = project.run("--format", "brf,mp3", capsys=capsys)
    assert out.count("built dist/ankle.") == 3
    # The brand stops offering audio: the statement read in the braille changes with it.
    brand = project.root / "brand.yaml"
    brand.write_text(brand.read_text().replace("other_formats: This leaflet is available in other formats.",
                                               "other_formats: This leaflet is available in {formats}.")
                     + "formats: [pdf, brf]\n")
    code, out, err = project.run("--format", "brf", capsys=capsys)
    assert out.startswith("built dist/ankle.brf")
    text = louis.back_translate(UEB, body(brf_pages(project.root / "dist" / "ankle.brf")))
    assert "This leaflet is available in braille." in text


def test_without_espeak_ng_or_lame_audio_is_left_out_and_said(project, capsys, monkeypatch, tmp_path):
    project.leaflet("ankle")
    speech = shutil.which("espeak-ng")  # /usr/bin/espeak-ng on Debian; espeak-ng.exe on Windows
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))  # neither program can be found
    code, out, err = project.run("--format", "mp3", capsys=capsys)
    assert code == 0 and err == ("handouts/ankle.yaml: no audio: espeak-ng is not installed - install it "
                                 "(Debian/Ubuntu: apt-get install espeak-ng) to make audio\n")
    (bin_dir / Path(speech).name).symlink_to(speech)  # speech, but no encoder
    code, out, err = project.run("--format", "mp3", capsys=capsys)
    assert code == 0 and err == ("handouts/ankle.yaml: no audio: lame is not installed - install it "
                                 "(Debian/Ubuntu: apt-get install lame) to make audio\n")
    assert not (project.root / "dist" / "ankle.mp3").exists()


def test_a_new_espeak_ng_or_lame_rebuilds(project, capsys, monkeypatch):
    """Their versions are in the manifest: the same text through another version may sound different."""
    import dataclasses
    project.leaflet("ankle")
    assert project.run("--format", "mp3", capsys=capsys)[1].startswith("built dist/ankle.mp3")
    assert project.run("--format", "mp3", capsys=capsys)[1].startswith("unchanged dist/ankle.mp3")
    assert "eSpeak NG" in outputs.engines()["mp3"] and "LAME" in outputs.engines()["mp3"]
    monkeypatch.setitem(outputs.REGISTRY, "mp3", dataclasses.replace(outputs.REGISTRY["mp3"],
                                                                    engine=lambda: "eSpeak NG 1.52; LAME 3.101"))
    assert project.run("--format", "mp3", capsys=capsys)[1].startswith("built dist/ankle.mp3")
