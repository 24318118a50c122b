"""Times answer-library suggestions over HTTP; run by scripts/bench/suggestions.sh.

Builds a library of synthetic but varied approved entries (the quality fixture's wordings plus
combinations of AI-governance topics), then imports a customer questionnaire several times and
asks for its suggestions again, reporting wall-clock percentiles and the server's CPU time.
"""

import json
import os
import random
import statistics
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

API = os.environ["API_URL"]
TOKEN = os.environ["API_TOKEN"]
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "10000"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "300"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
PID = os.environ.get("BENCH_SERVER_PID")
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "answer_library", "pairs.json")

SUBJECTS = ["customer data", "prompts", "model outputs", "training datasets", "embeddings", "personal data",
            "audit logs", "model weights", "system prompts", "evaluation results", "fine-tuning data",
            "support tickets", "source code", "biometric data", "health records", "financial records"]
ACTIONS = ["encrypt", "retain", "delete", "share with subprocessors", "transfer outside the EEA", "anonymise",
           "monitor", "back up", "log access to", "review", "label", "version", "test for bias in",
           "red-team", "document", "classify"]
CONTEXTS = ["in the chat assistant", "in the recommendation engine", "in document summarisation",
            "in fraud scoring", "in the hiring module", "in customer support automation",
            "in code generation", "in the analytics add-on", "in the translation feature",
            "in image generation", "in search ranking", "in the voice assistant"]


def call(method, path, body=None, content_type="application/json", timings=None):
    """The response's JSON. With `timings`, appends the seconds from sending the request to
    the response's last byte: encoding the request and decoding the response are the client's
    work (decoding a 300-question response takes Python about 9 ms)."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(API + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        request.add_header("Content-Type", content_type)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        raw = response.read()
    if timings is not None:
        timings.append(time.perf_counter() - started)
    return json.loads(raw or b"null")


def cpu_seconds():
    if not PID:
        return None
    with open(f"/proc/{PID}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def library(rng):
    pairs = json.load(open(FIXTURE))
    entries = [{"question": p["question"], "alternatives": p.get("alternatives", []),
                "answer_short": p["answer"], "tags": p["tags"], "status": "approved"} for p in pairs]
    while len(entries) < ENTRIES:
        subject, action, context = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(CONTEXTS)
        n = len(entries)
        entries.append({
            "question": f"How do you {action} {subject} {context}? (variant {n})",
            "alternatives": [f"What is your approach to {action} {subject} {context}?"],
            "answer_short": f"We {action} {subject} {context} under policy P-{n}.",
            "tags": [subject.split()[0].lower()],
            "status": "approved",
        })
    return entries[:ENTRIES]


def questionnaire(rng):
    pairs = json.load(open(FIXTURE))
    questions = [p["customer"] for p in pairs]
    while len(questions) < QUESTIONS:
        questions.append(f"Please describe how you {rng.choice(ACTIONS)} {rng.choice(SUBJECTS)} {rng.choice(CONTEXTS)}.")
    return [{"id": f"Q{i + 1}", "question": q} for i, q in enumerate(questions[:QUESTIONS])]


def main():
    rng = random.Random(42)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda e: call("POST", "/v1/answer-library", e), library(rng)))
    seeded = time.perf_counter() - started
    questions = questionnaire(rng)
    body = {"customer": "Bench", "title": "Bench", "questions": questions}

    cold = []
    first = call("POST", "/v1/customer-questionnaires", body, timings=cold)
    imports, refreshes, cpu_per_refresh = [], [], []
    for _ in range(RUNS):
        call("POST", "/v1/customer-questionnaires", body, timings=imports)
    for _ in range(RUNS):
        before = cpu_seconds()
        call("POST", f"/v1/customer-questionnaires/{first['id']}/suggestions", {}, timings=refreshes)
        after = cpu_seconds()
        if before is not None:
            cpu_per_refresh.append(after - before)
    singles = []
    for q in questions[:min(100, len(questions))]:
        call("GET", "/v1/answer-library/suggestions?q=" + urllib.parse.quote(q["question"]), timings=singles)

    def row(name, values):
        ms = [v * 1000 for v in values]
        return (f"| {name} | {len(ms)} | {percentile(ms, 50):.1f} | {percentile(ms, 90):.1f} | "
                f"{percentile(ms, 99):.1f} | {max(ms):.1f} |")

    print(f"\nanswer library: {ENTRIES} entries seeded over HTTP in {seeded:.1f} s; "
          f"{QUESTIONS}-question questionnaire; build {os.environ.get('BENCH_PROFILE', 'release')}")
    print(f"first import (builds the search index): {cold[0] * 1000:.0f} ms\n")
    print("| what | runs | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(row(f"import {QUESTIONS} questions (suggest + store)", imports))
    print(row(f"suggest again for {QUESTIONS} questions", refreshes))
    print(row("one question, GET /v1/answer-library/suggestions", singles))
    if cpu_per_refresh:
        print(f"\nserver CPU per {QUESTIONS}-question re-suggestion: median "
              f"{statistics.median(cpu_per_refresh) * 1000:.0f} ms (from /proc, 10 ms ticks)")
    needs_human = sum(1 for q in first["questions"] if q["needs_human"])
    print(f"questions marked for a person in the first import: {needs_human} of {QUESTIONS}")
    if os.environ.get("BENCH_JSON"):
        ms = lambda values, p: percentile([v * 1000 for v in values], p)
        print(json.dumps({"entries": ENTRIES, "questions": QUESTIONS, "seed_s": seeded,
                          "import_p50_ms": ms(imports, 50), "import_p99_ms": ms(imports, 99),
                          "refresh_p50_ms": ms(refreshes, 50), "refresh_p99_ms": ms(refreshes, 99),
                          "single_p50_ms": ms(singles, 50)}))


if __name__ == "__main__":
    main()
