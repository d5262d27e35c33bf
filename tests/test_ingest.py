"""Ingest on small real documents: idempotence, update, delete, bad files, the writer lock, crash leftovers."""

import shutil

import pytest

from core.store import DocumentStore, VectorStore
from ingest.pipeline import IngestBusyError, ingest_paths, writer_lock

DOC_A = ("Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus\n\n1 Hanke\n\nHankekoodi: S90001\n\n"
         "Hankkeen nimi: Pieni testihanke\n\n2 Tavoitteet\n\nHankkeen tavoitteena on kouluttaa 40 työnhakijaa Kuopiossa.\n")
DOC_B = "Tiedote\n\nPieni testihanke alkoi keväällä. Hankkeessa on mukana 12 yritystä.\n"


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def index_state(settings):
    records = DocumentStore(settings.data_dir).all()
    chunk_ids = sorted(c.id for r in records for c in r.chunks)
    vector_ids = sorted(i for ids in VectorStore(settings).ids_by_doc().values() for i in ids)
    return records, chunk_ids, vector_ids


@pytest.fixture(params=["embedded", "server"])
def any_backend(request, small_settings):
    """The ingest write path against both backends."""
    if request.param == "embedded":
        return small_settings
    host, port = request.getfixturevalue("chroma_server")
    name = "t" + str(abs(hash(str(small_settings.data_dir))))[:12]
    return small_settings.model_copy(update={"chroma_host": host, "chroma_port": port, "collection": name})


def test_ingest_is_idempotent_and_follows_changes(any_backend, embeddings):
    small_settings = any_backend
    docs = small_settings.corpus_dir
    write(docs, "a.txt", DOC_A)
    write(docs, "b.md", DOC_B)
    first = ingest_paths([docs], small_settings, embeddings)
    assert sorted(first.added) == ["a.txt", "b.md"] and first.chunks_embedded > 0

    again = ingest_paths([docs], small_settings, embeddings)
    assert sorted(again.unchanged) == ["a.txt", "b.md"]
    assert again.chunks_embedded == 0 and not again.added and not again.updated

    write(docs, "a.txt", DOC_A.replace("40 työnhakijaa", "55 työnhakijaa"))
    changed = ingest_paths([docs], small_settings, embeddings)
    assert changed.updated == ["a.txt"] and changed.unchanged == ["b.md"]
    records, chunk_ids, vector_ids = index_state(small_settings)
    texts = " ".join(c.text for r in records for c in r.chunks)
    assert "55 työnhakijaa" in texts and "40 työnhakijaa" not in texts
    assert chunk_ids == vector_ids  # old chunks replaced, none left behind

    (docs / "b.md").unlink()
    removed = ingest_paths([docs], small_settings, embeddings)
    assert removed.removed == ["b.md"]
    records, chunk_ids, vector_ids = index_state(small_settings)
    assert [r.document.doc for r in records] == ["a.txt"]
    assert chunk_ids == vector_ids


def test_press_release_is_linked_to_its_project(small_settings, embeddings):
    docs = small_settings.corpus_dir
    write(docs, "a.txt", DOC_A)
    write(docs, "b.md", DOC_B)
    ingest_paths([docs], small_settings, embeddings)
    release = DocumentStore(small_settings.data_dir).load("b.md").document
    assert release.project == "S90001"


def test_bad_files_do_not_stop_the_others(small_settings, embeddings):
    docs = small_settings.corpus_dir
    write(docs, "good.txt", DOC_A)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    report = ingest_paths([docs], small_settings, embeddings)
    assert report.added == ["good.txt"]
    failed = dict(report.failed)
    assert set(failed) == {"empty.txt", "binary.txt", "broken.pdf"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["binary.txt"] and "PDF" in failed["broken.pdf"]


def test_second_writer_is_refused(small_settings, embeddings):
    write(small_settings.corpus_dir, "a.txt", DOC_A)
    with writer_lock(small_settings.data_dir):
        with pytest.raises(IngestBusyError, match="already running"):
            ingest_paths([small_settings.corpus_dir], small_settings, embeddings)


def test_vectors_left_by_a_crash_are_cleaned_up(small_settings, embeddings):
    docs = small_settings.corpus_dir
    write(docs, "a.txt", DOC_A)
    ingest_paths([docs], small_settings, embeddings)
    # A crash between writing vectors and the record leaves vectors no record owns.
    VectorStore(small_settings).add(["ghost.txt::0"], [embeddings.embed_query("x")], ["orphan"],
                                    [{"doc": "ghost.txt", "project": "", "section": "", "start": 0, "end": 6,
                                      "order": 0, "type": "other"}])
    ingest_paths([docs], small_settings, embeddings)
    _, chunk_ids, vector_ids = index_state(small_settings)
    assert chunk_ids == vector_ids


def test_explicit_unsupported_file_is_reported(small_settings, embeddings, tmp_path):
    image = tmp_path / "kuva.png"
    image.write_bytes(b"\x89PNG")
    report = ingest_paths([image], small_settings, embeddings)
    assert report.failed and "unsupported" in report.failed[0][1]


def test_a_stale_keyword_index_is_rebuilt_even_when_no_file_changed(small_settings, embeddings):
    """An ingest stopped between the records and the keyword index leaves BM25 behind the manifest;
    the next run must notice although every file is unchanged."""
    from assistant.index import IndexView
    from core.store import KeywordIndex, keyword_dir
    from core.text_analysis import tokens

    write(small_settings.corpus_dir, "a.txt", DOC_A)
    write(small_settings.corpus_dir, "b.txt", DOC_B)
    ingest_paths([small_settings.corpus_dir], small_settings, embeddings)
    records = DocumentStore(small_settings.data_dir).all()
    first_doc_only = records[0]
    KeywordIndex.build([c.id for c in first_doc_only.chunks], first_doc_only.tokens).save(keyword_dir(small_settings))

    report = ingest_paths([small_settings.corpus_dir], small_settings, embeddings)
    assert sorted(report.unchanged) == ["a.txt", "b.txt"] and report.chunks_embedded == 0
    view = IndexView.load(small_settings)
    assert view.keyword.ids == [c.id for r in records for c in r.chunks]
    scores = view.keyword.scores(tokens("yritystä"))
    assert view.keyword.ids[int(scores.argmax())].startswith("b.txt")


def test_an_older_extraction_is_derived_again_without_embedding(small_settings, embeddings):
    """Records written by an older fact/token extraction get new facts and tokens and a rebuilt
    keyword index on the next ingest, with nothing embedded again."""
    from assistant.index import IndexView
    from core.text_analysis import tokens
    from ingest.pipeline import FACTS_VERSION

    write(small_settings.corpus_dir, "a.txt", DOC_A)
    ingest_paths([small_settings.corpus_dir], small_settings, embeddings)
    store = DocumentStore(small_settings.data_dir)
    old = store.all()[0]
    old.facts, old.tokens, old.facts_version = [], [["s", "90001"] for _ in old.chunks], FACTS_VERSION - 1
    store.save(old)

    report = ingest_paths([small_settings.corpus_dir], small_settings, embeddings)
    assert report.unchanged == ["a.txt"] and report.chunks_embedded == 0
    record = DocumentStore(small_settings.data_dir).all()[0]
    assert record.facts_version == FACTS_VERSION and record.facts
    view = IndexView.load(small_settings)
    assert view.keyword.scores(tokens("S90001")).max() > 0  # the code is one token again, and searchable
