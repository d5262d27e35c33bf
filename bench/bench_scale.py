"""Scale benchmark: synthetic Finnish project documents at 1k, 10k and 100k chunks.

Usage:
    .venv/bin/python bench/bench_scale.py embed                 # embedding: batching, bf16, sorting
    .venv/bin/python bench/bench_scale.py size 1000 --real      # one size, real embeddings
    .venv/bin/python bench/bench_scale.py size 100000           # one size, recycled vectors (see below)
    .venv/bin/python bench/bench_scale.py size 100000 --keep /tmp/b100k   # keep the index …
    .venv/bin/python bench/bench_scale.py measure --dir /tmp/b100k        # … and measure it again later
    .venv/bin/python bench/bench_scale.py all --out bench/results.json

The synthetic corpus recombines real sections and sentences of corpus/ and varies the project codes,
names and numbers, so chunking, metadata, facts and BM25 see realistic Finnish text.

Embedding 100k chunks takes about 9 hours on 2 CPU cores, so above `--real-limit` chunks the
embedding step is replaced by `RecycledEmbeddings`, which hands out real EmbeddingGemma vectors of the
1k corpus (with a little noise, normalised). That is a stand-in for timing only: every other step
(loading, chunking, facts, lemmatising, Chroma writes, BM25, query latency with a real query
embedding) is real, and the embedding time for that size is reported as measured throughput ×
chunks, clearly marked as extrapolated.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

QUESTIONS = [
    "Paljonko hankkeelle myönnettiin EU- ja valtion rahoitusta?", "Montako yritystä hankkeeseen osallistui?",
    "Mikä oli hankkeen tavoite?", "Kuka oli hankkeen yhteyshenkilö?", "Milloin hanke päättyi?",
    "How much EU and state funding was granted?", "How many companies took part?", "What were the results?",
    "Who was the project manager?", "How many doctor appointments were there?",
]
NAMES = ["Kohti työtä", "Uudet kasvot", "Osaajat esiin", "Työn polku", "Kasvun kipinä", "Pohjoinen voima",
         "Yhdessä eteenpäin", "Taitoa työhön", "Nuoret duuniin", "Elinvoimaa kuntiin"]


def real_sections() -> list[tuple[str, str]]:
    from ingest.chunking import split_document

    pieces = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        sections, _ = split_document(path.name, text)
        for section in sections:
            body = text[section.start:section.end].strip()
            if len(body) > 80:
                pieces.append((section.heading.split(" › ")[0], body))
    return pieces


def vary_numbers(text: str, rng: random.Random) -> str:
    return re.sub(r"\b\d{2,3}(?: \d{3})*\b", lambda m: f"{rng.randint(10, 999)}" + (
        f" {rng.randint(100, 999)}" if " " in m.group(0) else ""), text)


def make_corpus(folder: Path, target_chunks: int, seed: int = 1) -> int:
    from ingest.chunking import split_document

    rng = random.Random(seed)
    sections = real_sections()
    folder.mkdir(parents=True, exist_ok=True)
    chunks = 0
    index = 0
    while chunks < target_chunks:
        code = f"S{30000 + index}"
        name = f"{rng.choice(NAMES)} {index}"
        parts = [f"Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus\n\n1 Hanke\n\nHankekoodi: {code}\n\n"
                 f"Hankkeen nimi: {name}\n\nSuunnitelman mukainen toteutusaika: Alkaa 1.{rng.randint(1, 12)}.20"
                 f"{rng.randint(15, 21)} ja päättyy 31.12.20{rng.randint(22, 25)}\n"]
        for number, (heading, body) in enumerate(rng.sample(sections, k=min(14, len(sections))), start=2):
            title = re.sub(r"^\d+(\.\d+)*\.?\s*", "", heading) or "Osio"
            parts.append(f"{number} {title}\n\n{vary_numbers(body, rng)}\n")
        text = "\n".join(parts)
        (folder / f"{index:06d}_{code}.txt").write_text(text, encoding="utf-8")
        chunks += len(split_document("x", text)[1])
        index += 1
    return chunks


class RecycledEmbeddings:
    """Timing stand-in above the real-embedding limit: real vectors of the 1k corpus, recycled."""

    def __init__(self, pool_path: Path):
        import numpy as np

        self.pool = np.load(pool_path)
        self.rng = np.random.default_rng(0)
        self.real = None

    def embed_documents(self, texts):
        import numpy as np

        rows = self.pool[self.rng.integers(0, len(self.pool), len(texts))]
        rows = rows + self.rng.normal(scale=0.01, size=rows.shape)
        return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).tolist()

    def embed_query(self, text):
        from core.embeddings import shared_embeddings

        self.real = self.real or shared_embeddings()
        return self.real.embed_query(text)


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def measure_queries(assistant) -> dict:
    """Query latency, split: the query embedding (the model, independent of index size), the search
    given that vector (what grows with the index), and the full answer (embedding included)."""
    embedding, retrieval, full = [], [], []
    for question in QUESTIONS * 5:
        t0 = time.perf_counter()
        vector = assistant.searcher.embeddings.embed_query(question)
        embedding.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        assistant.searcher.search(question, 5, vector=vector)
        retrieval.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        assistant.ask(question)
        full.append((time.perf_counter() - t0) * 1000)
    return {"query_embedding_p50_ms": round(statistics.median(embedding), 1),
            "retrieval_p50_ms": round(statistics.median(retrieval), 1),
            "retrieval_p95_ms": round(percentile(retrieval, 95), 1),
            "answer_p50_ms": round(statistics.median(full), 1), "answer_p95_ms": round(percentile(full, 95), 1)}


def measure_existing(data_dir: Path, corpus: Path, pool: Path) -> dict:
    """Re-ingest (unchanged) and query latency on an index built earlier with `size … --keep DIR`."""
    from assistant.service import Assistant
    from core.settings import Settings
    from ingest.pipeline import ingest_paths

    settings = Settings(data_dir=data_dir, corpus_dir=corpus)
    embeddings = RecycledEmbeddings(pool)
    started = time.perf_counter()
    again = ingest_paths([corpus], settings, embeddings)
    reingest_s = time.perf_counter() - started
    started = time.perf_counter()
    assistant = Assistant(settings, embeddings)
    load_s = time.perf_counter() - started
    return {"chunks": again.total_chunks, "reingest_unchanged_s": round(reingest_s, 2),
            "reingest_embedded": again.chunks_embedded, "index_load_s": round(load_s, 1),
            **measure_queries(assistant),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "disk_mb": round(disk_size(data_dir) / 2**20, 1)}


def run_size(size: int, real: bool, pool: Path, embed_rate: float | None, keep: Path | None = None) -> dict:
    from assistant.service import Assistant
    from core.settings import Settings
    from ingest.pipeline import ingest_paths

    work = keep or Path(tempfile.mkdtemp(prefix=f"bench{size}-"))
    try:
        started = time.perf_counter()
        chunks = make_corpus(work / "corpus", size)
        generate_s = time.perf_counter() - started
        settings = Settings(data_dir=work / "data", corpus_dir=work / "corpus")
        if real:
            from core.embeddings import shared_embeddings

            embeddings = shared_embeddings()
        else:
            embeddings = RecycledEmbeddings(pool)
        timings: dict[str, float] = {}

        def progress(doc, done, total):
            pass

        started = time.perf_counter()
        report = ingest_paths([work / "corpus"], settings, embeddings, progress)
        ingest_s = time.perf_counter() - started
        started = time.perf_counter()
        again = ingest_paths([work / "corpus"], settings, embeddings)
        reingest_s = time.perf_counter() - started
        if real:
            import numpy as np
            from core.store import VectorStore

            vectors = VectorStore(settings).collection.get(include=["embeddings"])["embeddings"]
            np.save(pool, np.asarray(vectors, dtype="float32"))
        queries = measure_queries(Assistant(settings, embeddings if not real else None))
        result = {
            "target_chunks": size, "chunks": report.total_chunks, "documents": len(report.added),
            "real_embeddings": real, "generate_s": round(generate_s, 1), "ingest_s": round(ingest_s, 1),
            "ingest_chunks_per_s": round(report.total_chunks / ingest_s, 1),
            "ingest_stages_s": report.stages,
            "reingest_unchanged_s": round(reingest_s, 2), "reingest_embedded": again.chunks_embedded,
            **queries,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "disk_mb": round(disk_size(settings.data_dir) / 2**20, 1),
        }
        if not real and embed_rate:
            result["embedding_s_extrapolated"] = round(report.total_chunks / embed_rate)
            result["ingest_s_with_real_embedding_extrapolated"] = round(ingest_s + report.total_chunks / embed_rate)
        result.update(timings)
        return result
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def bench_embedding(sample: int = 96) -> dict:
    """What batching, bf16 and sorting by length buy, on real chunks of corpus/."""
    import torch
    from sentence_transformers import SentenceTransformer

    from core.embeddings import document_text
    from core.settings import get_settings
    from ingest.chunking import split_document

    texts = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts += [document_text("Hanke (S00000) – hankekuvaus", c.section, c.text)
                  for c in split_document(path.name, text)[1]]
    texts = random.Random(3).sample(texts, min(sample, len(texts)))
    model_path = get_settings().model_name_or_path
    results = {"sample_chunks": len(texts)}
    for dtype_name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        model = SentenceTransformer(model_path, device="cpu", model_kwargs={"dtype": dtype})
        model.encode(texts[:4], prompt="")  # warm-up
        for batch in (1, 8, 16, 32):
            if dtype_name == "float32" and batch in (1, 8):
                continue  # the slow corner; bf16 shows the batching curve
            t0 = time.perf_counter()
            model.encode(texts, batch_size=batch, prompt="")
            results[f"{dtype_name}_batch{batch}_chunks_per_s"] = round(len(texts) / (time.perf_counter() - t0), 2)
        if dtype_name == "bfloat16":
            # Unsorted: fixed batches of 16 in document order, one call each (sentence-transformers
            # sorts by length only within a call); sorted: one call, sorted globally.
            t0 = time.perf_counter()
            for i in range(0, len(texts), 16):
                model.encode(texts[i:i + 16], batch_size=16, prompt="")
            results["bfloat16_batch16_unsorted_chunks_per_s"] = round(len(texts) / (time.perf_counter() - t0), 2)
        del model
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["embed", "size", "measure", "all"])
    parser.add_argument("size", nargs="?", type=int, default=1000)
    parser.add_argument("--real", action="store_true", help="embed with the real model")
    parser.add_argument("--pool", type=Path, default=Path(tempfile.gettempdir()) / "hanke-bench-pool.npy")
    parser.add_argument("--embed-rate", type=float, default=None, help="measured chunks/s for extrapolation")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--keep", type=Path, help="size: build in this folder and keep it (for `measure`)")
    parser.add_argument("--dir", type=Path, help="measure: a folder kept by `size --keep` (with corpus/ and data/)")
    args = parser.parse_args()
    if args.mode == "embed":
        print(json.dumps(bench_embedding(), indent=2))
    elif args.mode == "size":
        print(json.dumps(run_size(args.size, args.real, args.pool, args.embed_rate, args.keep)))
    elif args.mode == "measure":
        if not args.dir or not (args.dir / "data").is_dir():
            sys.exit("measure needs --dir, a folder kept by `size N --keep DIR`")
        print(json.dumps(measure_existing(args.dir / "data", args.dir / "corpus", args.pool)))
    else:
        results = {"embedding": bench_embedding()}
        rate = results["embedding"].get("bfloat16_batch16_chunks_per_s")
        rows = []
        for size, real in ((1000, True), (10000, False), (100000, False)):
            cmd = [sys.executable, __file__, "size", str(size), "--pool", str(args.pool)]
            cmd += ["--real"] if real else ["--embed-rate", str(rate)]
            output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            rows.append(json.loads(output.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
        results["sizes"] = rows
        args.out.write_text(json.dumps(results, indent=2))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
