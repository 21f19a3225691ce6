// The OpenAPI document of the REST API (api/openapi.json, the file the
// binary serves at /openapi.json) as the judge of every REST answer the
// tests receive: api() in client.mjs hands each answer to checkResponse,
// which throws, failing the test that got it, when the document lacks the
// path, the method or the status, or when the body does not match the
// documented schema. The document itself is checked once against the
// OpenAPI 3.1 schemas (@seriousme/openapi-schema-validator); answers are
// checked with ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** DOCUMENT_PATH is the document's one copy in the repository. */
export const DOCUMENT_PATH = fileURLToPath(new URL('../../api/openapi.json', import.meta.url));

/** DOCUMENT is the parsed document. */
export const DOCUMENT = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'));

const DOC_ID = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let documentChecked = null;

/** checkDocument resolves once the document is valid OpenAPI 3.1, and rejects with the reasons otherwise. */
export function checkDocument() {
  documentChecked ??= (async () => {
    const result = await new Validator().validate(structuredClone(DOCUMENT));
    if (!result.valid) {
      throw new Error(`api/openapi.json is not valid OpenAPI 3.1:\n${JSON.stringify(result.errors, null, 2)}`);
    }
  })();
  return documentChecked;
}

// The schemas are compiled by ajv in strict mode: a keyword it does not
// know is an error, so a typo in the document fails. The document's own
// top-level fields are declared as keywords without meaning.
const ajv = new Ajv2020({ strict: true, strictTypes: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components', 'webhooks', 'jsonSchemaDialect', 'externalDocs']);
ajv.addSchema({ ...DOCUMENT, $id: DOC_ID });
const compiled = new Map();

function escapePointer(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

// resolve follows an OpenAPI $ref ("#/components/responses/X") and returns
// the object with its JSON pointer.
function resolve(obj, pointer) {
  while (obj && obj.$ref) {
    pointer = obj.$ref.replace(/^#/, '');
    obj = pointer.split('/').slice(1).reduce((o, part) => o?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], DOCUMENT);
  }
  return { obj, pointer };
}

const routes = Object.keys(DOCUMENT.paths).map((path) => ({
  path,
  re: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}$`),
  literals: path.split('/').filter((s) => s && !s.startsWith('{')).length,
}));

/** findOperation returns the documented {path, operation} of method and a request path, or throws. */
export function findOperation(method, requestPath) {
  const { pathname } = new URL(requestPath, 'http://chatd.invalid');
  const route = routes.filter((r) => r.re.test(pathname)).sort((a, b) => b.literals - a.literals)[0];
  if (!route) {
    throw new Error(`OpenAPI: ${method} ${pathname} is not in api/openapi.json; add the path (see "Adding an endpoint" in the README)`);
  }
  const m = method.toLowerCase();
  const operation = DOCUMENT.paths[route.path][m];
  if (!METHODS.includes(m) || !operation) {
    throw new Error(`OpenAPI: ${method.toUpperCase()} is not documented for ${route.path} in api/openapi.json`);
  }
  return { path: route.path, operation, pointer: `/paths/${escapePointer(route.path)}/${m}` };
}

// schemaOf returns the compiled schema at a JSON pointer of the document.
function schemaOf(schemaPointer) {
  let validate = compiled.get(schemaPointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}#${schemaPointer}` });
    compiled.set(schemaPointer, validate);
  }
  return validate;
}

/**
 * compileAll compiles the schema of every documented answer, so that a
 * schema ajv's strict mode refuses (an unknown keyword, a required
 * property that is not defined) fails even if no test receives that answer.
 * It returns how many it compiled.
 */
export function compileAll() {
  let n = 0;
  for (const [path, item] of Object.entries(DOCUMENT.paths)) {
    for (const m of METHODS.filter((k) => item[k])) {
      for (const [key, r] of Object.entries(item[m].responses || {})) {
        const response = resolve(r, `/paths/${escapePointer(path)}/${m}/responses/${key}`);
        for (const [mediaType, media] of Object.entries(response.obj.content || {})) {
          if (!media.schema) continue;
          schemaOf(`${response.pointer}/content/${escapePointer(mediaType)}/schema`);
          n++;
        }
      }
    }
  }
  return n;
}

/**
 * checkResponse throws unless the answer (status, content-type header,
 * body text, and body parsed when JSON) is one the document allows for
 * method and requestPath.
 */
export function checkResponse(method, requestPath, status, contentType, text, body) {
  const { path, operation, pointer } = findOperation(method, requestPath);
  const what = `${method.toUpperCase()} ${path} answered ${status}`;
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => operation.responses?.[k]);
  if (!key) {
    throw new Error(`OpenAPI: ${what}, which is not a documented answer (documented: ${Object.keys(operation.responses || {}).join(', ')})`);
  }
  const response = resolve(operation.responses[key], `${pointer}/responses/${key}`);
  const content = response.obj.content;
  if (!content) {
    if (text !== '') throw new Error(`OpenAPI: ${what} with a body, but the document says it has none: ${text.slice(0, 200)}`);
    return;
  }
  const mediaType = (contentType || '').split(';')[0].trim().toLowerCase();
  const documented = mediaType && [mediaType, `${mediaType.split('/')[0]}/*`, '*/*'].find((k) => content[k]);
  if (!documented) {
    throw new Error(`OpenAPI: ${what} as ${mediaType || 'no content type'}; documented: ${Object.keys(content).join(', ')}`);
  }
  if (!content[documented].schema) return; // any bytes of that type
  const validate = schemaOf(`${response.pointer}/content/${escapePointer(documented)}/schema`);
  const value = mediaType.endsWith('json') ? body : text;
  if (!validate(value)) {
    const errors = validate.errors.map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    throw new Error(`OpenAPI: ${what} with a body that does not match api/openapi.json:\n  ${errors.join('\n  ')}\nbody: ${JSON.stringify(value).slice(0, 1000)}`);
  }
}

/**
 * readAnswer reads the answer res that fetch() gave to method requestPath,
 * checks it with checkResponse (rejecting when the document does not allow
 * it), and resolves with {status, headers, body, bytes}: body is the parsed
 * JSON when the answer is JSON, else its text; bytes the body as received.
 */
export async function readAnswer(method, requestPath, res) {
  await checkDocument();
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let body = text;
  if ((res.headers.get('content-type') || '').includes('json') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  checkResponse(method, requestPath, res.status, res.headers.get('content-type'), text, body);
  return { status: res.status, headers: res.headers, body, bytes };
}
