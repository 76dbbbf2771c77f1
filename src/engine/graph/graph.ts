import type { ExternalStore } from './external-store';
import { DType, TypedArray, dtypeOfArray, typedArrayOf } from './dtype';
import { Dim, Shape, fmt, numel, GraphShapeError } from './shape';

/** An ONNX attribute value. Arrays of numbers are ints unless tagged as floats. */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: Initializer };

export interface OpNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Initializer {
  name: string;
  dtype: DType;
  dims: number[];
  /**
   * The values; for a tensor already in an external weights file, where it is there; or, for a
   * deferred constant, how to make the values when the graph is serialised (never before).
   */
  data: TypedArray | { store: ExternalStore; offset: number; length: number } | { deferred: () => TypedArray };
}

/**
 * Vector-Jacobian product of one recorded op: given the gradients of its outputs (null where an
 * output does not reach the differentiated value), returns the gradients of its inputs (null
 * where an input is not differentiable or receives nothing).
 */
export type Vjp = (gradOutputs: (SymTensor | null)[], node: TapeEntry) => (SymTensor | null)[];

export interface TapeEntry {
  readonly op: string;
  readonly inputs: SymTensor[];
  readonly outputs: SymTensor[];
  readonly vjp?: Vjp;
}

/** A value in a graph being traced: a name, an element type and a (possibly symbolic) shape. */
export class SymTensor {
  /** The op that produced this tensor, if any (inputs and initializers have none). */
  producer?: TapeEntry;
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  toString(): string {
    return `${this.name}:${this.dtype}${fmt(this.shape)}`;
  }
}

export interface EmitSpec {
  dtype: DType;
  shape: Shape;
}

/**
 * A graph under construction. Ops append nodes; `grad` appends the backward pass as ordinary
 * nodes; `toOnnx` serialises. The graph owns unique naming and constant de-duplication.
 */
export class Graph {
  readonly nodes: OpNode[] = [];
  readonly inputs: SymTensor[] = [];
  readonly outputs: { name: string; tensor: SymTensor }[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly used = new Set<string>();
  private readonly scalarCache = new Map<string, SymTensor>();
  private counter = 0;

  constructor(readonly name = 'reverie') {}

  fresh(prefix: string): string {
    let name = `${prefix}_${this.counter++}`;
    while (this.used.has(name)) name = `${prefix}_${this.counter++}`;
    this.used.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`graph already has a value named '${name}'`);
    this.used.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): SymTensor {
    const t = new SymTensor(this, this.claim(name), dtype, shape);
    this.inputs.push(t);
    return t;
  }

  /** A constant tensor (an ONNX initializer). Data is referenced, not copied. */
  constant(data: TypedArray, shape: readonly number[], name?: string): SymTensor {
    if (numel(shape) !== data.length) {
      throw new GraphShapeError('constant', `${data.length} values do not fill shape ${fmt(shape)}`);
    }
    const dtype = dtypeOfArray(data);
    const n = name ? this.claim(name) : this.fresh('const');
    this.initializers.set(n, { name: n, dtype, dims: [...shape], data });
    return new SymTensor(this, n, dtype, shape);
  }

  /**
   * A constant whose bytes are already in `store`'s file (ONNX external data): the graph holds
   * only the reference, so a weight written once needs no copy in JS for later graphs.
   */
  externalConstant(dtype: DType, shape: readonly number[], ref: { store: ExternalStore; offset: number; length: number }): SymTensor {
    const n = this.fresh('const');
    this.initializers.set(n, { name: n, dtype, dims: [...shape], data: ref });
    return new SymTensor(this, n, dtype, shape);
  }

  /**
   * A constant whose values are made only if the graph is serialised: tracing a graph for its
   * shapes (feature checks) then reads no weights.
   */
  deferredConstant(dtype: DType, shape: readonly number[], make: () => TypedArray): SymTensor {
    const n = this.fresh('const');
    this.initializers.set(n, { name: n, dtype, dims: [...shape], data: { deferred: make } });
    return new SymTensor(this, n, dtype, shape);
  }

  /** A de-duplicated scalar constant of rank 0. */
  scalar(value: number, dtype: DType): SymTensor {
    const key = `${dtype}:${value}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant(typedArrayOf(dtype, [value]), []);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** A rank-1 int64 constant, as ONNX wants for shapes and axes. */
  ints(values: number[]): SymTensor {
    return this.constant(typedArrayOf('int64', values), [values.length]);
  }

  /**
   * Records one ONNX node. `vjp` makes it differentiable; without one it is treated as a
   * constant by `grad` (integer and boolean outputs always are).
   */
  emit(op: string, inputs: (SymTensor | null)[], attrs: Record<string, AttrValue>, outs: EmitSpec[], vjp?: Vjp): SymTensor[] {
    for (const t of inputs) if (t && t.graph !== this) throw new Error(`${op}: input ${t.name} belongs to another graph`);
    const outputs = outs.map((o) => new SymTensor(this, this.fresh(op.toLowerCase()), o.dtype, o.shape));
    this.nodes.push({ op, inputs: inputs.map((t) => (t ? t.name : '')), outputs: outputs.map((t) => t.name), attrs });
    const entry: TapeEntry = { op, inputs: inputs.filter((t): t is SymTensor => t !== null), outputs, vjp };
    for (const o of outputs) o.producer = entry;
    return outputs;
  }

  emit1(op: string, inputs: (SymTensor | null)[], attrs: Record<string, AttrValue>, out: EmitSpec, vjp?: Vjp): SymTensor {
    return this.emit(op, inputs, attrs, [out], vjp)[0];
  }

  /**
   * Makes `output` one tape entry computed from `inputs`, whatever ONNX nodes actually produce it:
   * `grad` then applies `vjp` instead of walking those nodes (used where the forward needs a
   * workaround whose own derivative would be wrong or imprecise, e.g. float64 Erf via float32).
   */
  retape(output: SymTensor, op: string, inputs: SymTensor[], vjp: Vjp): SymTensor {
    for (const t of [output, ...inputs]) if (t.graph !== this) throw new Error(`${op}: ${t.name} belongs to another graph`);
    output.producer = { op, inputs, outputs: [output], vjp };
    return output;
  }

  /** Exposes a tensor as a named graph output (through Identity, which ORT removes). */
  output(name: string, tensor: SymTensor): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`graph already has an output named '${name}'`);
    this.claim(name);
    this.nodes.push({ op: 'Identity', inputs: [tensor.name], outputs: [name], attrs: {} });
    this.outputs.push({ name, tensor: new SymTensor(this, name, tensor.dtype, tensor.shape) });
  }
}

export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
};

export type { Dim, Shape };
