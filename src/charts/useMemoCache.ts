import { useRef } from 'react';

/** Keys kept per object: enough for the values a chart asks of one run (one per head and setting), few enough that dragging a slider does not pile them up. */
const KEYS_PER_OBJECT = 16;

/**
 * A memo for values derived from large immutable objects (a run, a curve), for as long as
 * the object lives: across renders, a run that did not change (an opened file, a model
 * that did not step) is not recomputed. The objects are held weakly, so the memo forgets a
 * run when the page does. `key` names what is computed (head, smoothing, geometry).
 */
export function useMemoCache<K extends object, V>(): (object: K, key: string, compute: () => V) => V {
  const ref = useRef<WeakMap<K, Map<string, V>> | null>(null);
  ref.current ??= new WeakMap();
  const cache = ref.current;
  return (object, key, compute) => {
    let values = cache.get(object);
    if (!values) cache.set(object, (values = new Map()));
    if (values.has(key)) return values.get(key)!;
    const value = compute();
    if (values.size >= KEYS_PER_OBJECT) values.delete(values.keys().next().value!);
    values.set(key, value);
    return value;
  };
}
