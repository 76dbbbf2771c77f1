/**
 * Facts about a serialised model that decide how ORT should load it. Decoding is cheap: protobuf
 * `bytes` fields are views into the model buffer, not copies.
 */
import { onnx } from 'onnx-proto';

const DOUBLE = onnx.TensorProto.DataType.DOUBLE;

/**
 * Whether the model computes in float64 anywhere. For engine graphs every double value comes from
 * a graph input, an initializer, a Cast or a ConstantOfShape, so these are all that is checked.
 *
 * This matters because ORT's extended graph fusions are written for float32: on double graphs
 * they emit contrib kernels that only exist for float (QuickGelu from x·sigmoid(x): the session
 * fails to load) or store constants as float attributes (FusedMatMul's alpha from x·W·(1/√d):
 * the scores silently lose half their precision). Double graphs are therefore loaded with basic
 * (ONNX-only) optimisations.
 */
export function usesFloat64(model: Uint8Array): boolean {
  const graph = onnx.ModelProto.decode(model).graph;
  return !!graph && graphUsesFloat64(graph);
}

/** A graph and, through `If` branches and other graph attributes, its subgraphs. */
function graphUsesFloat64(graph: onnx.IGraphProto): boolean {
  if ((graph.initializer ?? []).some((t) => t.dataType === DOUBLE)) return true;
  const io = [...(graph.input ?? []), ...(graph.output ?? [])];
  if (io.some((v) => v.type?.tensorType?.elemType === DOUBLE)) return true;
  return (graph.node ?? []).some((n) => (n.attribute ?? []).some((a) =>
    (n.opType === 'Cast' && a.name === 'to' && Number(a.i) === DOUBLE) || a.t?.dataType === DOUBLE || (!!a.g && graphUsesFloat64(a.g))));
}
