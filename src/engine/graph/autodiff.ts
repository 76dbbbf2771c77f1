/**
 * Reverse-mode differentiation over the recorded tape. The backward pass is appended to the same
 * graph as ordinary ONNX nodes, so forward and backward run in one session.
 */
import { SymTensor, TapeEntry } from './graph';
import { isFloat } from './dtype';
import { add } from './ops/elementwise';
import { expandAs } from './ops/reduce';
import { GraphShapeError, fmt, sameShape } from './shape';

/**
 * Gradients of sum(y · seed) with respect to each tensor in `wrt` (seed defaults to ones, so a
 * batch of independent per-example values gives per-example gradients in one pass).
 */
export function grad(y: SymTensor, wrt: SymTensor[], seed?: SymTensor): SymTensor[] {
  const g = y.graph;
  if (!isFloat(y.dtype)) throw new GraphShapeError('grad', `cannot differentiate ${y.dtype} value ${y.name}`);
  if (seed && !sameShape(seed.shape, y.shape)) throw new GraphShapeError('grad', `seed ${fmt(seed.shape)} does not match ${fmt(y.shape)}`);

  const targets = new Set(wrt);
  const depends = new Map<SymTensor, boolean>();
  const dependsOnWrt = (t: SymTensor): boolean => {
    if (targets.has(t)) return true;
    const cached = depends.get(t);
    if (cached !== undefined) return cached;
    depends.set(t, false); // cycles cannot occur; this only guards deep re-entry
    const d = !!t.producer?.vjp && t.producer.inputs.some(dependsOnWrt);
    depends.set(t, d);
    return d;
  };
  if (!dependsOnWrt(y)) throw new GraphShapeError('grad', `${y.name} does not depend differentiably on ${wrt.map((t) => t.name).join(', ')}`);

  // Post-order DFS gives a topological order of the entries between wrt and y.
  const order: TapeEntry[] = [];
  const seen = new Set<TapeEntry>();
  const stack: { e: TapeEntry; i: number }[] = [];
  const visit = (root: TapeEntry) => {
    if (seen.has(root)) return;
    seen.add(root);
    stack.push({ e: root, i: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i < top.e.inputs.length) {
        const inp = top.e.inputs[top.i++];
        const p = inp.producer;
        if (p && !seen.has(p) && !targets.has(inp) && dependsOnWrt(inp)) {
          seen.add(p);
          stack.push({ e: p, i: 0 });
        }
      } else {
        order.push(top.e);
        stack.pop();
      }
    }
  };
  if (y.producer && !targets.has(y)) visit(y.producer);

  const grads = new Map<SymTensor, SymTensor>();
  const accumulate = (t: SymTensor, gt: SymTensor) => {
    if (!sameShape(gt.shape, t.shape)) {
      throw new GraphShapeError('grad', `internal: gradient ${fmt(gt.shape)} for ${t} from ${t.producer?.op ?? 'input'}`);
    }
    const prev = grads.get(t);
    grads.set(t, prev ? add(prev, gt) : gt);
  };
  accumulate(y, seed ?? (y.rank === 0 ? g.scalar(1, y.dtype) : expandAs(g.scalar(1, y.dtype), y)));

  for (let i = order.length - 1; i >= 0; i--) {
    const e = order[i];
    const gOut = e.outputs.map((o) => grads.get(o) ?? null);
    if (gOut.every((x) => x === null) || !e.vjp) continue;
    const gIn = e.vjp(gOut, e);
    e.inputs.forEach((inp, j) => {
      const gi = gIn[j];
      if (gi && isFloat(inp.dtype) && dependsOnWrt(inp)) accumulate(inp, gi);
    });
  }
  return wrt.map((t) => {
    const gt = grads.get(t);
    if (!gt) throw new GraphShapeError('grad', `${y.name} does not depend on ${t.name}`);
    return gt;
  });
}
