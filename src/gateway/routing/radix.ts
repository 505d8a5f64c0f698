
// A radix (compressed prefix) tree over path characters. Every inserted key ends at a node, so a
// walk down a request path passes exactly the nodes whose key is a prefix of the path. Nodes carry
// two ordered payload lists: `prefix` (routes whose prefix is the node's key) and `exact` (routes
// whose whole path is the key — used by the case-insensitive tree, where a hash map cannot be
// keyed without lower-casing every request path). A folding tree stores lower-cased keys and
// lower-cases request characters as it walks, so lookups never allocate.

export class RadixNode<T> {
  /** Edge label from the parent (empty for the root). */
  label: string;
  /** Children's first label characters, ascending (parallel to `nodes`); a sorted array beats a Map at path fan-outs. */
  keys: number[] = [];
  nodes: RadixNode<T>[] = [];
  prefix: T[] | undefined = undefined;
  exact: T[] | undefined = undefined;
  constructor(label: string) {
    this.label = label;
  }

  /** The child whose label starts with char code `c`. */
  child(c: number): RadixNode<T> | undefined {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    if (hi <= 8) {
      for (; lo < hi; lo++) if (keys[lo] === c) return this.nodes[lo];
      return undefined;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid]!;
      if (k === c) return this.nodes[mid];
      if (k < c) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  setChild(c: number, n: RadixNode<T>): void {
    const keys = this.keys;
    let i = 0;
    while (i < keys.length && keys[i]! < c) i++;
    if (keys[i] === c) this.nodes[i] = n;
    else {
      keys.splice(i, 0, c);
      this.nodes.splice(i, 0, n);
    }
  }
}

export class RadixTree<T> {
  readonly root = new RadixNode<T>('');
  size = 0;
  constructor(readonly fold: boolean) {}

  /** The node for `key` (created, splitting edges as needed). `key` must already be folded for a folding tree. */
  node(key: string): RadixNode<T> {
    let n = this.root;
    let pos = 0;
    while (pos < key.length) {
      const c = key.charCodeAt(pos);
      const child = n.child(c);
      if (!child) {
        const leaf = new RadixNode<T>(key.slice(pos));
        n.setChild(c, leaf);
        return leaf;
      }
      const label = child.label;
      let i = 1;
      while (i < label.length && pos + i < key.length && label.charCodeAt(i) === key.charCodeAt(pos + i)) i++;
      if (i === label.length) {
        n = child;
        pos += i;
        continue;
      }
      // Split `child` at i: n → mid(label[0,i)) → child(label[i..]).
      const mid = new RadixNode<T>(label.slice(0, i));
      child.label = label.slice(i);
      mid.setChild(child.label.charCodeAt(0), child);
      n.setChild(c, mid);
      n = mid;
      pos += i;
    }
    return n;
  }

  addPrefix(key: string, v: T): void {
    (this.node(key).prefix ??= []).push(v);
    this.size++;
  }

  addExact(key: string, v: T): void {
    (this.node(key).exact ??= []).push(v);
    this.size++;
  }
}
