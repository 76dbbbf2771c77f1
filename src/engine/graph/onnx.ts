/**
 * Serialises a traced graph to an ONNX ModelProto (opset 17, IR 8) in memory. Weights become
 * initializers with raw data, or, given an ExternalStore, references into its file (ONNX external
 * data) for every initializer of at least EXTERNAL_MIN_BYTES. Protobuf caps a message at 2 GiB,
 * so only the external form has no size limit.
 */
import { onnx } from 'onnx-proto';
import { Graph, AttrValue, Initializer } from './graph';
import { ONNX_DTYPE, DType } from './dtype';
import { Shape } from './shape';
import { EXTERNAL_FILE, EXTERNAL_MIN_BYTES, type ExternalStore } from './external-store';

export const OPSET = 17;
export const IR_VERSION = 8;
const MAX_PROTO_BYTES = 2 ** 31 - 1;

function tensorProto(t: Initializer, store?: ExternalStore): onnx.ITensorProto {
  if (store && t.data.byteLength >= EXTERNAL_MIN_BYTES) {
    const { offset, length } = store.place(t.data);
    return {
      name: t.name, dataType: ONNX_DTYPE[t.dtype], dims: t.dims, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: EXTERNAL_FILE }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(length) }],
    };
  }
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name: t.name, dataType: ONNX_DTYPE[t.dtype], dims: t.dims, rawData: bytes };
}

function attrProto(name: string, a: AttrValue): onnx.IAttributeProto {
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

function valueInfo(name: string, dtype: DType, shape: Shape): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ONNX_DTYPE[dtype], shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export function toOnnx(g: Graph, store?: ExternalStore): Uint8Array {
  let weightBytes = 0;
  for (const t of g.initializers.values()) if (!store || t.data.byteLength < EXTERNAL_MIN_BYTES) weightBytes += t.data.byteLength;
  if (weightBytes > MAX_PROTO_BYTES) {
    throw new Error(`model weights are ${(weightBytes / 2 ** 30).toFixed(2)} GiB; ONNX protobuf is limited to 2 GiB without external data`);
  }
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'reverie',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: g.name,
      node: g.nodes.map((n, i) => ({
        name: `n${i}_${n.op}`, opType: n.op, input: n.inputs, output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(k, v)),
      })),
      initializer: [...g.initializers.values()].map((t) => tensorProto(t, store)),
      input: g.inputs.map((t) => valueInfo(t.name, t.dtype, t.shape)),
      output: g.outputs.map((o) => valueInfo(o.name, o.tensor.dtype, o.tensor.shape)),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}
