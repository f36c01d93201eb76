"""Load 10 000 objectives: ``kpirules.loads`` (parse + check + compile) against Lark's
bare LALR tree parse of the same text with the same grammar.

Target (the issue): load ≤ 1.0× the bare tree parse, stretch 0.7×. Both sides are in
the group ``load``; the ratio of medians is printed at the end of the run.
"""

from __future__ import annotations

from typing import Any

import pytest

import kpirules
from kpirules.diagnostics import Source
from kpirules.parser import _parser, _tree_parser, parse_source

ROUNDS = 7


@pytest.fixture(scope="module", autouse=True)
def _warm(big_ruleset_text: str) -> None:
    # Both grammars compiled (functools.cache) and the code paths warm before timing.
    _parser()
    _tree_parser().parse(big_ruleset_text[:20_000].rsplit("\nobjective", 1)[0] + "\n")


@pytest.mark.benchmark(group="load")
def test_load_kpirules(benchmark: Any, record: Any, note: Any, big_ruleset_text: str) -> None:
    rs = benchmark.pedantic(kpirules.loads, args=(big_ruleset_text, "<bench>"),
                            rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record("load.kpirules", benchmark)
    assert len(rs.objective_ids) == 10_000
    note("load.text", f"{len(big_ruleset_text.encode()):,} bytes, "
         f"{big_ruleset_text.count(chr(10)):,} lines, {len(rs.objective_ids):,} objectives")


@pytest.mark.benchmark(group="load")
def test_load_parse_only(benchmark: Any, record: Any, big_ruleset_text: str) -> None:
    """The parse stage alone (text → our AST through the inline transformer): the part
    of ``loads`` that does what the bare tree parse does."""
    source = Source("<bench>", big_ruleset_text)
    tree = benchmark.pedantic(parse_source, args=(source,), rounds=ROUNDS, iterations=1,
                              warmup_rounds=1)
    record("load.parse_ast", benchmark)
    assert len(tree.objectives) == 10_000


@pytest.mark.benchmark(group="load")
def test_load_lark_tree(benchmark: Any, record: Any, big_ruleset_text: str) -> None:
    parser = _tree_parser()
    tree = benchmark.pedantic(parser.parse, args=(big_ruleset_text,),
                              rounds=ROUNDS, iterations=1, warmup_rounds=1)
    record("load.lark_tree", benchmark)
    assert len(tree.children) == 10_000 + 11  # 4 header lines, 7 facts


@pytest.mark.benchmark(group="load-interleaved")
def test_load_interleaved(benchmark: Any, interleave: Any, pause_gc: Any,
                          big_ruleset_text: str) -> None:
    """Both sides again, one call of each per round in rotating order (robust to a noisy
    neighbour), each also with the cyclic GC paused: how much of either is the GC.
    The row printed by pytest-benchmark is the whole loop; the medians per side and
    their ratios are in the summary."""
    text = big_ruleset_text
    parser = _tree_parser()
    sides = {
        "kpirules": lambda: kpirules.loads(text, "<bench>"),
        "lark_tree": lambda: parser.parse(text),
        "kpirules_nogc": pause_gc(lambda: kpirules.loads(text, "<bench>")),
        "lark_tree_nogc": pause_gc(lambda: parser.parse(text)),
    }
    def check(side: str, out: Any) -> None:
        if side.startswith("kpirules"):
            assert len(out.objective_ids) == 10_000
        else:
            assert len(out.children) == 10_000 + 11

    benchmark.pedantic(interleave, args=("load-i", sides, ROUNDS), kwargs={"check": check},
                       rounds=1, iterations=1)
