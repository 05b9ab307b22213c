// The differential table of the mapping engine: our own expressions × inputs (exact numbers,
// -0, mixed-type sorts, JavaScript built-in names, astral characters, every spec area), whose
// expected results come from jmespath.py 1.0.1, the reference implementation (Debian's
// python3-jmespath). Writes test/fixtures/jmespath-differential.json, which
// test/lambda/unit/jmespath-differential.test.ts compares the engine with.
//
//   node scripts/jmespath-differential.ts      (skips, exit 0, when python3-jmespath is missing)
//
// Inputs are JSON texts: Python reads them with json.loads (integers exact, other numbers as
// doubles), the engine with parseLossless (numbers a double cannot hold kept as written).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

const OUT = new URL('../test/fixtures/jmespath-differential.json', import.meta.url);

export const INPUTS: Record<string, string> = {
  exact: '{"vals":[12345678901234567890,3,-7],"big":9007199254740993,"neg":-9007199254740993,"zero":0,"negzero":-0,"huge":1e400,"nhuge":-1e400,"long":0.1000000000000000055511151231257827,"tiny":1e-400,"half":2.5,"ints":[9007199254740993,1],"two53":[9007199254740992,1],"same":[12345678901234567890,12345678901234567890],"rows":[{"id":12345678901234567891,"n":"b"},{"id":12345678901234567890,"n":"a"},{"id":-0,"n":"z"}],"s":"12345678901234567890","sd":"0.1000000000000000055511151231257827","sneg":"-0"}',
  numbers: '{"a":[1,2.5,-3,0,10],"f":[0.1,0.2,0.3],"i":[1,2,3,4],"e":[],"mixed":[1,"a",2],"strs":["b","a","c"],"bools":[true,false],"objs":[{"k":2},{"k":1},{"k":"x"}],"nested":[[1,2],[3,[4,5]],6,null,[]],"n":-1.5,"one":1,"t":true,"f0":false}',
  builtins: '{"constructor":1,"toString":"two","__proto__":{"a":3},"hasOwnProperty":[4],"valueOf":null,"plain":{"x":1},"list":[{"constructor":"c1"},{"toString":"t2"},{"__proto__":"p3"},{}]}',
  text: '{"astral":"a😀b","bmp":"\\ue000","emoji":"😀","mix":["😀","\\ue000","a","Z","é"],"empty":"","words":["foo","bar","baz"],"name":"Str","path":"c:\\\\dir"}',
  people: '{"people":[{"name":"b","age":30,"tags":["x","y"]},{"name":"a","age":20,"tags":[]},{"name":"c","age":30,"tags":["z"]},{"name":"d","tags":null}],"meta":{"count":4,"kind":"people"}}',
  nested: '{"a":{"b":{"c":[{"d":1},{"d":2},{"e":3}]}},"m":[[["x"]],[["y","z"]]],"o":{"k1":{"v":1},"k2":{"v":2},"k3":{"w":3}},"nul":null,"list":[0,1,2,3,4,5,6,7,8,9]}',
  top: '[{"a":1},{"a":2},{"b":3},[4,5],"s",null]',
  scalar: '"just a string"',
};

/** [input name, expressions] in groups by area; every expression runs on its input. */
export const GROUPS: [string, string[]][] = [
  // Exact numbers: carried, compared, sorted, computed.
  [
    'exact',
    [
      'vals',
      '{top: max(vals)}',
      'min(vals)',
      'sort(vals)',
      'reverse(sort(vals))',
      'max(same)',
      'type(big)',
      'type(huge)',
      'to_number(big)',
      'to_number(s)',
      'to_number(sd)',
      'to_number(sneg)',
      'to_string(big)',
      'to_string(vals)',
      'to_string(negzero)',
      'abs(neg)',
      'abs(negzero)',
      'ceil(big)',
      'floor(neg)',
      'ceil(half)',
      'floor(long)',
      'ceil(long)',
      'ceil(tiny)',
      'sum(vals)',
      'sum(ints)',
      'sum(two53)',
      'sum(same)',
      'avg(ints)',
      'avg(same)',
      'avg(vals)',
      'big == `9007199254740993`',
      'big == `9007199254740992`',
      'big > `9007199254740992`',
      'neg < `-9007199254740992`',
      'negzero == zero',
      'negzero == `0`',
      'negzero != zero',
      'negzero < zero',
      'negzero >= zero',
      'vals[0] == same[1]',
      'vals[0] > `12345678901234567889`',
      'vals[?@ > `3`]',
      'rows[?id > `12345678901234567890`].n',
      'rows[?id == `0`].n',
      'sort_by(rows, &id)[].n',
      'max_by(rows, &id).n',
      'min_by(rows, &id).n',
      'contains(vals, `12345678901234567890`)',
      'contains(vals, `12345678901234567891`)',
      'contains(same, big)',
      'rows[*].id',
      '[big, neg, negzero]',
      '{n: negzero, h: huge}',
      'huge',
      'nhuge',
      'long',
      'length(vals)',
      'not_null(missing, big)',
      'to_array(big)',
      '`12345678901234567890`',
      '`12345678901234567890` == vals[0]',
      'max([`12345678901234567890`, `12345678901234567891`])',
      'sum([`12345678901234567890`, `1`])',
      'ceil(`1.5`)',
      'floor(`-1.5`)',
      'abs(`-0`)',
      'to_number(`"-12345678901234567890"`)',
    ],
  ],
  // Numbers and arrays in general; mixed-type sorts are errors.
  [
    'numbers',
    [
      'sum(a)',
      'avg(a)',
      'avg(i)',
      'sum(f)',
      'avg(e)',
      'sum(e)',
      'max(e)',
      'min(strs)',
      'max(strs)',
      'sort(strs)',
      'sort(a)',
      'sort(mixed)',
      'sort(bools)',
      'max(mixed)',
      'min(mixed)',
      'sort_by(objs, &k)',
      'max_by(objs, &k)',
      'min_by(objs, &k)',
      'sort_by(a, &@)',
      'sort_by(mixed, &@)',
      'sort_by(e, &@)',
      'max_by(e, &@)',
      'abs(n)',
      'ceil(n)',
      'floor(n)',
      'abs(t)',
      'sum(mixed)',
      'avg(strs)',
      'nested[]',
      'nested[][]',
      'nested[*]',
      'nested[0][1]',
      'a[1:3]',
      'a[::-1]',
      'a[-2:]',
      'a[:-2:2]',
      'a[10:]',
      'a[5:1:-2]',
      'a[?@ > `0`]',
      'a[?@ >= `2.5`]',
      'a[?@ == `0`]',
      'strs[?@ > `"a"`]',
      'a[?@ > `"a"`]',
      '`1` < `"a"`',
      'one < t',
      't == `true`',
      'one == t',
      'f0 == `0`',
      'contains(bools, `0`)',
      'contains(a, `2.5`)',
      'contains(strs, `"a"`)',
      'contains(`"abc"`, `"b"`)',
      'contains(`"abc"`, `1`)',
      'length(a)',
      'length(one)',
      'to_string(a)',
      'to_string(one)',
      'to_number(`"1e3"`)',
      'to_number(`" 42"`)',
      'to_number(`"0x10"`)',
      'to_number(`"1_000"`)',
      'to_number(t)',
      'to_array(nested)',
      'reverse(a)',
      'join(`", "`, strs)',
      'join(`", "`, a)',
      'map(&@, a)',
      'map(&k, objs)',
      'map(&to_string(@), i)',
      '!one',
      '!f0',
      '!e',
      'e || one',
      'one && e',
      'f0 || `null` || `"x"`',
      'not_null(missing, `null`, e, one)',
      '[one, missing]',
      'missing.[a, b]',
      'missing.{a: a}',
      '@.one',
    ],
  ],
  // Fields named like JavaScript built-ins are ordinary fields.
  [
    'builtins',
    [
      'constructor',
      'toString',
      '__proto__',
      '__proto__.a',
      'hasOwnProperty',
      'valueOf',
      'plain.constructor',
      'plain.toString',
      'plain.__proto__',
      'plain.hasOwnProperty',
      'list[*].constructor',
      'list[*].toString',
      'list[*].__proto__',
      'list[*].valueOf',
      'keys(@)',
      'length(@)',
      '{__proto__: plain, constructor: constructor}',
      '{__proto__: plain}.__proto__.x',
      'merge(plain, {__proto__: `1`})',
      'merge(@, plain).__proto__',
      'values({toString: `1`, valueOf: `2`})',
      'list[?constructor].constructor',
      'list[?__proto__ == `"p3"`]',
      '"__proto__"',
      '"constructor".x',
      'to_string({__proto__: `1`})',
      'contains(keys(@), `"__proto__"`)',
    ],
  ],
  // Strings by code point.
  [
    'text',
    [
      'length(astral)',
      'length(emoji)',
      'reverse(astral)',
      'sort(mix)',
      'max(mix)',
      'min(mix)',
      'bmp < emoji',
      'emoji > bmp',
      'starts_with(astral, `"a"`)',
      'ends_with(astral, `"b"`)',
      'contains(astral, emoji)',
      'contains(mix, `"é"`)',
      'sort_by(mix, &@)',
      'max_by(mix, &@)',
      'join(`"-"`, words)',
      'join(`""`, mix)',
      'length(empty)',
      'reverse(empty)',
      'starts_with(name, `"S"`)',
      'starts_with(name, `"s"`)',
      'ends_with(name, empty)',
      'to_string(name)',
      'to_string(mix)',
      'to_number(name)',
      'path',
      "'raw \\' quote'",
      "'back\\\\slash'",
      '`"json \\u00e9"`',
      '`legacy literal`',
      'words[?starts_with(@, `"b"`)]',
      'sort(words) | [0]',
    ],
  ],
  // Projections, filters, functions over objects.
  [
    'people',
    [
      'people[*].name',
      'people[].age',
      'people[?age > `25`].name',
      'people[?age == `30`] | [0].name',
      'people[?!tags].name',
      'people[?tags].name',
      'people[?age].name',
      'sort_by(people, &name)[].name',
      'sort_by(people[?age], &age)[].name',
      'sort_by(people, &age)',
      'max_by(people[?age], &age).name',
      'min_by(people[?age], &age).name',
      'max_by(people, &age)',
      'people[*].tags[]',
      'people[*].tags[0]',
      'people[].[name, age]',
      'people[].{n: name, a: age}',
      'people | length(@)',
      'people[0:2].name',
      'people[-1].name',
      'meta.*',
      'keys(meta)',
      'values(meta)',
      'merge(meta, {count: `5`})',
      'people[?age > `20` && age < `40`].name',
      'people[?age < `25` || name == `"d"`].name',
      'people[?contains(tags || `[]`, `"z"`)].name',
      'map(&age, people)',
      'map(&name, people) | join(`","`, @)',
      'to_string(meta)',
      '{total: length(people), names: people[].name, first: people[0]}',
      'people[*].age | sum(@)',
      'people[?age].age | avg(@)',
      'length(people[?tags == `[]`])',
      'people[?tags == `[]`].name',
      'type(people[0].tags)',
      'type(meta)',
      'type(people[3].tags)',
      'type(@)',
    ],
  ],
  // Sub-expressions, flatten, pipes, multi-selects, literals.
  [
    'nested',
    [
      'a.b.c[*].d',
      'a.b.c[].d',
      'a.b.c[*].e',
      'a.b.c[1:].d',
      'a.b.c[0:1][0]',
      'a.b.c | [0]',
      'a.b.c[?d > `1`].d',
      'm[]',
      'm[][]',
      'm[*][0]',
      'm[*][*][0]',
      'o.*.v',
      'o.* | [0]',
      'o.*.v | sum(@)',
      'nul.x',
      'nul[0]',
      'nul[*]',
      'nul.*',
      'nul[]',
      'nul | [@]',
      '[nul]',
      '{x: nul}',
      'list[::3]',
      'list[::-3]',
      'list[-3:-1]',
      'list[100:]',
      'list[-100:2]',
      'list[8:2:-2]',
      'list[?@ > `5`] | [0]',
      'list | [1:3]',
      '[list[0], list[-1]]',
      '{a: list[0], b: {c: list[1]}}',
      'a.b.c[0].d.e.f',
      '`[1, 2]`[0]',
      '`{"k": [1]}`.k[0]',
      '[`1`, `"x"`, `null`, `true`]',
      'length(`[1, 2, 3]`)',
      'a.*.c',
      '*.b',
      '*',
      'a.b.c[-1]',
      'o.k1 || o.k2',
      'o.missing || o.k2',
      'o.k1 && o.k2',
      '!o.missing',
      '(o.k1).v',
      'm[0][0][0]',
      'm[*][*]',
      'a.b.c[0:2][0:1]',
      'list[0:3][1:].x',
      '`[0]` == `[false]`',
      '`{"k": 0}` == `{"k": false}`',
      '{x: list[0] y: list[1]}',
      'not_null(nul list)',
      'm[1][0][1:]',
    ],
  ],
  // A root that is not an object.
  ['top', ['[*].a', '[].a', '[?a].a', '[0]', '[-1]', '[3][1]', 'length(@)', '[*]', '[]', '[?@ == `"s"`]', 'to_string(@)', '@[4]']],
  ['scalar', ['@', 'length(@)', 'reverse(@)', '[0]', 'foo', '*', '[*]', 'to_array(@)', 'type(@)', 'contains(@, `"str"`)', '{v: @}', '[@, @]']],
];

const PYTHON = String.raw`
import json, math, sys
import jmespath
def encode(value):
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return {"$nonfinite": repr(value)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value
cases = json.load(sys.stdin)
out = []
for case in cases:
    data = json.loads(case["input"])
    try:
        result = jmespath.search(case["expression"], data)
        out.append({"result": json.dumps(encode(result), ensure_ascii=False)})
    except Exception as error:
        out.append({"error": type(error).__name__})
print(json.dumps({"version": jmespath.__version__, "results": out}))
`;

function findPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    const probe = spawnSync(python, ['-c', 'import jmespath; print(jmespath.__version__)'], { encoding: 'utf8' });
    if (probe.status === 0 && probe.stdout.trim() === '1.0.1') return python;
  }
  return undefined;
}

if (import.meta.main) {
  const python = findPython();
  if (!python) {
    console.log('skipped: no python3 with jmespath 1.0.1 (apt-get install -y python3-jmespath)');
    process.exit(0);
  }
  const cases = GROUPS.flatMap(([input, expressions]) => expressions.map((expression) => ({ input, expression })));
  const run = spawnSync(python, ['-c', PYTHON], { input: JSON.stringify(cases.map((c) => ({ input: INPUTS[c.input], expression: c.expression }))), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const { version, results } = JSON.parse(run.stdout) as { version: string; results: ({ result: string } | { error: string })[] };
  const fixture = {
    generatedBy: 'scripts/jmespath-differential.ts',
    reference: `jmespath.py ${version} (Debian python3-jmespath)`,
    inputs: INPUTS,
    cases: cases.map((c, i) => ({ ...c, ...results[i] })),
  };
  writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`wrote ${cases.length} cases to ${OUT.pathname}`);
}
