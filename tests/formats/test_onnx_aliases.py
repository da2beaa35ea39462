"""ONNX import with aliases: views share their input's memory, element-wise
results overwrite an input that nothing reads afterwards, and never the
caller's memory (graph inputs and outputs)."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from minimalloc import read_onnx, validate
from minimalloc.aliases import fold
from minimalloc.analysis.minimize import minimize
from minimalloc.bounds import max_load

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def _model(nodes, outputs=("out",)) -> bytes:
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 4])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        initializer=[helper.make_tensor("shape", TensorProto.INT64, [1], [16])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def _aliases(problem) -> dict[str, str | None]:
    return {b.id: b.alias for b in problem.buffers}


def test_views_and_in_place_results_share_memory() -> None:
    nodes = [helper.make_node("Exp", ["x"], ["e"]),
             helper.make_node("Reshape", ["e", "shape"], ["r"]),
             helper.make_node("Relu", ["r"], ["a"]),
             helper.make_node("Sigmoid", ["a"], ["out"])]
    problem = read_onnx(_model(nodes), aliases=True)
    # Exp reads the caller's input (kept); Reshape views e; Relu overwrites the
    # group of e and r (nothing reads it later); Sigmoid's output is the
    # caller's memory (a graph output), so it gets its own.
    assert _aliases(problem) == {"x": None, "e": None, "r": "e", "a": "r", "out": None}
    assert _aliases(read_onnx(_model(nodes))) == dict.fromkeys("x e r a out".split())


def test_no_in_place_result_over_memory_read_later() -> None:
    nodes = [helper.make_node("Exp", ["x"], ["e"]),
             helper.make_node("Flatten", ["e"], ["v"]),
             helper.make_node("Relu", ["e"], ["a"]),  # e's view v is read below
             helper.make_node("Add", ["a", "v"], ["out"])]
    problem = read_onnx(_model(nodes), aliases=True)
    assert _aliases(problem)["v"] == "e"
    assert _aliases(problem)["a"] is None  # would clobber v before Add reads it


@pytest.mark.parametrize("name", ["light_resnet50.onnx", "light_squeezenet.onnx"])
def test_aliases_lower_the_height_of_real_models(name: str) -> None:
    plain = read_onnx(LIGHT / name)
    aliased = read_onnx(LIGHT / name, aliases=True)
    assert any(b.alias for b in aliased.buffers)
    assert max_load(fold(aliased).problem) < max_load(plain)
    result = minimize(aliased, timeout=20)
    assert validate(aliased, result.solution).ok
    assert result.height < minimize(plain, timeout=20).height
