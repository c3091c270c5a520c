import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as vm from 'node:vm';

/** The file CloudFront runs, loaded as it loads it: a script with a global `handler`, no modules. */
const FUNCTION_FILE = path.join(__dirname, '..', 'edge', 'viewer-request.js');
const SOURCE = readFileSync(FUNCTION_FILE, 'utf8');
const handler = vm.runInNewContext(`${SOURCE}\n;handler`, {}, { filename: FUNCTION_FILE }) as (
  event: ViewerEvent,
) => unknown;

const CORPUS_FILE = path.join(__dirname, '..', '..', 'tests', 'corpus', 'hostile.txt');

const FACTORIAL_PATH = '/api/v1/factorial';
const SUMMARY_PATH = '/api/v1/factorial/summary';

interface Header {
  value: string;
  multiValue?: { value: string }[];
}

interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, Header> | string;
  headers: Record<string, Header>;
  cookies: Record<string, Header>;
  rawQueryString(): string | undefined;
}

interface ViewerEvent {
  version: '1.0';
  context: { eventType: 'viewer-request' };
  viewer: { ip: string };
  request: ViewerRequest;
}

interface FunctionResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, Header>;
  body: string;
}

/** Header fields as CloudFront gives them: lower-case names, one field per name, `multiValue` when repeated. */
function headerFields(headers: readonly (readonly [string, string])[]): Record<string, Header> {
  const values = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const seen = values.get(key);
    if (seen === undefined) {
      values.set(key, [value]);
    } else {
      seen.push(value);
    }
  }
  const fields: Record<string, Header> = {};
  for (const [name, all] of values) {
    fields[name] =
      all.length === 1 ? { value: all[0] } : { value: all[0], multiValue: all.map((value) => ({ value })) };
  }
  return fields;
}

/**
 * The event of a viewer request for an origin-form `target`. The fragment is
 * dropped, as the component's hosts drop it; `querystring` is CloudFront's
 * parsed form, which the function must not rely on.
 */
function viewerEvent(
  method: string,
  target: string,
  headers: readonly (readonly [string, string])[] = [],
): ViewerEvent {
  const sent = target.split('#')[0];
  const question = sent.indexOf('?');
  const uri = question < 0 ? sent : sent.slice(0, question);
  const raw = question < 0 ? undefined : sent.slice(question + 1);
  const querystring: Record<string, Header> = {};
  for (const [name, value] of new URLSearchParams(raw ?? '')) {
    const field = querystring[name];
    if (field === undefined) {
      querystring[name] = { value };
    } else {
      field.multiValue ??= [{ value: field.value }];
      field.multiValue.push({ value });
    }
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.11' },
    request: { method, uri, querystring, headers: headerFields(headers), cookies: {}, rawQueryString: () => raw },
  };
}

/** The function's answer, as plain data of this realm (it builds its objects in its own). */
function run(event: ViewerEvent): ViewerRequest | FunctionResponse {
  return JSON.parse(JSON.stringify(handler(event)));
}

/** The request the function sends on; fails when it answers instead. */
function forwarded(method: string, target: string, headers: readonly (readonly [string, string])[] = []) {
  const result = run(viewerEvent(method, target, headers));
  assert.ok(!('statusCode' in result), `${method} ${target} was answered, not sent on`);
  assert.equal(typeof result.querystring, 'string', `${method} ${target}: the query is not replaced by a string`);
  return { query: result.querystring as string, headers: result.headers };
}

/** The function's own answer; fails when it sends the request on. */
function answered(method: string, target: string): FunctionResponse {
  const result = run(viewerEvent(method, target));
  assert.ok('statusCode' in result, `${method} ${target} was sent on, not answered`);
  return result;
}

/** The one `Accept` value the function sends on /api/v1/factorial. */
function acceptSent(accept: string | readonly string[] | undefined): string {
  const lines = accept === undefined ? [] : typeof accept === 'string' ? [accept] : accept;
  const { headers } = forwarded('GET', `${FACTORIAL_PATH}?number=5`, [
    ['host', 'factorial.example.com'],
    ...lines.map((line) => ['accept', line] as const),
  ]);
  const header = headers.accept;
  assert.ok(header !== undefined, 'no accept header sent on');
  if (header.multiValue !== undefined) {
    assert.deepEqual(header.multiValue, [{ value: header.value }], 'several accept lines sent on');
  }
  return header.value;
}

// --- The corpus (tests/corpus/hostile.txt; its header documents the format).

type Expected = { status: number; body: string } | { skip: string };

interface CorpusRow {
  line: number;
  method: string;
  target: string;
  headers: [string, string][];
  /** The component's expectation, where the hosts differ. */
  expected: Expected;
}

/** `{TEXT*N}` stands for N copies of TEXT; any other brace for itself. */
function expand(text: string): string {
  let expanded = '';
  let rest = text;
  for (let open = rest.indexOf('{'); open >= 0; open = rest.indexOf('{')) {
    expanded += rest.slice(0, open);
    const after = rest.slice(open + 1);
    const close = after.indexOf('}');
    const star = close < 0 ? -1 : after.lastIndexOf('*', close);
    const count = star < 0 ? '' : after.slice(star + 1, close);
    if (/^\+?\d+$/.test(count)) {
      expanded += after.slice(0, star).repeat(Number(count));
      rest = after.slice(close + 1);
    } else {
      expanded += '{';
      rest = after;
    }
  }
  return expanded + rest;
}

/** A body: `\n` is a line feed and `\\` a backslash. */
function unescapeBody(body: string): string {
  return body.replace(/\\(.)/g, (_, escaped: string) => {
    assert.ok(escaped === 'n' || escaped === '\\', `an unknown escape \\${escaped}`);
    return escaped === 'n' ? '\n' : '\\';
  });
}

const startsWithStatus = (field: string) => /^\d{3}( |$)/.test(field);

/** `STATUS [BODY]`, `component …`, `runner …`; undefined when `field` is a header. */
function expectation(field: string): { host?: 'component' | 'runner'; expected: Expected } | undefined {
  const host = field.startsWith('component ') ? 'component' : field.startsWith('runner ') ? 'runner' : undefined;
  if (host === undefined && !startsWithStatus(field)) {
    return undefined;
  }
  const rest = host === undefined ? field : field.slice(host.length + 1);
  if (rest.startsWith('skip ')) {
    return { host, expected: { skip: rest.slice('skip '.length) } };
  }
  assert.ok(startsWithStatus(rest), `no status in ${field}`);
  return { host, expected: { status: Number(rest.slice(0, 3)), body: unescapeBody(rest.slice(4)) } };
}

/** `name: value`, or `N*name: value` for N copies. */
function header(field: string): [string, string][] {
  const star = field.indexOf('*');
  const counted = star > 0 && /^\d+$/.test(field.slice(0, star));
  const copies = counted ? Number(field.slice(0, star)) : 1;
  const text = counted ? field.slice(star + 1) : field;
  const colon = text.indexOf(':');
  assert.ok(colon >= 0, `neither a header nor an expectation: ${field}`);
  const pair: [string, string] = [text.slice(0, colon).trim(), expand(text.slice(colon + 1).trimStart())];
  return Array.from({ length: copies }, () => pair);
}

function parseCorpus(text: string): CorpusRow[] {
  const rows: CorpusRow[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) {
      return;
    }
    const [request, ...fields] = line.split(' | ');
    const space = request.indexOf(' ');
    assert.ok(space > 0, `hostile.txt:${index + 1}: no METHOD TARGET`);
    const headers: [string, string][] = [];
    const expectations: Partial<Record<'all' | 'component' | 'runner', Expected>> = {};
    for (const field of fields) {
      const found = expectation(field);
      if (found === undefined) {
        headers.push(...header(field));
      } else {
        expectations[found.host ?? 'all'] = found.expected;
      }
    }
    const expected = expectations.component ?? expectations.all;
    assert.ok(expected !== undefined, `hostile.txt:${index + 1}: no expectation for the component`);
    rows.push({
      line: index + 1,
      method: expand(request.slice(0, space)),
      target: expand(request.slice(space + 1)),
      headers,
      expected,
    });
  });
  return rows;
}

const CORPUS = parseCorpus(readFileSync(CORPUS_FILE, 'utf8'));

/** The rows the function can be given: an origin-form path the component is not told to skip. */
const SENT = CORPUS.filter(
  (row): row is CorpusRow & { expected: { status: number; body: string } } =>
    row.target.startsWith('/') && !('skip' in row.expected),
);
const SKIPPED = CORPUS.length - SENT.length;
const isGetOrHead = (row: CorpusRow) => row.method === 'GET' || row.method === 'HEAD';
const pathOf = (target: string) => target.split('#')[0].split('?')[0];
const queryOf = (target: string) => {
  const sent = target.split('#')[0];
  return sent.includes('?') ? sent.slice(sent.indexOf('?') + 1) : '';
};
/** The query's pairs, by an independent decoder; the `&` keeps URLSearchParams from dropping a leading `?`. */
const formParameters = (query: string) => new URLSearchParams(`&${query}`);
const where = (row: CorpusRow) => `hostile.txt:${row.line}: ${row.method.slice(0, 20)} ${row.target.slice(0, 80)}`;

describe('the viewer-request function on the hostile corpus', () => {
  it('reads the corpus', () => {
    assert.ok(CORPUS.length > 400, `only ${CORPUS.length} rows`);
    assert.ok(SKIPPED > 0 && SKIPPED < 20, `${SKIPPED} rows skipped`);
  });

  it('sends on the Accept value the component would choose, on every GET and HEAD of a factorial it serves', (t) => {
    let checked = 0;
    let withAccept = 0;
    for (const row of SENT) {
      if (!isGetOrHead(row) || pathOf(row.target) !== FACTORIAL_PATH || row.expected.status !== 200) {
        continue;
      }
      const { headers } = forwarded(row.method, row.target, row.headers);
      const expected = row.expected.body.startsWith('{') ? 'application/json' : 'text/plain';
      assert.equal(headers.accept?.value, expected, where(row));
      assert.ok((headers.accept?.multiValue?.length ?? 1) === 1, where(row));
      checked++;
      if (row.headers.some(([name]) => name.toLowerCase() === 'accept')) {
        withAccept++;
      }
    }
    t.diagnostic(`${checked} rows checked, ${withAccept} with an Accept header; ${SKIPPED} corpus rows skipped`);
    assert.ok(withAccept >= 25, `only ${withAccept} rows with an Accept header`);
  });

  it('keeps the first number (and leading) as the origin would read it, and nothing else, on every GET and HEAD', (t) => {
    let checked = 0;
    for (const row of SENT) {
      if (!isGetOrHead(row)) {
        continue;
      }
      const { query, headers } = forwarded(row.method, row.target, row.headers);
      const path = pathOf(row.target);
      const original = formParameters(queryOf(row.target));
      const rewritten = formParameters(query);
      if (path === FACTORIAL_PATH || path === SUMMARY_PATH) {
        assert.equal(rewritten.get('number'), original.get('number'), where(row));
        if (path === SUMMARY_PATH) {
          assert.equal(rewritten.get('leading'), original.get('leading'), where(row));
        }
        const kept = path === SUMMARY_PATH ? ['number', 'leading'] : ['number'];
        assert.ok(
          [...rewritten.keys()].every((name) => kept.includes(name)),
          `${where(row)}: ${query.slice(0, 80)}`,
        );
        // The key the function makes is its own fixed point: a second pass keeps it.
        assert.equal(forwarded(row.method, `${path}?${query}`).query, query, where(row));
      } else {
        assert.equal(query, '', where(row));
      }
      if (path !== FACTORIAL_PATH) {
        assert.equal(headers.accept, undefined, where(row));
      }
      checked++;
    }
    t.diagnostic(`${checked} rows checked; ${SKIPPED} corpus rows skipped`);
    assert.ok(checked > 350, `only ${checked} rows checked`);
  });

  it("answers every other method with the component's status, body and headers", (t) => {
    let checked = 0;
    for (const row of SENT) {
      if (isGetOrHead(row)) {
        continue;
      }
      const response = answered(row.method, row.target);
      assert.equal(response.statusCode, row.expected.status, where(row));
      assert.equal(response.body, row.expected.body, where(row));
      assert.equal(response.headers['content-type']?.value, 'text/plain; charset=utf-8', where(row));
      assert.equal(response.headers.allow?.value, response.statusCode === 405 ? 'GET, HEAD' : undefined, where(row));
      checked++;
    }
    t.diagnostic(`${checked} rows checked; ${SKIPPED} corpus rows skipped`);
    assert.ok(checked >= 30, `only ${checked} rows checked`);
  });
});

describe('the viewer-request function', () => {
  it('is a CloudFront Functions script: one global handler, no modules, under 10 KB', () => {
    assert.ok(Buffer.byteLength(SOURCE) < 10 * 1024, `${Buffer.byteLength(SOURCE)} bytes`);
    assert.doesNotMatch(SOURCE, /\b(import|export|require|module)\b/);
    assert.match(SOURCE, /^function handler\(event\) \{$/m);
  });

  it('answers other methods as the component does, on its paths and elsewhere', () => {
    for (const target of [FACTORIAL_PATH, `${FACTORIAL_PATH}?number=5`, SUMMARY_PATH, '/healthz']) {
      assert.deepEqual(answered('POST', target), {
        statusCode: 405,
        statusDescription: 'Method Not Allowed',
        headers: { allow: { value: 'GET, HEAD' }, 'content-type': { value: 'text/plain; charset=utf-8' } },
        body: 'Method Not Allowed',
      });
    }
    for (const target of ['/', `${FACTORIAL_PATH}/`, '/api/v1/%66actorial', '/HEALTHZ']) {
      assert.deepEqual(answered('DELETE', target), {
        statusCode: 404,
        statusDescription: 'Not Found',
        headers: { 'content-type': { value: 'text/plain; charset=utf-8' } },
        body: 'Not Found',
      });
    }
  });

  it('keeps the first number, however it is spelled', () => {
    const query = (target: string) => forwarded('GET', target).query;
    assert.equal(query(`${FACTORIAL_PATH}?number=5&number=6`), 'number=5');
    assert.equal(query(`${FACTORIAL_PATH}?%6Eumber=6&number=5`), 'number=6');
    assert.equal(query(`${FACTORIAL_PATH}?num%62er=+1%32&number=5`), 'number=+1%32');
    assert.equal(query(`${FACTORIAL_PATH}?a=1&number=%zz&number=5`), 'number=%zz');
    assert.equal(query(`${FACTORIAL_PATH}?number==4`), 'number==4');
    assert.equal(query(`${FACTORIAL_PATH}?Number=5&NUMBER=6&number+=7&capsicum=8`), '');
  });

  it('never takes an undecodable name for number', () => {
    const query = (target: string) => forwarded('GET', target).query;
    assert.equal(query(`${FACTORIAL_PATH}?%zz=1&number=2`), 'number=2');
    assert.equal(query(`${FACTORIAL_PATH}?number%=1&number%4=3&%6Eumber%ZZ=4&number=2`), 'number=2');
    assert.equal(query(`${FACTORIAL_PATH}?%6E%75%6D%62%65%72%ff=1&number=2`), 'number=2');
    assert.equal(query(`${FACTORIAL_PATH}?%6E%75%6D%62%65%72=1&number=2`), 'number=1');
  });

  it('sends an empty query for a bare ?, no query, or no number', () => {
    assert.equal(forwarded('GET', `${FACTORIAL_PATH}?`).query, '');
    assert.equal(forwarded('GET', FACTORIAL_PATH).query, '');
    assert.equal(forwarded('GET', `${FACTORIAL_PATH}?&&&`).query, '');
    assert.equal(forwarded('HEAD', `${SUMMARY_PATH}?`).query, '');
  });

  it('keeps number without = as the empty value, which the origin calls invalid', () => {
    assert.equal(forwarded('GET', `${FACTORIAL_PATH}?number`).query, 'number=');
    assert.equal(forwarded('GET', `${FACTORIAL_PATH}?number&number=5`).query, 'number=');
    assert.equal(forwarded('GET', `${SUMMARY_PATH}?number=5&leading`).query, 'number=5&leading=');
  });

  it('keeps the first leading on the summary alone, and no query elsewhere', () => {
    assert.equal(forwarded('GET', `${SUMMARY_PATH}?leading=2&x=1&number=5&leading=0`).query, 'number=5&leading=2');
    assert.equal(forwarded('GET', `${SUMMARY_PATH}?leading=5`).query, 'leading=5');
    assert.equal(
      forwarded('GET', `${SUMMARY_PATH}?number=5&number=6&lea%64ing=1&leading=2`).query,
      'number=5&leading=1',
    );
    assert.equal(forwarded('GET', `${FACTORIAL_PATH}?number=5&leading=2`).query, 'number=5');
    assert.equal(forwarded('GET', '/healthz?number=5').query, '');
    assert.equal(forwarded('GET', '/nowhere?number=5').query, '');
  });

  it('leaves every other header alone, and drops Accept where it changes nothing', () => {
    const headers: [string, string][] = [
      ['Host', 'factorial.example.com'],
      ['If-None-Match', '"factorial-5-json"'],
      ['Accept', 'text/plain'],
    ];
    assert.deepEqual(forwarded('GET', `${FACTORIAL_PATH}?number=5`, headers).headers, {
      host: { value: 'factorial.example.com' },
      'if-none-match': { value: '"factorial-5-json"' },
      accept: { value: 'text/plain' },
    });
    for (const target of [`${SUMMARY_PATH}?number=5`, '/healthz', '/nowhere']) {
      assert.deepEqual(forwarded('GET', target, headers).headers, {
        host: { value: 'factorial.example.com' },
        'if-none-match': { value: '"factorial-5-json"' },
      });
    }
  });

  it('reads Accept sent as several lines as one list, and sends one line on', () => {
    assert.equal(acceptSent(['application/json', 'text/plain']), 'application/json');
    assert.equal(acceptSent(['text/plain', 'application/json']), 'text/plain');
    assert.equal(acceptSent(['image/png', 'text/plain;q=0.5, application/json;q=0.4']), 'text/plain');
    assert.equal(acceptSent(['*/*', 'text/plain']), 'application/json');
    assert.equal(acceptSent(['text/plain;q=0', 'text/plain']), 'text/plain');
    assert.equal(acceptSent(Array(98).fill('image/png')), 'application/json');
  });

  it('reads a 60,000-character Accept, and a 60,000-character query, at once', () => {
    const cases: [string, string, string][] = [
      ['a'.repeat(60000), 'number=5', 'application/json'],
      [','.repeat(60000), '&'.repeat(60000), 'application/json'],
      [`text/plain${';'.repeat(60000)}`, 'a'.repeat(60000), 'text/plain'],
      [`text/plain${';a=b'.repeat(15000)}`, `${'x&'.repeat(30000)}number=5`, 'text/plain'],
      [`${'image/png, '.repeat(5000)}text/plain`, `number=${'%30'.repeat(20000)}`, 'text/plain'],
      [`${' '.repeat(30000)}text/plain${' '.repeat(30000)}`, `${'=&'.repeat(30000)}`, 'text/plain'],
    ];
    for (const [accept, query, expected] of cases) {
      const event = viewerEvent('GET', `${FACTORIAL_PATH}?${query}`, [['accept', accept]]);
      const started = process.hrtime.bigint();
      handler(event);
      const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(event.request.headers.accept.value, expected);
      // Linear work is about a millisecond; a quadratic scan of 60 KB takes seconds.
      assert.ok(milliseconds < 500, `${milliseconds} ms for ${accept.slice(0, 20)}…`);
    }
  });

  // Ported from src/http/negotiate.rs's unit tests, one `it` each.
  describe("negotiates as the component's own tests say", () => {
    it('json_is_the_default', () => {
      for (const accept of [undefined, '', '*/*', 'image/png', 'garbage']) {
        assert.equal(acceptSent(accept), 'application/json', String(accept));
      }
    });

    it('the_order_of_the_header_breaks_ties', () => {
      assert.equal(acceptSent('text/plain, application/json'), 'text/plain');
      assert.equal(acceptSent('application/json, text/plain'), 'application/json');
      assert.equal(acceptSent('text/*, application/*'), 'text/plain');
    });

    it('qualities_decide_before_order', () => {
      assert.equal(acceptSent('application/json;q=0.5, text/plain'), 'text/plain');
      assert.equal(acceptSent('text/plain;q=0.4, application/json;q=0.9'), 'application/json');
      assert.equal(acceptSent('text/plain; q=1.000, */*;q=0.1'), 'text/plain');
    });

    it('the_most_specific_range_gives_the_quality', () => {
      assert.equal(acceptSent('text/*;q=0.1, text/plain;q=0.9, application/json;q=0.5'), 'text/plain');
      assert.equal(acceptSent('*/*;q=0.9, text/plain;q=0.1'), 'application/json');
    });

    it('text_alone_or_refused', () => {
      assert.equal(acceptSent('TEXT/PLAIN'), 'text/plain');
      assert.equal(acceptSent('text/plain;q=0'), 'application/json');
      assert.equal(acceptSent('application/json;q=0, text/plain'), 'text/plain');
    });

    it('malformed_qualities_are_ignored', () => {
      assert.equal(acceptSent('text/plain;q=2'), 'application/json');
      assert.equal(acceptSent('text/plain;q=0.0001'), 'application/json');
      assert.equal(acceptSent('text/plain;q=abc'), 'application/json');
      // parse_quality's own cases, seen through the header: 0.5 and 1.0 are
      // well formed (a tie the order breaks), 1.5 is not (the range is ignored).
      assert.equal(acceptSent('text/plain;q=0.5, application/json;q=0.5'), 'text/plain');
      assert.equal(acceptSent('application/json;q=0.5, text/plain;q=0.5'), 'application/json');
      assert.equal(acceptSent('text/plain;q=1.0, application/json'), 'text/plain');
      assert.equal(acceptSent('application/json, text/plain;q=1.0'), 'application/json');
      assert.equal(acceptSent('text/plain;q=1.5'), 'application/json');
    });
  });

  it("follows the component's smaller rules: the last of equal ranges, the first q, ASCII case, Rust's white space", () => {
    assert.equal(acceptSent('text/plain;q=0, text/plain'), 'text/plain');
    assert.equal(acceptSent('text/plain, text/plain;q=0'), 'application/json');
    assert.equal(acceptSent('application/json, application/json;q=0, text/plain;q=0.5'), 'text/plain');
    assert.equal(acceptSent('application/json;q=0, application/json, text/plain'), 'application/json');
    assert.equal(acceptSent('text/plain;q=0.5;q=abc'), 'text/plain');
    assert.equal(acceptSent('text/plain;Q=0'), 'application/json');
    assert.equal(acceptSent('text/plain;q=0.5=1'), 'application/json');
    assert.equal(acceptSent('text/plain;q=1.'), 'text/plain');
    assert.equal(acceptSent('text /\tplain ; q = 0.9 , application/json;q=0.8'), 'text/plain');
    assert.equal(acceptSent('*/plain'), 'application/json');
    assert.equal(acceptSent('text/plain/x'), 'application/json');
    // Only ASCII letters fold: a dotted capital I is no i.
    assert.equal(acceptSent('text/pla\u0130n'), 'application/json');
    // Rust's trim strips NEL and not the byte order mark; JavaScript's does the opposite.
    assert.equal(acceptSent('\u0085text/plain'), 'text/plain');
    assert.equal(acceptSent('\ufefftext/plain'), 'application/json');
  });
});
