// A Pratt (top-down operator precedence) parser for JMESPath, with jmespath.py's binding powers,
// so expressions group exactly as the reference implementation groups them. It builds the AST
// (ast.ts) and checks what can be known without data: function names, argument counts, where an
// expression reference (&expr) may stand, a slice step of 0. Nothing is evaluated here.
//
// Two places where jmespath.py accepts more than the grammar, and this parser does not: a
// function's arguments and a multi-select hash's pairs must be separated by commas (jmespath.py
// reads `abs(a b)` as two arguments and `{a: x b: y}` as two pairs), and two numbers in a slice
// need a colon between them.
import { CURRENT, type Comparator, type Node } from './ast.ts';
import { FUNCTIONS } from './functions.ts';
import { SyntaxFault, tokenize, type Token, type TokenType } from './lexer.ts';

/** A refusal that is not a syntax error (an unknown function, a wrong argument count): its message is the reason. */
export class StaticFault extends Error {
  override name = 'StaticFault';
}

const BINDING_POWER: Record<TokenType, number> = {
  eof: 0,
  identifier: 0,
  quoted: 0,
  literal: 0,
  rbracket: 0,
  rparen: 0,
  comma: 0,
  rbrace: 0,
  number: 0,
  current: 0,
  expref: 0,
  colon: 0,
  pipe: 1,
  or: 2,
  and: 3,
  eq: 5,
  ne: 5,
  lt: 5,
  lte: 5,
  gt: 5,
  gte: 5,
  flatten: 9,
  star: 20,
  filter: 21,
  dot: 40,
  not: 45,
  lbrace: 50,
  lbracket: 55,
  lparen: 60,
};
/** Tokens binding less than this end a projection's right-hand side. */
const PROJECTION_STOP = 10;

const COMPARATORS: ReadonlySet<TokenType> = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte']);

/** `a` then `b` on its result, flattening nested chains; `@` on either side changes nothing. */
function chain(a: Node, b: Node): Node {
  if (a.type === 'current') return b;
  if (b.type === 'current') return a;
  const left = a.type === 'chain' ? a.children : [a];
  const right = b.type === 'chain' ? b.children : [b];
  return { type: 'chain', children: [...left, ...right] };
}

class Parser {
  private position = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private type(ahead = 0): TokenType {
    return (this.tokens[this.position + ahead] ?? (this.tokens.at(-1) as Token)).type;
  }
  private token(): Token {
    return this.tokens[this.position] as Token;
  }
  private fail(token: Token, message: string): never {
    throw new SyntaxFault(token.start, message);
  }
  private expect(type: TokenType): Token {
    const token = this.token();
    if (token.type !== type) this.fail(token, `expected ${type}`);
    this.position++;
    return token;
  }

  parse(): Node {
    const node = this.expression(0);
    if (this.type() !== 'eof') this.fail(this.token(), 'unexpected token');
    return node;
  }

  private expression(power: number): Node {
    const token = this.token();
    this.position++;
    let left = this.nud(token);
    while (power < BINDING_POWER[this.type()]) {
      const next = this.token();
      this.position++;
      left = this.led(next, left);
    }
    return left;
  }

  private nud(token: Token): Node {
    switch (token.type) {
      case 'literal':
        return { type: 'literal', value: token.value };
      case 'identifier':
        return { type: 'field', name: token.value as string };
      case 'quoted':
        if (this.type() === 'lparen') this.fail(this.token(), 'a quoted name cannot be a function');
        return { type: 'field', name: token.value as string };
      case 'star': {
        const right = this.type() === 'rbracket' ? CURRENT : this.projectionRhs(BINDING_POWER.star);
        return { type: 'valueProjection', left: CURRENT, right };
      }
      case 'filter':
        return this.filter(CURRENT);
      case 'lbrace':
        return this.hash();
      case 'lparen': {
        const inner = this.expression(0);
        this.expect('rparen');
        return inner;
      }
      case 'flatten':
        return { type: 'projection', left: { type: 'flatten', child: CURRENT }, right: this.projectionRhs(BINDING_POWER.flatten) };
      case 'not':
        return { type: 'not', child: this.expression(BINDING_POWER.not) };
      case 'lbracket':
        if (this.type() === 'number' || this.type() === 'colon') return this.projectIfSlice(CURRENT, this.indexOrSlice());
        if (this.type() === 'star' && this.type(1) === 'rbracket') {
          this.position += 2;
          return { type: 'projection', left: CURRENT, right: this.projectionRhs(BINDING_POWER.star) };
        }
        return this.list();
      case 'current':
        return CURRENT;
      case 'expref':
        return { type: 'expref', child: this.expression(BINDING_POWER.expref) };
      case 'eof':
        return this.fail(token, 'incomplete expression');
      default:
        return this.fail(token, 'unexpected token');
    }
  }

  private led(token: Token, left: Node): Node {
    switch (token.type) {
      case 'dot':
        if (this.type() === 'star') {
          this.position++;
          return { type: 'valueProjection', left, right: this.projectionRhs(BINDING_POWER.dot) };
        }
        return chain(left, this.dotRhs(BINDING_POWER.dot));
      case 'pipe':
        return chain(left, this.expression(BINDING_POWER.pipe));
      case 'or':
        return { type: 'or', left, right: this.expression(BINDING_POWER.or) };
      case 'and':
        return { type: 'and', left, right: this.expression(BINDING_POWER.and) };
      case 'lparen':
        return this.call(token, left);
      case 'filter':
        return this.filter(left);
      case 'flatten':
        return { type: 'projection', left: { type: 'flatten', child: left }, right: this.projectionRhs(BINDING_POWER.flatten) };
      case 'lbracket':
        if (this.type() === 'number' || this.type() === 'colon') return this.projectIfSlice(left, this.indexOrSlice());
        this.expect('star');
        this.expect('rbracket');
        return { type: 'projection', left, right: this.projectionRhs(BINDING_POWER.star) };
      default:
        if (COMPARATORS.has(token.type)) {
          const op = token.type as Comparator;
          return { type: 'compare', op, left, right: this.expression(BINDING_POWER[op]) };
        }
        return this.fail(token, 'unexpected token');
    }
  }

  private call(paren: Token, left: Node): Node {
    const nameToken = this.tokens[this.position - 2] as Token;
    if (left.type !== 'field' || nameToken.type !== 'identifier') this.fail(paren, 'only a name can be called');
    const args: Node[] = [];
    if (this.type() === 'rparen') this.position++;
    else {
      for (;;) {
        args.push(this.expression(0));
        if (this.type() === 'comma') {
          this.position++;
          continue;
        }
        this.expect('rparen');
        break;
      }
    }
    const name = left.name;
    const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!fn) throw new StaticFault(`unknown function ${name}()`);
    if (args.length < fn.arity[0] || args.length > fn.arity[1]) throw new StaticFault('wrong number of arguments to a function');
    args.forEach((arg, i) => {
      const wantsExpref = fn.exprefs.includes(i);
      if (wantsExpref && arg.type !== 'expref') throw new StaticFault(`argument ${i + 1} of ${name}() must be an expression reference (&...)`);
      if (!wantsExpref && arg.type === 'expref') throw new StaticFault(`argument ${i + 1} of ${name}() cannot be an expression reference (&...)`);
    });
    return { type: 'call', name, fn, args };
  }

  private filter(left: Node): Node {
    const condition = this.expression(0);
    this.expect('rbracket');
    const right = this.type() === 'flatten' ? CURRENT : this.projectionRhs(BINDING_POWER.filter);
    return { type: 'filterProjection', left, condition, right };
  }

  /** After `[`: `n]` or a slice `a:b:c]`. */
  private indexOrSlice(): Node {
    if (this.type() !== 'colon' && this.type(1) !== 'colon') {
      const index = this.expect('number').value as number;
      this.expect('rbracket');
      return { type: 'index', index };
    }
    const parts: (number | null)[] = [null, null, null];
    let part = 0;
    let afterNumber = false;
    while (this.type() !== 'rbracket') {
      const token = this.token();
      if (token.type === 'colon') {
        part++;
        if (part === 3) this.fail(token, 'a slice has at most three parts');
        afterNumber = false;
      } else if (token.type === 'number' && !afterNumber) {
        parts[part] = token.value as number;
        afterNumber = true;
      } else {
        this.fail(token, 'unexpected token in a slice');
      }
      this.position++;
    }
    this.expect('rbracket');
    const [start = null, stop = null, step = null] = parts;
    if (step === 0) throw new StaticFault('slice step cannot be 0');
    return { type: 'slice', start, stop, step: step ?? 1 };
  }

  /** `left[n]` is an index; `left[a:b]` projects what follows over the slice. */
  private projectIfSlice(left: Node, right: Node): Node {
    const indexed = chain(left, right);
    return right.type === 'slice' ? { type: 'projection', left: indexed, right: this.projectionRhs(BINDING_POWER.star) } : indexed;
  }

  private projectionRhs(power: number): Node {
    const type = this.type();
    if (BINDING_POWER[type] < PROJECTION_STOP) return CURRENT;
    if (type === 'lbracket' || type === 'filter') return this.expression(power);
    if (type === 'dot') {
      this.position++;
      return this.dotRhs(power);
    }
    return this.fail(this.token(), 'unexpected token after a projection');
  }

  private dotRhs(power: number): Node {
    const type = this.type();
    if (type === 'identifier' || type === 'quoted' || type === 'star') return this.expression(power);
    if (type === 'lbracket') {
      this.position++;
      return this.list();
    }
    if (type === 'lbrace') {
      this.position++;
      return this.hash();
    }
    return this.fail(this.token(), 'expected a name, [ or { after .');
  }

  private list(): Node {
    const children: Node[] = [];
    for (;;) {
      children.push(this.expression(0));
      if (this.type() === 'rbracket') break;
      this.expect('comma');
    }
    this.expect('rbracket');
    return { type: 'list', children };
  }

  private hash(): Node {
    const keys: string[] = [];
    const values: Node[] = [];
    for (;;) {
      const key = this.token();
      if (key.type !== 'identifier' && key.type !== 'quoted') this.fail(key, 'expected a key');
      this.position++;
      this.expect('colon');
      keys.push(key.value as string);
      values.push(this.expression(0));
      if (this.type() === 'comma') {
        this.position++;
        continue;
      }
      this.expect('rbrace');
      break;
    }
    return { type: 'hash', keys, values };
  }
}

/** Parses an expression (or its tokens, when the caller has them already); throws SyntaxFault or StaticFault. */
export function parse(source: string, tokens: Token[] = tokenize(source)): Node {
  if (source.trim() === '') throw new SyntaxFault(0, 'empty expression');
  return new Parser(tokens).parse();
}
