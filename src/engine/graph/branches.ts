/**
 * Several traced graphs as one ONNX model whose `branch` input picks which one runs: nested `If`
 * nodes whose subgraphs are the graphs. ONNX Runtime executes every node of a graph whatever is
 * fetched (measured: fetching a merged graph's score outputs cost what the whole graph does), but
 * only the taken branch of an `If`. So one session serves all of a dream's graphs, and the large
 * weights — initializers of the outer graph, read by the branches from the outer scope — are
 * mapped and resident once per dream instead of once per session.
 *
 * Every branch yields every output of the union (a branch without one gives an empty tensor of
 * the same type and rank); fetch only the taken branch's. Inputs are the union of the graphs'
 * inputs, all of which must be fed, plus `branch` (int64 scalar, the graph's index).
 */
import type { onnx } from 'onnx-proto';
import type { Graph } from './graph';
import type { DType } from './dtype';
import type { Shape } from './shape';
import type { ExternalStore } from './external-store';
import { byteSize, checkInlineBytes, isInline, liveParts, modelProto, nodeProto, tensorProto, valueInfo } from './onnx';
import { ONNX_DTYPE } from './dtype';

export const BRANCH_INPUT = 'branch';

interface OutputType { dtype: DType; rank: number }

/** A tensor type of known element type and rank, dimensions unknown (branches differ in shape). */
function looseInfo(name: string, t: OutputType): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: ONNX_DTYPE[t.dtype], shape: { dim: Array.from({ length: t.rank }, () => ({})) } } } };
}

export function toOnnxBranches(graphs: Graph[], store?: ExternalStore): Uint8Array {
  if (graphs.length === 0) throw new Error('no graphs to merge');
  const inputs = new Map<string, { dtype: DType; shape: Shape }>();
  const outputs = new Map<string, OutputType>();
  for (const g of graphs) {
    for (const t of g.inputs) {
      const seen = inputs.get(t.name);
      if (seen && (seen.dtype !== t.dtype || seen.shape.join() !== t.shape.join())) {
        throw new Error(`input '${t.name}' is ${t.dtype}[${t.shape}] in graph ${g.name} but ${seen.dtype}[${seen.shape}] in another`);
      }
      inputs.set(t.name, { dtype: t.dtype, shape: t.shape });
    }
    for (const o of g.outputs) {
      const seen = outputs.get(o.name);
      if (seen && (seen.dtype !== o.tensor.dtype || seen.rank !== o.tensor.rank)) {
        throw new Error(`output '${o.name}' differs in type or rank between graph ${g.name} and another`);
      }
      outputs.set(o.name, { dtype: o.tensor.dtype, rank: o.tensor.rank });
    }
  }
  if (inputs.has(BRANCH_INPUT)) throw new Error(`a graph already has an input named '${BRANCH_INPUT}'`);

  // Large initializers go to the outer graph once (by name and place in the weights file); the
  // rest stay in their branch under the branch's prefix, as do all of its values and nodes.
  const outer = new Map<string, onnx.ITensorProto>();
  const place = (p: onnx.ITensorProto) => JSON.stringify(p.externalData ?? p.rawData);
  let inlineBytes = 0;
  const branch = (g: Graph, b: number): onnx.IGraphProto => {
    const prefix = `b${b}/`;
    const { nodes, initializers } = liveParts(g);
    const rename = new Map<string, string>();
    const local: onnx.ITensorProto[] = [];
    for (const t of initializers) {
      const inline = isInline(t, store);
      const proto = tensorProto(t, store);
      const seen = outer.get(t.name);
      if (inline) {
        inlineBytes += byteSize(t);
        local.push({ ...proto, name: prefix + t.name });
        rename.set(t.name, prefix + t.name);
      } else if (!seen || place(seen) === place(proto)) {
        outer.set(t.name, proto);
      } else {
        outer.set(prefix + t.name, { ...proto, name: prefix + t.name });
        rename.set(t.name, prefix + t.name);
      }
    }
    for (const n of nodes) for (const o of n.outputs) if (o) rename.set(o, prefix + o);
    const name = (v: string) => rename.get(v) ?? v; // graph inputs and shared weights keep theirs
    const node = nodes.map((n, i) => nodeProto({ ...n, inputs: n.inputs.map((v) => v && name(v)), outputs: n.outputs.map(name) }, `${prefix}n${i}_${n.op}`));
    const own = new Map(g.outputs.map((o) => [o.name, o.tensor]));
    const output: onnx.IValueInfoProto[] = [];
    for (const [out, type] of outputs) {
      const result = `${prefix}out/${out}`;
      const t = own.get(out);
      if (t) {
        node.push({ name: `${prefix}out_${out}`, opType: 'Identity', input: [name(t.name)], output: [result] });
        output.push(valueInfo(result, t.dtype, t.shape));
      } else {
        const dims = new Array<number>(type.rank).fill(0);
        // No data field at all: protobufjs decodes an empty `bytes` field with the deprecated `new Buffer(0)`.
        const empty: onnx.ITensorProto = { name: result, dataType: ONNX_DTYPE[type.dtype], dims };
        node.push({ name: `${prefix}empty_${out}`, opType: 'Constant', output: [result], attribute: [{ name: 'value', type: 4, t: empty }] });
        output.push(valueInfo(result, type.dtype, dims));
      }
    }
    return { name: `${g.name}_branch`, node, initializer: local, output };
  };
  const bodies = graphs.map(branch);
  checkInlineBytes(inlineBytes);

  // If(branch == 0, b0, If(branch == 1, b1, … b_last)); the conditions are computed outside.
  const conds: onnx.INodeProto[] = [];
  const selectors: onnx.ITensorProto[] = [];
  for (let i = 0; i < graphs.length - 1; i++) {
    selectors.push({ name: `branch_${i}`, dataType: ONNX_DTYPE.int64, dims: [], int64Data: [i] });
    conds.push({ name: `is_branch_${i}`, opType: 'Equal', input: [BRANCH_INPUT, `branch_${i}`], output: [`is_branch_${i}`] });
  }
  const names = [...outputs.keys()];
  const chain = (i: number, outNames: string[]): onnx.INodeProto[] => {
    if (i === graphs.length - 1) return [];
    const elseBody: onnx.IGraphProto = i + 1 === graphs.length - 1
      ? bodies[i + 1]
      : (() => {
          const inner = names.map((o) => `else${i + 1}/${o}`);
          return { name: `else_${i + 1}`, node: chain(i + 1, inner), output: names.map((o, j) => looseInfo(inner[j], outputs.get(o)!)) };
        })();
    const G = 5; // AttributeProto.AttributeType.GRAPH
    return [{ name: `select_${i}`, opType: 'If', input: [`is_branch_${i}`], output: outNames, attribute: [
      { name: 'then_branch', type: G, g: bodies[i] }, { name: 'else_branch', type: G, g: elseBody },
    ] }];
  };
  const top: onnx.INodeProto[] = graphs.length === 1
    ? bodies[0].node! // one graph: its body is the model (outputs renamed back below)
    : [...conds, ...chain(0, names)];
  if (graphs.length === 1) top.push(...names.map((o) => ({ name: `result_${o}`, opType: 'Identity', input: [`b0/out/${o}`], output: [o] })));
  return modelProto({
    name: graphs.map((g) => g.name).join('+'),
    node: top,
    initializer: [...outer.values(), ...selectors, ...(graphs.length === 1 ? bodies[0].initializer! : [])],
    input: [...[...inputs].map(([n, t]) => valueInfo(n, t.dtype, t.shape)), valueInfo(BRANCH_INPUT, 'int64', [])],
    output: names.map((o) => looseInfo(o, outputs.get(o)!)),
  });
}
