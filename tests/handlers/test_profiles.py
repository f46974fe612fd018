"""The packed language profiles detect exactly what langdetect does, in far less memory, and
a process maps them from the cache directory instead of loading them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from langdetect import DetectorFactory, LangDetectException, detect_langs
from langdetect.detector_factory import PROFILES_DIRECTORY

from handlers.language import detect_language
from handlers.profiles import FILENAME, FORMAT, PackedProfiles, compact_factory, load, pack

TEXTS = [
    "We would welcome a stronger reference to the precautionary approach in paragraph 4.",
    "Nous souhaitons que le paragraphe 4 mentionne l'approche de précaution.",
    "Quisiéramos una referencia más clara al enfoque de precaución en el párrafo 4.",
    "Wir begrüßen einen stärkeren Verweis auf das Vorsorgeprinzip in Absatz 4.",
    "Gostaríamos de uma referência mais forte à abordagem de precaução.",
    "Vorremmo un riferimento più forte all'approccio precauzionale.",
    "Мы приветствовали бы более четкую ссылку на принцип предосторожности.",
    "نرحب بإشارة أقوى إلى النهج الوقائي في الفقرة 4",
    "我们希望第4段更明确地提及预防方针。",
    "ok ok ok merci thanks gracias",
    "1234 5678 ...",
]


def stock(text: str) -> list[tuple[str, float]] | str:
    try:
        return [(c.lang, c.prob) for c in detect_langs(text)]
    except LangDetectException as exc:
        return str(exc)


def compact(text: str) -> list[tuple[str, float]] | str:
    detector = compact_factory().create()
    detector.append(text)
    try:
        return [(c.lang, c.prob) for c in detector.get_probabilities()]
    except LangDetectException as exc:
        return str(exc)


TAGGED = [
    # The six languages of the United Nations, short and long.
    ("en", 1.0, "We support the draft."),
    (
        "en",
        1.0,
        "The delegation welcomes the revised text and proposes to strengthen the reference to "
        "capacity-building and the transfer of technology in operative paragraph 7, in line with "
        "the outcome of the previous session and the views expressed by many stakeholders.",
    ),
    ("fr", 1.0, "Nous appuyons le projet."),
    (
        "fr",
        1.0,
        "La délégation se félicite du texte révisé et propose de renforcer la référence au "
        "renforcement des capacités et au transfert de technologie au paragraphe 7 du dispositif.",
    ),
    ("es", 1.0, "Apoyamos el proyecto."),
    (
        "es",
        1.0,
        "La delegación acoge con beneplácito el texto revisado y propone reforzar la referencia al "
        "fomento de la capacidad y a la transferencia de tecnología en el párrafo 7.",
    ),
    ("ru", 1.0, "Мы поддерживаем проект."),
    (
        "ru",
        1.0,
        "Делегация приветствует пересмотренный текст и предлагает усилить ссылку на укрепление "
        "потенциала и передачу технологий в пункте 7 постановляющей части.",
    ),
    ("zh", 1.0, "我们支持该草案。"),
    ("zh", 1.0, "代表团欢迎订正案文，并建议在执行部分第7段中加强关于能力建设和技术转让的提法。"),
    ("ar", 1.0, "نحن نؤيد المشروع."),
    (
        "ar",
        1.0,
        "يرحب الوفد بالنص المنقح ويقترح تعزيز الإشارة إلى بناء القدرات ونقل التكنولوجيا في "
        "الفقرة 7 من المنطوق.",
    ),
    # Others participants write in.
    ("de", 1.0, "Wir unterstützen den Entwurf."),
    (
        "de",
        1.0,
        "Die Delegation begrüßt den überarbeiteten Text und schlägt vor, den Verweis auf den "
        "Kapazitätsaufbau und den Technologietransfer in Ziffer 7 zu verstärken.",
    ),
    ("lt", 1.0, "Apoiamos o projeto."),
    (
        "pt",
        1.0,
        "A delegação acolhe com satisfação o texto revisto e propõe reforçar a referência ao "
        "desenvolvimento de capacidades e à transferência de tecnologia no parágrafo 7.",
    ),
    ("ja", 1.0, "私たちはこの草案を支持します。"),
    (
        "ja",
        1.0,
        "代表団は改訂された案文を歓迎し、主文第7項における能力構築と技術移転への言及を強化することを提案します。",
    ),
    ("el", 1.0, "Υποστηρίζουμε το σχέδιο."),
    (
        "el",
        1.0,
        "Η αντιπροσωπεία χαιρετίζει το αναθεωρημένο κείμενο και προτείνει την ενίσχυση της "
        "αναφοράς στη δημιουργία ικανοτήτων και στη μεταφορά τεχνολογίας στην παράγραφο 7.",
    ),
    ("it", 1.0, "Sosteniamo il progetto di testo e proponiamo di rafforzare il paragrafo 7."),
    ("nl", 1.0, "Wij steunen het ontwerp en stellen voor paragraaf 7 te versterken."),
    ("ko", 1.0, "우리는 초안을 지지하며 제7항을 강화할 것을 제안합니다."),
    ("hi", 1.0, "हम मसौदे का समर्थन करते हैं और अनुच्छेद 7 को मज़बूत करने का प्रस्ताव करते हैं।"),
    ("tr", 1.0, "Taslağı destekliyoruz ve 7. paragrafın güçlendirilmesini öneriyoruz."),
    ("pl", 1.0, "Popieramy projekt i proponujemy wzmocnienie ustępu 7."),
    ("sw", 1.0, "Tunaunga mkono rasimu hii na tunapendekeza kuimarisha aya ya 7."),
    ("vi", 1.0, "Chúng tôi ủng hộ dự thảo và đề xuất tăng cường đoạn 7."),
    ("he", 1.0, "אנו תומכים בטיוטה ומציעים לחזק את סעיף 7."),
    ("th", 1.0, "เราสนับสนุนร่างนี้และเสนอให้เสริมความแข็งแกร่งของวรรค 7"),
    ("ar", 1.0, "ما از پیش‌نویس حمایت می‌کنیم و پیشنهاد می‌کنیم بند ۷ تقویت شود."),
    ("ru", 1.0, "Подржавамо нацрт и предлажемо јачање става 7."),
    ("ru", 1.0, "Підтримуємо проект і пропонуємо посилити пункт 7."),
    ("sv", 1.0, "Vi stöder utkastet och föreslår att punkt 7 stärks."),
    ("fi", 1.0, "Tuemme luonnosta ja ehdotamme kohdan 7 vahvistamista."),
    # Mixed, terse, odd.
    ("es", 1.0, "OK for me, d'accord, de acuerdo."),
    ("en", 1.0, "See https://example.org/draft?id=7 and write to secretariat@example.org, thanks!"),
    ("pt", 1.0, "NGO NGO NGO UNEP UNDP"),
    ("und", 0.0, "Yes"),
    ("und", 0.0, "1234 5678 ... !!!"),
    ("so", 1.0, "🙂🙂🙂 good good good"),
    ("en", 1.0, "The reference in §7 should read 'shall' rather than 'should' — see A/CONF.230/7."),
    ("ru", 0.7, "Я думаю, что paragraph 7 нужно усилить."),
    ("id", 1.0, "我们认为 paragraph 7 应该加强。"),
    ("und", 0.0, "ok"),
    ("und", 0.0, ""),
]
"""Answers in many languages and the tags `detect_language` gave them with langdetect's own
profiles held sparsely in memory (before they were packed), confidence included."""


@pytest.mark.parametrize("text", TEXTS + [text for _, _, text in TAGGED])
def test_the_compact_profiles_give_langdetects_probabilities_to_the_bit(text: str) -> None:
    assert DetectorFactory.seed == 0
    assert compact(text) == stock(text)


@pytest.mark.parametrize(("code", "confidence", "text"), TAGGED)
def test_answers_in_many_languages_keep_the_tags_they_had(
    code: str, confidence: float, text: str
) -> None:
    tag = detect_language(text)
    assert (tag.code, tag.confidence) == (code, confidence)


def test_the_compact_profiles_hold_every_language_and_ngram_of_langdetect() -> None:
    from langdetect import detector_factory

    detector_factory.init_factory()
    reference = detector_factory._factory
    factory = compact_factory()
    assert factory.langlist == reference.langlist
    assert factory.word_lang_prob_map.keys() == reference.word_lang_prob_map.keys()


PEAK = """
from pathlib import Path
def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
import handlers.language, langdetect
before = peak()
{LOAD}
print(peak() - before)
"""


def growth(load: str) -> float:
    found = subprocess.run(
        [sys.executable, "-c", PEAK.replace("{LOAD}", load)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(found.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_loading_the_profiles_costs_less_than_half_of_langdetects_peak() -> None:
    ours = growth("handlers.language.detect_language('A sentence long enough to detect.')")
    theirs = growth("langdetect.detect_langs('A sentence long enough to detect.')")
    assert ours < 35 < 50 < theirs, (ours, theirs)


def profiles_copy(into: Path, *names: str) -> Path:
    """Some of langdetect's profile files in a directory of their own."""
    into.mkdir()
    for name in names:
        shutil.copy(Path(PROFILES_DIRECTORY, name), into / name)
    return into


def sorted_like_langdetect(directory: Path) -> list[Path]:
    return [directory / name for name in os.listdir(directory)]


def test_the_packed_file_is_written_once_then_mapped(tmp_path: Path) -> None:
    source = profiles_copy(tmp_path / "profiles", "en", "fr", "de")
    first = load(tmp_path / "cache", str(source))
    written = (tmp_path / "cache" / FILENAME).stat().st_mtime_ns
    again = load(tmp_path / "cache", str(source))
    assert (tmp_path / "cache" / FILENAME).stat().st_mtime_ns == written
    assert again.languages == first.languages == [p.name for p in sorted_like_langdetect(source)]
    assert dict(again) == dict(first) == dict(PackedProfiles.of_bytes(pack(str(source))))
    assert again["the"] == first["the"] != again["die"]
    assert [path.name for path in (tmp_path / "cache").iterdir()] == [FILENAME]


def test_a_packed_file_of_other_profiles_is_packed_again(tmp_path: Path) -> None:
    source = profiles_copy(tmp_path / "profiles", "en", "fr")
    assert "ßt" not in load(tmp_path / "cache", str(source))
    shutil.copy(Path(PROFILES_DIRECTORY, "de"), source / "de")  # another langdetect's files
    assert "de" in load(tmp_path / "cache", str(source)).languages
    assert "ßt" in load(tmp_path / "cache", str(source))


def test_a_damaged_packed_file_is_packed_again(tmp_path: Path) -> None:
    source = profiles_copy(tmp_path / "profiles", "en", "fr")
    load(tmp_path / "cache", str(source))
    whole = tmp_path / "cache" / FILENAME
    good = whole.read_bytes()
    whole.write_bytes(good[: len(good) // 2])
    assert dict(load(tmp_path / "cache", str(source))) == dict(PackedProfiles.of_bytes(good))
    assert whole.read_bytes() == good


def test_a_packed_file_of_another_format_is_packed_again(tmp_path: Path) -> None:
    source = profiles_copy(tmp_path / "profiles", "en", "fr")
    load(tmp_path / "cache", str(source))
    whole = tmp_path / "cache" / FILENAME
    good = whole.read_bytes()
    ours, older = f'"format": {FORMAT}'.encode(), f'"format": {FORMAT - 1}'.encode()
    assert ours in good
    whole.write_bytes(good.replace(ours, older, 1))  # the same size, another layout
    assert dict(load(tmp_path / "cache", str(source))) == dict(PackedProfiles.of_bytes(good))
    assert whole.read_bytes() == good


def test_a_cache_directory_that_cannot_be_written_leaves_the_profiles_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = profiles_copy(tmp_path / "profiles", "en", "fr")
    (tmp_path / "file").write_text("not a directory")
    profiles = load(tmp_path / "file" / "cache", str(source))
    assert profiles.languages == [p.name for p in sorted_like_langdetect(source)]
    assert "cannot write" in caplog.text


FIRST = """
from pathlib import Path
def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
import handlers.language
from handlers import profiles
profiles.use_cache(Path({CACHE!r}))
before = peak()
handlers.language.detect_language('A sentence long enough to detect, and then some more.')
print(peak() - before)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_a_process_pays_a_few_megabytes_for_the_profiles_even_the_first(tmp_path: Path) -> None:
    def growth() -> float:
        script = FIRST.replace("{CACHE!r}", repr(str(tmp_path)))
        found = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
        )
        return float(found.stdout)

    first = growth()  # a child packs the file; this process reads it
    assert (tmp_path / FILENAME).is_file()
    assert first < 5, first  # langdetect's profiles took 60 MB, packing here 10-17
    assert growth() < 5  # the file there
