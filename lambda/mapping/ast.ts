// The parsed form of a JMESPath expression: what parser.ts builds and interpreter.ts walks.
// One node type per construct of the specification's grammar; `current` stands for both `@`
// and the implicit "the value itself" on the right of a projection.
import type { FunctionSpec } from './functions.ts';

export type Comparator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';

export type Node =
  | { readonly type: 'current' }
  | { readonly type: 'field'; readonly name: string }
  | { readonly type: 'literal'; readonly value: unknown }
  /** `a.b.c`, `a | b`, `a[0]`: each child is evaluated on the result of the one before it. */
  | { readonly type: 'chain'; readonly children: readonly Node[] }
  | { readonly type: 'index'; readonly index: number }
  | { readonly type: 'slice'; readonly start: number | null; readonly stop: number | null; readonly step: number }
  /** `left[*].right`, `left[]...`, `left[0:2]...`: `right` applied to each element of the array `left` gives. */
  | { readonly type: 'projection'; readonly left: Node; readonly right: Node }
  /** `left.*.right`: `right` applied to each value of the object `left` gives. */
  | { readonly type: 'valueProjection'; readonly left: Node; readonly right: Node }
  /** `left[?condition].right`. */
  | { readonly type: 'filterProjection'; readonly left: Node; readonly condition: Node; readonly right: Node }
  | { readonly type: 'flatten'; readonly child: Node }
  | { readonly type: 'or'; readonly left: Node; readonly right: Node }
  | { readonly type: 'and'; readonly left: Node; readonly right: Node }
  | { readonly type: 'not'; readonly child: Node }
  | { readonly type: 'compare'; readonly op: Comparator; readonly left: Node; readonly right: Node }
  | { readonly type: 'list'; readonly children: readonly Node[] }
  | { readonly type: 'hash'; readonly keys: readonly string[]; readonly values: readonly Node[] }
  | { readonly type: 'call'; readonly name: string; readonly fn: FunctionSpec; readonly args: readonly Node[] }
  /** `&expression`: only ever an argument of a function that takes one (checked when parsed). */
  | { readonly type: 'expref'; readonly child: Node };

export const CURRENT: Node = { type: 'current' };
