"""ONNX graphs -> a :class:`~minimalloc.model.Problem` of activation buffers.

Every tensor a node produces, and every graph input that is not an
initializer, becomes a buffer:

- ``id`` is the tensor's name (unique in an ONNX graph);
- ``size`` is its number of elements times its element size, rounded up to
  ``alignment`` (sub-byte types such as ``int4`` round up to whole bytes:
  seven ``int4`` values take four bytes); its ``alignment`` is ``alignment``;
- time is the node's index in the graph's order (ONNX keeps nodes in
  topological order): a tensor produced by node ``i`` and last read by node
  ``j`` lives ``[i, j + 1)``; graph inputs start at 0 (one that no node reads
  lives ``[0, 1)``); graph outputs live to the end, ``len(nodes)``;
- its ``label`` says where it comes from and who reads it:
  ``Conv conv1 -> Relu relu1, MaxPool pool1``.

Choices:

- Shapes come from onnx's own shape inference with data propagation (so the
  shape a ``Shape -> Gather -> Reshape`` chain computes is known).  Symbolic
  dimensions (``batch``) take their values from ``dims``; they are set on the
  graph inputs before inference, so they propagate.  A tensor that must be
  planned but whose shape stays unknown is a :class:`ProblemError` naming the
  tensor and the dimension.
- An output that no node reads and that is not a graph output (a Dropout
  mask, a BatchNorm's running mean) is left out: nothing needs it after its
  node, which may treat it as scratch.
- Initializers are weights, not activations: left out by default; with
  ``include_weights=True`` they live the whole run, ``[0, len(nodes))``.
- Control flow (``If``, ``Loop``, ``Scan``): the node counts as one step, like
  any other.  The tensors its subgraphs read from the enclosing graph are read
  by that node (so they live until it ends); the tensors inside a subgraph are
  the node's own business and are not planned (the label says so).
- ``string`` tensors have no fixed size and are an error if they must be
  planned; so are sequences, maps and optionals.

onnx is imported only when a model is read.

>>> from onnx import TensorProto, helper
>>> graph = helper.make_graph(
...     [helper.make_node("Relu", ["x"], ["y"], name="relu1")], "g",
...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
>>> problem = read_onnx(helper.make_model(graph).SerializeToString(), dims={"batch": 2})
>>> [(b.id, b.lower, b.upper, b.size, b.label) for b in problem.buffers]
[('x', 0, 1, 32, 'graph input -> Relu relu1'), ('y', 0, 1, 32, 'Relu relu1')]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from minimalloc.errors import ProblemError
from minimalloc.model import Buffer, Problem, id_problem

if TYPE_CHECKING:
    import onnx

__all__ = ["SUFFIXES", "looks_like", "read", "read_onnx"]

Source = Union[str, "os.PathLike[str]", bytes]

#: File suffixes this reader claims.
SUFFIXES = (".onnx",)

#: Bits per element of each ONNX element type with a fixed size (by name, so
#: that types a given onnx release lacks are simply absent).
_BITS_BY_NAME = {
    "FLOAT": 32, "UINT8": 8, "INT8": 8, "UINT16": 16, "INT16": 16, "INT32": 32,
    "INT64": 64, "BOOL": 8, "FLOAT16": 16, "DOUBLE": 64, "UINT32": 32, "UINT64": 64,
    "COMPLEX64": 64, "COMPLEX128": 128, "BFLOAT16": 16, "FLOAT8E4M3FN": 8,
    "FLOAT8E4M3FNUZ": 8, "FLOAT8E5M2": 8, "FLOAT8E5M2FNUZ": 8, "FLOAT8E8M0": 8,
    "UINT4": 4, "INT4": 4, "FLOAT4E2M1": 4, "UINT2": 2, "INT2": 2,
    "FLOAT6E2M3": 6, "FLOAT6E3M2": 6,
}
#: How many readers a label names before it says "and N more".
_READERS_SHOWN = 4


def read_onnx(
    source: Source,
    *,
    alignment: int = 1,
    dims: Mapping[str, int] | None = None,
    include_weights: bool = False,
) -> Problem:
    """The activation buffers of an ONNX model, with lifetimes by node order.

    Parameters
    ----------
    source
        A path to a ``.onnx`` file, or the model's bytes.  External weight
        data is not loaded (only shapes are needed).
    alignment
        Every size is rounded up to a multiple of this and every offset must
        be one (for example 64 for cache lines).
    dims
        Values of symbolic dimensions, for example ``{"batch": 1}``.
    include_weights
        Also plan the initializers, as buffers alive the whole run.

    Returns
    -------
    Problem
        One buffer per tensor (see the module documentation), no capacity.

    Raises
    ------
    ProblemError
        If the file is not an ONNX model, a dimension in ``dims`` is not in
        the model, or a tensor to plan has an unknown shape or an unsized
        type; the message names the file, the tensor and the dimension.
    """
    name = _source_name(source)
    if isinstance(alignment, bool) or not isinstance(alignment, int) or alignment < 1:
        raise ProblemError(f"expected an alignment >= 1, got {alignment!r}", file=name)
    dims = dict(dims or {})
    for key, value in dims.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProblemError(f"dimension '{key}': expected an integer >= 0, got "
                               f"{value!r}", file=name)
    model = _load(source, name)
    declared = _symbolic_dims(model.graph)
    _fix_input_dims(model.graph, dims)
    inferred, inference_error = _infer(model)
    _check_dims_exist(declared | _symbolic_dims(inferred.graph), dims, name)
    try:
        return _build(inferred.graph, dims, alignment, include_weights, inference_error)
    except ProblemError as error:
        raise error.located(file=name) from None


def read(source: Source, **options: Any) -> Problem:
    """The dispatcher's entry point: :func:`read_onnx` with the options it
    understands (``alignment``, ``dims``, ``include_weights``)."""
    known = {k: v for k, v in options.items()
             if k in ("alignment", "dims", "include_weights") and v is not None}
    return read_onnx(source, **known)


def looks_like(head: bytes) -> bool:
    """Whether the first bytes of a file could start an ONNX model: a protobuf
    whose first field is ``ir_version`` (field 1, varint: byte 0x08)."""
    return head[:1] == b"\x08"


# ----------------------------------------------------------------------------
# Loading and inference


def _source_name(source: Source) -> str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<model>"
    return os.fspath(source)


def _load(source: Source, name: str) -> onnx.ModelProto:
    import onnx
    from google.protobuf.message import DecodeError

    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            model = onnx.load_from_string(bytes(source))
        else:
            model = onnx.load(os.fspath(source), load_external_data=False)
    except (DecodeError, RuntimeError, ValueError) as error:
        raise ProblemError(f"not a readable ONNX model ({_first_line(error)})",
                           file=name) from None
    if not model.HasField("graph") or (not model.graph.node and not model.graph.input):
        raise ProblemError("not an ONNX model: it has no graph (no nodes, no inputs)",
                           file=name)
    return model


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _infer(model: onnx.ModelProto) -> tuple[onnx.ModelProto, str | None]:
    """The model with inferred shapes, and the inference's complaint, if any.

    Strict inference first, to catch a broken model with onnx's own words;
    if it objects, the lenient pass still gives every shape it can, and the
    complaint is quoted if a shape we need is missing."""
    from onnx import shape_inference

    try:
        return shape_inference.infer_shapes(model, strict_mode=True, data_prop=True), None
    except Exception as error:  # noqa: BLE001 - onnx raises several kinds
        complaint = _first_line(error)
    try:
        inferred = shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception:  # noqa: BLE001
        inferred = model
    return inferred, complaint


def _symbolic_dims(graph: onnx.GraphProto) -> set[str]:
    names: set[str] = set()
    for value in (*graph.input, *graph.output, *graph.value_info):
        if value.type.HasField("tensor_type"):
            names.update(d.dim_param for d in value.type.tensor_type.shape.dim
                         if d.HasField("dim_param"))
    return names


def _check_dims_exist(symbols: set[str], dims: Mapping[str, int], name: str) -> None:
    unknown = sorted(set(dims) - symbols)
    if unknown:
        known = ", ".join(sorted(symbols)) or "none"
        raise ProblemError(f"dimension '{unknown[0]}' does not appear in the model "
                           f"(its symbolic dimensions: {known})", file=name)


def _fix_input_dims(graph: onnx.GraphProto, dims: Mapping[str, int]) -> None:
    """Give the symbolic dimensions of the graph's inputs their values, so
    that inference propagates them."""
    for value in graph.input:
        if not value.type.HasField("tensor_type"):
            continue
        for dim in value.type.tensor_type.shape.dim:
            if dim.HasField("dim_param") and dim.dim_param in dims:
                dim.dim_value = dims[dim.dim_param]


# ----------------------------------------------------------------------------
# Lifetimes


@dataclass
class _Tensor:
    """What we learn about one tensor while walking the graph."""

    name: str
    lower: int
    producer: str  # the label of what makes it: an op, "graph input", "weight"
    readers: list[str] = field(default_factory=list)
    last_read: int = -1
    is_output: bool = False
    is_weight: bool = False


def _build(graph: onnx.GraphProto, dims: Mapping[str, int], alignment: int,
           include_weights: bool, inference_error: str | None) -> Problem:
    steps = len(graph.node)
    end = max(steps, 1)
    tensors = _walk(graph)
    types = _types(graph)
    ids = _buffer_ids(tensors)
    buffers = []
    for tensor in tensors.values():
        if tensor.is_weight and not include_weights:
            continue
        if tensor.is_weight:
            upper = end
        elif tensor.is_output:
            upper = end
        elif tensor.last_read >= 0:
            upper = tensor.last_read + 1
        elif tensor.producer == "graph input":
            upper = tensor.lower + 1  # given, never read: present at the start only
        else:
            continue  # produced, never read, not an output: the node's scratch
        size = _size(tensor.name, types.get(tensor.name), dims, inference_error)
        size = -(-size // alignment) * alignment
        label = _label(tensor)
        if ids[tensor.name] != tensor.name:
            label = f"tensor {tensor.name!r}: {label}"
        buffers.append(Buffer(ids[tensor.name], tensor.lower,
                              max(upper, tensor.lower + 1), size, alignment=alignment,
                              label=label))
    return Problem(tuple(buffers))


def _buffer_ids(names: Iterable[str]) -> dict[str, str]:
    """A buffer id per tensor name: the name itself where it can be one (a
    CSV carries it back unchanged), else its words joined by single spaces
    (``tensor`` if it has none), with `` #2``, `` #3``... added until it is
    unique.  ONNX allows any name; ``x`` and `` x`` are different tensors."""
    names = list(names)
    ids = {name: name for name in names if id_problem(name) is None}
    taken = set(ids)
    for name in names:
        if name in ids:
            continue
        base = " ".join(name.split()) or "tensor"
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base} #{number}", number + 1
        ids[name] = candidate
        taken.add(candidate)
    return ids


def _walk(graph: onnx.GraphProto) -> dict[str, _Tensor]:
    """Producer, readers and last use of every tensor, in the graph's order."""
    tensors: dict[str, _Tensor] = {}
    weights = {init.name for init in graph.initializer}
    weights.update(s.values.name for s in graph.sparse_initializer)
    for name in weights:
        tensors[name] = _Tensor(name, 0, "weight", is_weight=True)
    for value in graph.input:
        if value.name in weights:
            continue  # an initializer: the input's default value
        if value.name in tensors:
            raise ProblemError(f"graph input '{value.name}' is declared twice")
        tensors[value.name] = _Tensor(value.name, 0, "graph input")
    for index, node in enumerate(graph.node):
        op = _op_label(node, index)
        for name in _reads(node):
            tensor = tensors.get(name)
            if tensor is None:
                raise ProblemError(
                    f"node {op} reads '{name}', which no earlier node produces and "
                    "which is not a graph input or initializer (the graph must be "
                    "in topological order)")
            if tensor.last_read < index:
                tensor.readers.append(op)
            tensor.last_read = index
        subgraph = _has_subgraph(node)
        for name in node.output:
            if not name:
                continue  # an optional output left out
            if name in tensors:
                raise ProblemError(f"tensor '{name}' is produced twice (by node {op})")
            producer = op + (" (subgraph tensors not planned)" if subgraph else "")
            tensors[name] = _Tensor(name, index, producer)
    for value in graph.output:
        if value.name in tensors:
            tensors[value.name].is_output = True
        else:
            raise ProblemError(f"graph output '{value.name}' is produced by no node")
    return tensors


def _op_label(node: onnx.NodeProto, index: int) -> str:
    return f"{node.op_type} {node.name or f'#{index}'}"


def _reads(node: onnx.NodeProto) -> list[str]:
    """The tensors ``node`` reads: its inputs, and what its subgraphs read
    from the enclosing scope, each once, in order."""
    seen: dict[str, None] = {name: None for name in node.input if name}
    for graph in _subgraphs(node):
        for name in _outer_reads(graph):
            seen.setdefault(name, None)
    return list(seen)


def _has_subgraph(node: onnx.NodeProto) -> bool:
    return any(True for _ in _subgraphs(node))


def _subgraphs(node: onnx.NodeProto) -> Iterator[onnx.GraphProto]:
    from onnx import AttributeProto

    for attribute in node.attribute:
        if attribute.type == AttributeProto.GRAPH:
            yield attribute.g
        elif attribute.type == AttributeProto.GRAPHS:
            yield from attribute.graphs


def _outer_reads(graph: onnx.GraphProto) -> list[str]:
    """Names a subgraph (and the subgraphs inside it) reads but does not define."""
    defined = {v.name for v in graph.input}
    defined.update(init.name for init in graph.initializer)
    defined.update(s.values.name for s in graph.sparse_initializer)
    reads: dict[str, None] = {}
    for node in graph.node:
        for name in _reads(node):
            if name not in defined:
                reads.setdefault(name, None)
        defined.update(node.output)
    for value in graph.output:
        if value.name not in defined:
            reads.setdefault(value.name, None)
    return list(reads)


def _label(tensor: _Tensor) -> str:
    if not tensor.readers:
        return tensor.producer
    shown = tensor.readers[:_READERS_SHOWN]
    more = len(tensor.readers) - len(shown)
    text = f"{tensor.producer} -> {', '.join(shown)}"
    return text + (f" and {more} more" if more else "")


# ----------------------------------------------------------------------------
# Sizes


def _types(graph: onnx.GraphProto) -> dict[str, Any]:
    """Name -> TypeProto for every value with a declared or inferred type, and
    (element type, dims) for initializers."""
    types: dict[str, Any] = {}
    for value in (*graph.value_info, *graph.input, *graph.output):
        types[value.name] = value.type
    for init in graph.initializer:
        types[init.name] = (init.data_type, tuple(init.dims))
    for sparse in graph.sparse_initializer:
        types[sparse.values.name] = (sparse.values.data_type, tuple(sparse.dims))
    return types


def _size(name: str, type_: Any, dims: Mapping[str, int],
          inference_error: str | None) -> int:
    """Bytes that tensor ``name`` takes (not yet aligned)."""
    why = f" (shape inference: {inference_error})" if inference_error else ""
    if type_ is None:
        raise ProblemError(f"tensor '{name}': its type and shape are unknown{why}")
    if isinstance(type_, tuple):
        element_type, shape = type_
        return _bytes(name, element_type, shape)
    kind = type_.WhichOneof("value")
    if kind != "tensor_type":
        raise ProblemError(f"tensor '{name}' is a {kind or 'value of unknown type'}, "
                           "not a tensor: it has no fixed size to plan")
    tensor_type = type_.tensor_type
    if not tensor_type.HasField("shape"):
        raise ProblemError(f"tensor '{name}': its shape is unknown (not even its rank)"
                           f"{why}")
    shape = []
    for axis, dim in enumerate(tensor_type.shape.dim):
        if dim.HasField("dim_value"):
            shape.append(dim.dim_value)
        elif dim.HasField("dim_param") and dim.dim_param in dims:
            shape.append(dims[dim.dim_param])
        elif dim.HasField("dim_param"):
            raise ProblemError(
                f"tensor '{name}': dimension {axis} is the symbol '{dim.dim_param}': "
                f"give its value (dims={{'{dim.dim_param}': ...}}, or "
                f"--dim={dim.dim_param}=N)")
        else:
            raise ProblemError(f"tensor '{name}': dimension {axis} is unknown{why}")
    return _bytes(name, tensor_type.elem_type, shape)


def _bytes(name: str, element_type: int, shape: Iterable[int]) -> int:
    from onnx import TensorProto

    type_name = TensorProto.DataType.Name(element_type) if element_type in \
        TensorProto.DataType.values() else str(element_type)
    bits = _BITS_BY_NAME.get(type_name)
    if bits is None:
        raise ProblemError(f"tensor '{name}' has element type {type_name}, which has "
                           "no fixed size")
    elements = 1
    for extent in shape:
        if extent < 0:
            raise ProblemError(f"tensor '{name}' has a negative dimension {extent}")
        elements *= extent
    return -(-elements * bits // 8)
