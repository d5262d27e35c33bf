"""Late chunking vs separate sentence embeddings for the scorer's content_dense feature.

Issue 12 asked whether sentence vectors pooled from the chunk's own token embeddings (late
chunking) rank as well as sentences embedded separately, and how much cheaper they are. Measured
in the seventh session (eval/README.md): they rank worse (top-1 0.39-0.43 against 0.46) and save
about 10 % of the time, so the assistant embeds sentences separately.

Run (on an index of corpus/ + eval/corpus-dev/):
    HANKE_DATA_DIR=.fit-index python eval/experiments/late_chunking.py [stage]
stages: gather (pickle candidates), late (late-chunk vectors + metrics), cost (timing), all (default).
Outputs under eval/out/late_chunking/ (or $LATE_OUT).
"""
from __future__ import annotations

import json
import os
import pickle
import random
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)
os.chdir(REPO)

import numpy as np
import torch

OUT = os.environ.get("LATE_OUT", os.path.join(REPO, "eval", "out", "late_chunking"))
GATHER = f"{OUT}/gathered.pkl"
LATE = f"{OUT}/late_vectors.pkl"
THREADS = int(os.environ.get("LATE_THREADS", "1"))
torch.set_num_threads(THREADS)

from core.sentence_vectors import SENTENCE_PROMPT  # noqa: E402
from core.embeddings import document_text  # noqa: E402


def stage_gather():
    from assistant.service import Assistant
    from assistant.evidence import without_identity
    from eval.fit import set_questions, is_evidence

    a = Assistant()
    questions = set_questions("eval/questions_corpusdev_dev.jsonl", None) + \
        set_questions("eval/questions_corpusdev_val.jsonl", None)
    rows, chunks, n_answerable = [], {}, 0
    t0 = time.time()
    for qi, q in enumerate(questions):
        if not q.answerable:
            continue
        n_answerable += 1
        g = a.gather(q.question)
        cands = g.cands
        labels = [is_evidence(c.text, q) for c in cands]
        asked = without_identity(g.analysis.text, g.analysis.identity(a.index))
        qvec = a.sentence_vectors.question_vector(asked)
        separate = a.sentence_vectors.vectors([c.text for c in cands]) if cands else np.zeros((0, 768), np.float32)
        cand_rows = []
        for c in cands:
            ch = c.hit.chunk
            rs, re_ = c.start - ch.start, c.end - ch.start
            assert ch.text[rs:re_] == c.text, (ch.id, rs, re_)
            cand_rows.append((ch.id, rs, re_, c.text))
            if ch.id not in chunks:
                chunks[ch.id] = dict(text=ch.text, section=ch.section, context=ch.context,
                                     title=c.hit.document.title)
        rows.append(dict(qid=f"{qi}", question=q.question, asked=asked, cands=cand_rows,
                         labels=labels, qvec=qvec, separate=separate))
        print(f"{len(rows)} {time.time() - t0:.0f}s cands={len(cands)} ev={sum(labels)}", flush=True)
    with open(GATHER, "wb") as f:
        pickle.dump(dict(rows=rows, chunks=chunks, n_answerable=n_answerable), f)


def load_model():
    from core.embeddings import shared_embeddings
    emb = shared_embeddings()
    return emb._client, emb.encode_kwargs["batch_size"]


def chunk_input(ch, variant):
    """The text embedded for a chunk, and the character offset of chunk.text inside it."""
    if variant in ("plain", "plain+prompt"):
        prefix = SENTENCE_PROMPT
        return prefix + ch["text"], len(prefix)
    body = f"{ch['context']}\n{ch['text']}" if ch["context"] else ch["text"]
    full = document_text(ch["title"], ch["section"], body)
    offset = len(full) - len(ch["text"])
    assert full[offset:] == ch["text"]
    return full, offset


def token_spans(tokenizer, text, max_len):
    enc = tokenizer(text, return_offsets_mapping=True, truncation=True, max_length=max_len)
    spans = []
    for s, e in enc["offset_mapping"]:
        # strip whitespace so that "▁word" does not count for the sentence before it
        while s < e and text[s].isspace():
            s += 1
        spans.append((s, e))
    return np.array(spans, dtype=np.int64).reshape(-1, 2)


def late_vectors(model, batch_size, texts, sentence_spans, prompt_len=None):
    """texts: full inputs; sentence_spans: per text, a list of (a, b) char spans in that text.
    prompt_len: if given, also pool <bos>/<eos> and the tokens of the first prompt_len characters
    (EmbeddingGemma's own pooling includes the prompt).
    Returns per text an (n_sentences, 768) float32 array (normalised) and the token count."""
    tok_emb = model.encode(texts, output_value="token_embeddings", batch_size=batch_size,
                           convert_to_numpy=False, show_progress_bar=False)
    tokenizer = model.tokenizer
    max_len = model.max_seq_length
    dense = [m for m in list(model)[2:] if m.__class__.__name__ == "Dense"]
    out, n_tokens, empty = [], 0, 0
    pooled_all, owners = [], []
    for i, (text, spans, te) in enumerate(zip(texts, sentence_spans, tok_emb)):
        off = token_spans(tokenizer, text, max_len)
        assert len(off) == te.shape[0], (len(off), te.shape)
        n_tokens += len(off)
        te = te.float()
        ts, tend = torch.from_numpy(off[:, 0]), torch.from_numpy(off[:, 1])
        for a, b in spans:
            mask = (ts < b) & (tend > a) & (tend > ts)
            if prompt_len is not None:
                mask = mask | (tend == ts) | ((tend <= prompt_len) & (tend > ts))
            if not mask.any():
                empty += 1
                mask = torch.zeros_like(mask)
                mask[-1] = True  # truncated away: fall back to the last token (counted in `empty`)
            pooled_all.append(te[mask].mean(0))
            owners.append(i)
    x = torch.stack(pooled_all) if pooled_all else torch.zeros((0, 768))
    with torch.no_grad():
        for d in dense:
            w = next(d.parameters())
            x = d({"sentence_embedding": x.to(w.dtype)})["sentence_embedding"]
    x = torch.nn.functional.normalize(x.float(), dim=-1).numpy()
    k = 0
    for spans in sentence_spans:
        out.append(x[k:k + len(spans)])
        k += len(spans)
    return out, n_tokens, empty


def stage_late():
    data = pickle.load(open(GATHER, "rb"))
    rows, chunks = data["rows"], data["chunks"]
    model, bs = load_model()
    # every sentence span used by any candidate, per chunk
    spans = {cid: sorted({(rs, re_) for r in rows for c2, rs, re_, _ in r["cands"] if c2 == cid}) for cid in chunks}
    result = {}
    for variant in ("plain", "plain+prompt", "context"):
        ids = list(chunks)
        t0 = time.time()
        vecs, n_tok, n_empty = {}, 0, 0
        step = 256
        for i in range(0, len(ids), step):
            part = ids[i:i + step]
            texts, sp = [], []
            for cid in part:
                full, off = chunk_input(chunks[cid], variant)
                texts.append(full)
                sp.append([(a + off, b + off) for a, b in spans[cid]])
            v, nt, ne = late_vectors(model, bs, texts, sp,
                                     len(SENTENCE_PROMPT) if variant == "plain+prompt" else None)
            n_tok += nt
            n_empty += ne
            for cid, arr in zip(part, v):
                for (a, b), vec in zip(spans[cid], arr):
                    vecs[(cid, a, b)] = vec
            print(f"{variant} {i + len(part)}/{len(ids)} {time.time() - t0:.0f}s", flush=True)
        result[variant] = dict(vecs=vecs, tokens=n_tok, empty=n_empty, seconds=time.time() - t0)
    with open(LATE, "wb") as f:
        pickle.dump(result, f)


def ranks(scores, labels):
    scores = np.asarray(scores)
    labels = np.asarray(labels, bool)
    best = scores[labels].max()
    return 1 + int((scores > best).sum())


def stage_metrics():
    data = pickle.load(open(GATHER, "rb"))
    late = pickle.load(open(LATE, "rb"))
    rows = [r for r in data["rows"] if any(r["labels"])]
    report = dict(n_answerable=data["n_answerable"], n_with_evidence=len(rows),
                  n_chunks=len(data["chunks"]),
                  mean_candidates=float(np.mean([len(r["cands"]) for r in rows])))
    methods = {"separate": lambda r: r["separate"]}
    for variant in ("plain", "plain+prompt", "context"):
        methods[f"late_{variant}"] = (lambda v: lambda r: np.vstack(
            [late[v]["vecs"][(cid, a, b)] for cid, a, b, _ in r["cands"]]))(variant)
    per_q = {}
    for name, get in methods.items():
        rk = [ranks(get(r) @ r["qvec"], r["labels"]) for r in rows]
        per_q[name] = rk
        report[name] = dict(top1=float(np.mean([x == 1 for x in rk])), top3=float(np.mean([x <= 3 for x in rk])),
                            mrr=float(np.mean([1 / x for x in rk])))
    # agreement: mean cosine of a sentence's separate vector and its late vector (unique sentences)
    for variant in ("plain", "plain+prompt", "context"):
        seen, cos = set(), []
        for r in data["rows"]:
            for (cid, a, b, _), sv in zip(r["cands"], r["separate"]):
                if (cid, a, b) in seen:
                    continue
                seen.add((cid, a, b))
                cos.append(float(sv @ late[variant]["vecs"][(cid, a, b)]))
        report[f"agreement_{variant}"] = dict(mean=float(np.mean(cos)), median=float(np.median(cos)),
                                              p10=float(np.percentile(cos, 10)), n_sentences=len(cos))
        report[f"late_{variant}_full_run"] = dict(tokens=late[variant]["tokens"], empty_spans=late[variant]["empty"],
                                                 seconds=late[variant]["seconds"])
    # paired comparison of first-evidence rank (two-sided sign test over the questions that differ)
    from math import comb
    for name in ("late_plain", "late_plain+prompt", "late_context"):
        a_, b_ = np.array(per_q["separate"]), np.array(per_q[name])
        better, worse = int((b_ < a_).sum()), int((a_ < b_).sum())
        n, k = better + worse, min(better, worse)
        p = min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n)
        report[f"paired_{name}_vs_separate"] = dict(late_better=better, separate_better=worse,
                                                    same=int((a_ == b_).sum()), sign_test_p=round(p, 4))
    json.dump(report, open(f"{OUT}/metrics.json", "w"), indent=2)
    print(json.dumps(report, indent=2))


def stage_cost():
    from core.sentences import split_sentences
    data = pickle.load(open(GATHER, "rb"))
    chunks = data["chunks"]
    model, bs = load_model()
    ids = sorted(chunks)
    random.Random(0).shuffle(ids)
    ids = ids[:200]
    sent_spans = {cid: [(s, e) for s, e in split_sentences(chunks[cid]["text"], 0)] for cid in ids}
    sentences = [SENTENCE_PROMPT + chunks[cid]["text"][s:e] for cid in ids for s, e in sent_spans[cid]]
    tok = model.tokenizer
    sep_tokens = sum(len(tok(t, truncation=True, max_length=model.max_seq_length)["input_ids"]) for t in sentences)
    # warm-up
    model.encode(sentences[:16], batch_size=bs, normalize_embeddings=True, show_progress_bar=False)
    res = dict(threads=THREADS, batch_size=bs, dtype=str(next(model.parameters()).dtype), chunks=len(ids),
               sentences=len(sentences), separate_tokens=sep_tokens)
    times = {"separate": [], "late_plain": [], "late_context": []}
    for rep in range(2):
        t0 = time.perf_counter()
        model.encode(sentences, batch_size=bs, normalize_embeddings=True, show_progress_bar=False)
        times["separate"].append(time.perf_counter() - t0)
        for variant in ("plain", "context"):
            texts, sp = [], []
            for cid in ids:
                full, off = chunk_input(chunks[cid], variant)
                texts.append(full)
                sp.append([(a + off, b + off) for a, b in sent_spans[cid]])
            t0 = time.perf_counter()
            _, nt, ne = late_vectors(model, bs, texts, sp)
            times[f"late_{variant}"].append(time.perf_counter() - t0)
            res[f"late_{variant}_tokens"] = nt
            res[f"late_{variant}_empty"] = ne
        print(rep, {k: round(v[-1], 1) for k, v in times.items()}, flush=True)
    res["seconds"] = times
    res["vector"] = "768 x float32 = 3072 bytes per sentence (both methods)"
    json.dump(res, open(f"{OUT}/cost.json", "w"), indent=2)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    stage = sys.argv[1] if len(sys.argv) > 1 else "all"
    os.makedirs(OUT, exist_ok=True)
    t = time.time()
    if stage in ("gather", "all"):
        stage_gather()
    if stage in ("late", "all"):
        stage_late()
    if stage in ("metrics", "late", "all"):
        stage_metrics()
    if stage in ("cost", "all"):
        stage_cost()
    print(f"stage {stage} took {time.time() - t:.0f}s")
