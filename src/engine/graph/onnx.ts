/**
 * Serialises a traced graph to an ONNX ModelProto (opset 17, IR 8) in memory. Weights become
 * initializers with raw data, or, given an ExternalStore, references into its file (ONNX external
 * data) for every initializer of at least EXTERNAL_MIN_BYTES. Protobuf caps a message at 2 GiB,
 * so only the external form has no size limit.
 */
import { onnx } from 'onnx-proto';
import { Graph, AttrValue, Initializer, OpNode } from './graph';
import { ONNX_DTYPE, DType, BYTES_PER_ELEMENT } from './dtype';
import { Shape } from './shape';
import { EXTERNAL_FILE, EXTERNAL_MIN_BYTES, type ExternalStore } from './external-store';

export const OPSET = 17;
export const IR_VERSION = 8;
export const MAX_PROTO_BYTES = 2 ** 31 - 1;

/** The bytes an initializer occupies (a deferred one is not made to know). */
export function byteSize(t: Initializer): number {
  if ('store' in t.data) return t.data.length;
  if ('deferred' in t.data) return BYTES_PER_ELEMENT[t.dtype] * t.dims.reduce((a, b) => a * b, 1);
  return t.data.byteLength;
}

export function tensorProto(t: Initializer, store?: ExternalStore): onnx.ITensorProto {
  if ('store' in t.data) {
    if (t.data.store !== store) throw new Error(`initializer ${t.name} refers to another weights file than the one this graph is written with`);
    return external(t, t.data.offset, t.data.length);
  }
  const data = 'deferred' in t.data ? t.data.deferred() : t.data;
  if (data.byteLength !== byteSize(t)) throw new Error(`initializer ${t.name}: ${data.byteLength} bytes made for shape [${t.dims}] of ${t.dtype}`);
  if (store && data.byteLength >= EXTERNAL_MIN_BYTES) {
    const { offset, length } = store.place(data);
    return external(t, offset, length);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { name: t.name, dataType: ONNX_DTYPE[t.dtype], dims: t.dims, rawData: bytes };
}


function external(t: Initializer, offset: number, length: number): onnx.ITensorProto {
  return {
      name: t.name, dataType: ONNX_DTYPE[t.dtype], dims: t.dims, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: EXTERNAL_FILE }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(length) }],
  };
}

export function attrProto(name: string, a: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'ints': return { name, type: T.INTS, ints: a.value };
    case 'floats': return { name, type: T.FLOATS, floats: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'tensor': return { name, type: T.TENSOR, t: tensorProto(a.value) };
  }
}

export function valueInfo(name: string, dtype: DType, shape: Shape): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/**
 * The nodes the outputs depend on, in order. Tracing emits nodes nothing reads: a VJP builds the
 * gradient of every input of an op, and `grad` keeps only those on the way to its targets — for a
 * head MatMul the discarded one is the weight's gradient, a [batch, d_model, vocab] product. ONNX
 * Runtime executes every node of a graph, so they must not be serialised.
 */
export function liveNodes(g: Graph): Graph['nodes'] {
  const live = new Set(g.outputs.map((o) => o.tensor.name));
  const keep: boolean[] = new Array(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => live.has(o))) continue;
    keep[i] = true;
    for (const inp of n.inputs) if (inp) live.add(inp);
  }
  return g.nodes.filter((_, i) => keep[i]);
}

/** Whether an initializer stays inside the protobuf (not in the external weights file). */
export function isInline(t: Initializer, store?: ExternalStore): boolean {
  return !('store' in t.data) && (!store || byteSize(t) < EXTERNAL_MIN_BYTES);
}

/** Refuses a protobuf past 2 GiB with a message that says why, instead of protobuf's. */
export function checkInlineBytes(bytes: number): void {
  if (bytes > MAX_PROTO_BYTES) {
    throw new Error(`model weights are ${(bytes / 2 ** 30).toFixed(2)} GiB; ONNX protobuf is limited to 2 GiB without external data`);
  }
}

/** The live nodes and the initializers they (or the outputs) read. */
export function liveParts(g: Graph): { nodes: OpNode[]; initializers: Initializer[] } {
  const nodes = liveNodes(g);
  const used = new Set<string>(g.outputs.map((o) => o.tensor.name));
  for (const n of nodes) for (const inp of n.inputs) used.add(inp);
  return { nodes, initializers: [...g.initializers.values()].filter((t) => used.has(t.name)) };
}

export function nodeProto(n: OpNode, name: string): onnx.INodeProto {
  return { name, opType: n.op, input: n.inputs, output: n.outputs, attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(k, v)) };
}

export function modelProto(graph: onnx.IGraphProto): Uint8Array {
  const model: onnx.IModelProto = { irVersion: IR_VERSION, producerName: 'reverie', opsetImport: [{ domain: '', version: OPSET }], graph };
  return onnx.ModelProto.encode(model).finish();
}

export function toOnnx(g: Graph, store?: ExternalStore): Uint8Array {
  const { nodes, initializers } = liveParts(g);
  checkInlineBytes(initializers.filter((t) => isInline(t, store)).reduce((a, t) => a + byteSize(t), 0));
  return modelProto({
    name: g.name,
    node: nodes.map((n, i) => nodeProto(n, `n${i}_${n.op}`)),
    initializer: initializers.map((t) => tensorProto(t, store)),
    input: g.inputs.map((t) => valueInfo(t.name, t.dtype, t.shape)),
    output: g.outputs.map((o) => valueInfo(o.name, o.tensor.dtype, o.tensor.shape)),
  });
}
