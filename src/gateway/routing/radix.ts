
// A radix (compressed prefix) tree over path characters. Every inserted key ends at a node, so a
// walk down a request path passes exactly the nodes whose key is a prefix of the path. Nodes carry
// two ordered payload lists: `prefix` (routes whose prefix is the node's key) and `exact` (routes
// whose whole path is the key — used by the case-insensitive tree, where a hash map cannot be
// keyed without lower-casing every request path). A folding tree stores lower-cased keys and
// lower-cases request characters as it walks, so lookups never allocate.

export class RadixNode<T> {
  /** Edge label from the parent (empty for the root). */
  label: string;
  children: Map<number, RadixNode<T>> | undefined = undefined;
  prefix: T[] | undefined = undefined;
  exact: T[] | undefined = undefined;
  constructor(label: string) {
    this.label = label;
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
      const child = n.children?.get(c);
      if (!child) {
        const leaf = new RadixNode<T>(key.slice(pos));
        (n.children ??= new Map()).set(c, leaf);
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
      mid.children = new Map([[child.label.charCodeAt(0), child]]);
      n.children!.set(c, mid);
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
