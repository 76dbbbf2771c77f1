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
  if (seed && (!sameShape(seed.shape, y.shape) || seed.dtype !== y.dtype)) throw new GraphShapeError('grad', `seed ${seed} does not match ${y}`);

  for (const t of wrt) {
    if (t.graph !== g) throw new GraphShapeError('grad', `${t.name} belongs to another graph`);
    if (!isFloat(t.dtype)) throw new GraphShapeError('grad', `cannot differentiate with respect to ${t.dtype} value ${t}`);
  }

  const targets = new Set(wrt);
  const dependsOnWrt = dependencyOracle(targets);
  if (!dependsOnWrt(y)) throw new GraphShapeError('grad', `${y} does not depend differentiably on ${wrt.map(String).join(', ')}`);

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
    if (!gt) throw new GraphShapeError('grad', `${y} does not depend differentiably on ${t}`);
    return gt;
  });
}

/**
 * Memoised "does t reach a target through differentiable ops?". Iterative, because a deep model
 * (hundreds of layers of a few dozen ops) would overflow the call stack with recursion.
 */
function dependencyOracle(targets: Set<SymTensor>): (t: SymTensor) => boolean {
  const memo = new Map<SymTensor, boolean>();
  return (root) => {
    const stack: SymTensor[] = [root];
    while (stack.length) {
      const t = stack[stack.length - 1];
      if (memo.has(t)) { stack.pop(); continue; }
      if (targets.has(t)) { memo.set(t, true); stack.pop(); continue; }
      const p = t.producer;
      if (!p?.vjp) { memo.set(t, false); stack.pop(); continue; }
      const pending = p.inputs.filter((i) => !memo.has(i));
      if (pending.length) { stack.push(...pending); continue; }
      memo.set(t, p.inputs.some((i) => memo.get(i)));
      stack.pop();
    }
    return memo.get(root)!;
  };
}
