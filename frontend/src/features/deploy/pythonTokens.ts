// A small Python tokenizer for showing DAG files with colours. It only has to split what our templates write
// (and never fail on anything else): every character of the input ends up in exactly one token.
export type TokenKind = "keyword" | "builtin" | "string" | "comment" | "number" | "decorator" | "name" | "operator" | "space";

export interface Token { kind: TokenKind; text: string }

const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
  "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
  "return", "try", "while", "with", "yield",
]);
const BUILTINS = new Set(["dict", "list", "str", "int", "float", "bool", "len", "print", "range", "tuple", "set", "object", "super", "isinstance"]);

// Order matters: strings (with their prefixes) before names, so r"..." is one string.
const RULES: [TokenKind, RegExp][] = [
  ["space", /\s+/y],
  ["comment", /#[^\r\n]*/y],
  ["string", /(?:[rRbBuUfF]{1,2})?(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\[\s\S]|[^"\\\r\n])*(?:"|$)|'(?:\\[\s\S]|[^'\\\r\n])*(?:'|$))/y],
  ["number", /(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?j?)/y],
  ["decorator", /@[A-Za-z_][\w.]*/y],
  ["name", /[A-Za-z_\u00a0-\uffff][\w\u00a0-\uffff]*/y],
  ["operator", /\*\*=?|\/\/=?|->|:=|<<=?|>>=?|[-+*/%&|^=<>!]=?|[()[\]{}.,:;~]/y],
];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    let matched: Token | null = null;
    for (const [kind, rule] of RULES) {
      rule.lastIndex = at;
      const m = rule.exec(source);
      if (m && m[0].length > 0) {
        matched = { kind: kind === "name" ? classify(m[0]) : kind, text: m[0] };
        break;
      }
    }
    // Anything else (a stray backslash, `$`, `?`) is one character of its own, so nothing is ever lost.
    matched ??= { kind: "operator", text: source[at] as string };
    const last = tokens[tokens.length - 1];
    if (last && last.kind === matched.kind && (matched.kind === "space" || matched.kind === "operator")) last.text += matched.text;
    else tokens.push(matched);
    at += matched.text.length;
  }
  return tokens;
}

function classify(name: string): TokenKind {
  return KEYWORDS.has(name) ? "keyword" : BUILTINS.has(name) ? "builtin" : "name";
}
