/*
 * The CloudFront Function (cloudfront-js-2.0) on every viewer request. It
 * follows the component's rules (docs/contract.md, src/http), so it never
 * changes an answer, only who gives it:
 *
 * - a method other than GET and HEAD is answered here, with the component's
 *   405 on its three paths and 404 elsewhere: the origin, a function URL
 *   behind origin access control, cannot take an unsigned request body;
 * - GET and HEAD go on to the cache with a key that holds exactly what
 *   changes the answer: of the query, the first `number` (and on the summary
 *   the first `leading`), still encoded, so the origin decodes it as it would
 *   have; of `Accept`, the type the component would choose on
 *   /api/v1/factorial, and nothing on the other paths, which ignore it.
 *
 * Every loop is linear: `Accept` and the query may be 60 KB.
 */

const FACTORIAL_PATH = '/api/v1/factorial';
const SUMMARY_PATH = '/api/v1/factorial/summary';
const HEALTH_PATH = '/healthz';
const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain';
const WHITE_SPACE =
  '\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls it.
function handler(event) {
  const request = event.request;
  const path = request.uri;
  // Methods and paths are compared as sent, as the component does.
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return path === FACTORIAL_PATH || path === SUMMARY_PATH || path === HEALTH_PATH
      ? plainText(405, 'Method Not Allowed', true)
      : plainText(404, 'Not Found', false);
  }
  const raw = request.rawQueryString();
  const query = typeof raw === 'string' ? raw : '';
  if (path === FACTORIAL_PATH) {
    request.querystring = keptQuery(query, false);
    const lines = headerLines(request.headers.accept);
    const type = preferredType(lines);
    // CloudFront reads back `multiValue` when the request had several lines.
    request.headers.accept = lines.length > 1 ? { value: type, multiValue: [{ value: type }] } : { value: type };
  } else {
    request.querystring = path === SUMMARY_PATH ? keptQuery(query, true) : '';
    delete request.headers.accept;
  }
  return request;
}

/** The component's error answer, without caching headers. */
function plainText(statusCode, body, allow) {
  const headers = { 'content-type': { value: 'text/plain; charset=utf-8' } };
  if (allow) {
    headers.allow = { value: 'GET, HEAD' };
  }
  return { statusCode: statusCode, statusDescription: body, headers: headers, body: body };
}

/**
 * `number=` and the raw value of the first pair named `number`, then, when
 * `withLeading`, `leading=` and that of the first `leading`; the pairs are
 * found as `query::form_value` finds them.
 */
function keptQuery(query, withLeading) {
  let number;
  let leading;
  let start = 0;
  while (start <= query.length && (number === undefined || (withLeading && leading === undefined))) {
    let end = query.indexOf('&', start);
    if (end < 0) {
      end = query.length;
    }
    if (end > start) {
      const pair = query.slice(start, end);
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? '' : pair.slice(equals + 1);
      if (number === undefined && decodesTo(name, 'number')) {
        number = value;
      } else if (withLeading && leading === undefined && decodesTo(name, 'leading')) {
        leading = value;
      }
    }
    start = end + 1;
  }
  const kept = [];
  if (number !== undefined) {
    kept.push(`number=${number}`);
  }
  if (leading !== undefined) {
    kept.push(`leading=${leading}`);
  }
  return kept.join('&');
}

/**
 * Whether `encoded` form-decodes strictly to the ASCII `key`: `+` is a space,
 * `%XX` a byte, and a `%` without two hex digits never matches. A byte above
 * 0x7F differs from ASCII, so no UTF-8 check is needed.
 */
function decodesTo(encoded, key) {
  let matched = 0;
  for (let i = 0; i < encoded.length; i++) {
    let code = encoded.charCodeAt(i);
    if (code === 43) {
      code = 32;
    } else if (code === 37) {
      const high = hexDigit(encoded.charCodeAt(i + 1));
      const low = hexDigit(encoded.charCodeAt(i + 2));
      if (high < 0 || low < 0) {
        return false;
      }
      code = high * 16 + low;
      i += 2;
    }
    if (matched === key.length || code !== key.charCodeAt(matched)) {
      return false;
    }
    matched++;
  }
  return matched === key.length;
}

function hexDigit(code) {
  if (code >= 48 && code <= 57) {
    return code - 48;
  }
  const lower = code | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The values of every line of a header. */
function headerLines(header) {
  return header === undefined ? [] : header.multiValue ? header.multiValue.map((line) => line.value) : [header.value];
}

/**
 * The type `negotiate::preferred_representation` chooses from all the lines
 * joined as one list: for each type the most specific matching range (the
 * last of equals) gives its quality, a range with a malformed `q` is ignored,
 * and text wins only when its quality is above JSON's, or equal and first,
 * and above 0. Qualities are in thousandths; specificity -1 is no match yet.
 */
function preferredType(lines) {
  if (lines.length === 0) {
    return JSON_TYPE;
  }
  const accept = lines.join(', ');
  let jsonSpecificity = -1;
  let jsonQuality = 0;
  let jsonPosition = 0;
  let textSpecificity = -1;
  let textQuality = 0;
  let textPosition = 0;
  let start = 0;
  for (let position = 0; ; position++) {
    let end = accept.indexOf(',', start);
    if (end < 0) {
      end = accept.length;
    }
    const range = accept.slice(start, end);
    const semicolon = range.indexOf(';');
    const mediaType = semicolon < 0 ? range : range.slice(0, semicolon);
    const slash = mediaType.indexOf('/');
    if (slash >= 0) {
      const kind = trim(mediaType.slice(0, slash));
      const subtype = trim(mediaType.slice(slash + 1));
      const json = specificity(kind, subtype, 'application', 'json');
      const text = specificity(kind, subtype, 'text', 'plain');
      const newJson = json >= 0 && json >= jsonSpecificity;
      const newText = text >= 0 && text >= textSpecificity;
      // The quality matters, and is read, only when the range is the best so far.
      const quality = newJson || newText ? rangeQuality(range, semicolon) : -1;
      if (quality >= 0 && newJson) {
        jsonSpecificity = json;
        jsonQuality = quality;
        jsonPosition = position;
      }
      if (quality >= 0 && newText) {
        textSpecificity = text;
        textQuality = quality;
        textPosition = position;
      }
    }
    if (end === accept.length) {
      break;
    }
    start = end + 1;
  }
  if (textSpecificity < 0 || textQuality === 0) {
    return JSON_TYPE;
  }
  if (jsonSpecificity < 0) {
    return TEXT_TYPE;
  }
  const textFirst = textQuality > jsonQuality || (textQuality === jsonQuality && textPosition < jsonPosition);
  return textFirst ? TEXT_TYPE : JSON_TYPE;
}

/** 2 for `type/subtype`, 1 for `type/*`, 0 for the wildcard of all types, -1 for no match. */
function specificity(kind, subtype, type, sub) {
  if (kind === '*' && subtype === '*') {
    return 0;
  }
  if (subtype === '*') {
    return sameAscii(kind, type) ? 1 : -1;
  }
  return sameAscii(kind, type) && sameAscii(subtype, sub) ? 2 : -1;
}

/** The quality of the range's first `q` parameter, 1000 when it has none, -1 when it is malformed. */
function rangeQuality(range, semicolon) {
  let start = semicolon;
  while (start >= 0) {
    let end = range.indexOf(';', start + 1);
    if (end < 0) {
      end = range.length;
    }
    const parameter = range.slice(start + 1, end);
    const equals = parameter.indexOf('=');
    if (equals >= 0 && sameAscii(trim(parameter.slice(0, equals)), 'q')) {
      return thousandths(trim(parameter.slice(equals + 1)));
    }
    start = end < range.length ? end : -1;
  }
  return 1000;
}

/** A qvalue (`0`, `1`, or up to three decimals) in thousandths; -1 when malformed. */
function thousandths(value) {
  const dot = value.indexOf('.');
  const whole = dot < 0 ? value : value.slice(0, dot);
  const fraction = dot < 0 ? '' : value.slice(dot + 1);
  if ((whole !== '0' && whole !== '1') || fraction.length > 3) {
    return -1;
  }
  let result = 0;
  for (let i = 0; i < 3; i++) {
    const digit = i < fraction.length ? fraction.charCodeAt(i) - 48 : 0;
    if (digit < 0 || digit > 9) {
      return -1;
    }
    result = result * 10 + digit;
  }
  if (whole === '1') {
    return result === 0 ? 1000 : -1;
  }
  return result;
}

/** Whether `text` is `lower`, ignoring ASCII case only. */
function sameAscii(text, lower) {
  if (text.length !== lower.length) {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== lower.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

/** Rust's `str::trim`, which strips Unicode's White_Space: not JavaScript's set. */
function trim(text) {
  let start = 0;
  let end = text.length;
  while (start < end && WHITE_SPACE.indexOf(text.charAt(start)) >= 0) {
    start++;
  }
  while (end > start && WHITE_SPACE.indexOf(text.charAt(end - 1)) >= 0) {
    end--;
  }
  return text.slice(start, end);
}
