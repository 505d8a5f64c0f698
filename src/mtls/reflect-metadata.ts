// @peculiar/x509 resolves its algorithm providers through tsyringe, which refuses to load unless a
// `Reflect.getMetadata` polyfill is present. x509 never relies on emitted decorator metadata (its
// classes take no constructor parameters), so a minimal metadata store is enough; installing it
// here keeps the dependency list at x509 alone. This module must be evaluated before x509 — only
// ./x509.ts imports it, first. https://github.com/microsoft/tsyringe#installation

type Target = object;
interface ReflectWithMetadata {
  getMetadata?: (key: unknown, target: Target) => unknown;
  getOwnMetadata?: (key: unknown, target: Target) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: Target) => void;
}

const R = Reflect as unknown as ReflectWithMetadata;
if (typeof R.getMetadata !== 'function') {
  const store = new WeakMap<Target, Map<unknown, unknown>>();
  const own = (key: unknown, target: Target) => store.get(target)?.get(key);
  R.getOwnMetadata = own;
  R.getMetadata = (key, target) => {
    // Walks the prototype chain, as reflect-metadata's getMetadata does.
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const v = own(key, t);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  R.defineMetadata = (key, value, target) => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
}

export {};
