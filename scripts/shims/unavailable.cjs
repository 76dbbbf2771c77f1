// Stands in for optional heavy modules that @huggingface/transformers imports at load time but
// Reverie never uses (sharp for images, onnxruntime-web for browsers): touching it explains why.
module.exports = new Proxy({}, {
  get(_, key) {
    if (key === '__esModule' || key === 'then' || typeof key === 'symbol') return undefined;
    throw new Error(`'${String(key)}' of an image/web runtime module was used, but Reverie bundles tokenizers only`);
  },
});
