/**
 * A small, strict XML reader for IHE XDM metadata (XML 1.0: elements, attributes, text, CDATA,
 * comments, processing instructions, the five predefined entities and character references).
 *
 * Document type declarations are refused outright: METADATA.XML needs none, and refusing them
 * closes the doors to external entities (XXE) and entity expansion ("billion laughs"). Size, depth
 * and node count are bounded. Namespace prefixes are kept in `name` and dropped in `local`
 * (ebRIM files use `rim:`, `lcm:`, or a default namespace, depending on the writer).
 */
import { ScelleError } from '../errors.js';

/** One element. */
export interface XmlElement {
  /** Qualified name as written (`rim:Slot`). */
  name: string;
  /** Local name (`Slot`). */
  local: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside the element. */
  text: string;
}

const MAX_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

const bad = (what: string, detail: string): ScelleError =>
  new ScelleError('XDM_MISMATCH', `${what} is not well-formed XML: ${detail}`, { params: { detail: `${what}: ${detail}` } });

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string, what: string): string {
  return s.replace(/&([^;&\s]{1,10});/g, (_m, ref: string) => {
    if (ref in ENTITIES) return ENTITIES[ref]!;
    const cp = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : ref.startsWith('#') ? parseInt(ref.slice(1), 10) : NaN;
    if (!Number.isInteger(cp) || cp < 1 || cp > 0x10ffff) throw bad(what, `unknown entity &${ref};`);
    return String.fromCodePoint(cp);
  });
}

const NAME = /^[A-Za-z_:][\w.:-]*/;

/**
 * Parses an XML document and returns its root element.
 * @throws ScelleError XDM_MISMATCH (params.detail) when the text is not well-formed or has a DOCTYPE.
 */
export function parseXml(text: string, what = 'the XML document'): XmlElement {
  if (text.length > MAX_BYTES) throw bad(what, 'larger than 16 MiB');
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let nodes = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt === -1 ? text.length : lt);
    if (chunk.length > 0) {
      if (stack.length === 0) {
        if (chunk.trim().length > 0) throw bad(what, 'text outside the root element');
      } else stack[stack.length - 1]!.text += decodeEntities(chunk, what);
    }
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) throw bad(what, 'unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1 || stack.length === 0) throw bad(what, 'misplaced or unterminated CDATA section');
      stack[stack.length - 1]!.text += text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) throw bad(what, 'unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      throw bad(what, 'document type declarations are refused (no DTD, no entities)');
    } else if (text.startsWith('</', i)) {
      const m = NAME.exec(text.slice(i + 2, i + 2 + 512));
      const close = m?.[0];
      const end = text.indexOf('>', i);
      if (close === undefined || end === -1 || text.slice(i + 2 + close.length, end).trim() !== '') throw bad(what, 'bad end tag');
      const open = stack.pop();
      if (open === undefined || open.name !== close) throw bad(what, `end tag </${close}> does not match <${open?.name ?? ''}>`);
      i = end + 1;
    } else {
      const m = NAME.exec(text.slice(i + 1, i + 1 + 512));
      if (!m) throw bad(what, `bad start tag at offset ${i}`);
      const name = m[0];
      let j = i + 1 + name.length;
      const attributes: Record<string, string> = {};
      let selfClosing = false;
      for (;;) {
        while (j < text.length && /\s/.test(text[j]!)) j++;
        if (j >= text.length) throw bad(what, `unterminated start tag <${name}>`);
        if (text[j] === '>') {
          j++;
          break;
        }
        if (text.startsWith('/>', j)) {
          selfClosing = true;
          j += 2;
          break;
        }
        const an = NAME.exec(text.slice(j, j + 512));
        if (!an) throw bad(what, `bad attribute in <${name}>`);
        j += an[0].length;
        while (/\s/.test(text[j] ?? '')) j++;
        if (text[j] !== '=') throw bad(what, `attribute ${an[0]} of <${name}> has no value`);
        j++;
        while (/\s/.test(text[j] ?? '')) j++;
        const q = text[j];
        if (q !== '"' && q !== "'") throw bad(what, `attribute ${an[0]} of <${name}> is not quoted`);
        const endQ = text.indexOf(q, j + 1);
        if (endQ === -1) throw bad(what, `unterminated attribute ${an[0]}`);
        const raw = text.slice(j + 1, endQ);
        if (raw.includes('<')) throw bad(what, `"<" in attribute ${an[0]}`);
        if (an[0] in attributes) throw bad(what, `attribute ${an[0]} repeated in <${name}>`);
        attributes[an[0]] = decodeEntities(raw, what);
        j = endQ + 1;
      }
      if (++nodes > MAX_NODES) throw bad(what, `more than ${MAX_NODES} elements`);
      const el: XmlElement = { name, local: name.includes(':') ? name.slice(name.indexOf(':') + 1) : name, attributes, children: [], text: '' };
      if (stack.length === 0) {
        if (root !== undefined) throw bad(what, 'more than one root element');
        root = el;
      } else stack[stack.length - 1]!.children.push(el);
      if (!selfClosing) {
        stack.push(el);
        if (stack.length > MAX_DEPTH) throw bad(what, `nested deeper than ${MAX_DEPTH} levels`);
      }
      i = j;
    }
  }
  if (stack.length > 0) throw bad(what, `<${stack[stack.length - 1]!.name}> is not closed`);
  if (root === undefined) throw bad(what, 'no root element');
  return root;
}

/** Escapes text for an XML attribute value or character data. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]!};`);
}

/** Every descendant element with this local name, in document order. */
export function descendants(el: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.local === local) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
