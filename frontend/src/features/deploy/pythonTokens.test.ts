import { describe, expect, it } from "vitest";
import { tokenize, type Token } from "./pythonTokens";

const kinds = (tokens: Token[]) => tokens.filter((t) => t.kind !== "space").map((t) => `${t.kind}:${t.text}`);

describe("tokenize", () => {
  it("splits a DAG header into keywords, names, strings and operators", () => {
    expect(kinds(tokenize('from airflow import DAG\nwith DAG(dag_id="wf_1", catchup=False) as dag:'))).toEqual([
      "keyword:from", "name:airflow", "keyword:import", "name:DAG",
      "keyword:with", "name:DAG", "operator:(", "name:dag_id", "operator:=", 'string:"wf_1"', "operator:,",
      "name:catchup", "operator:=", "keyword:False", "operator:)", "keyword:as", "name:dag", "operator::",
    ]);
  });

  it("keeps comments to the end of the line and numbers whole", () => {
    expect(kinds(tokenize("retries = 3  # from the workflow's defaults\ndelay = 1.5e3"))).toEqual([
      "name:retries", "operator:=", "number:3", "comment:# from the workflow's defaults", "name:delay", "operator:=", "number:1.5e3",
    ]);
  });

  it("reads triple-quoted, prefixed and escaped strings as one string each, quotes and hashes inside included", () => {
    const source = `doc_md = """Loads "sales" # not a comment\n'''still text'''"""\npath = r'C:\\data\\x.csv'\nq = 'it\\'s'`;

    const strings = tokenize(source).filter((t) => t.kind === "string").map((t) => t.text);

    expect(strings).toEqual([`"""Loads "sales" # not a comment\n'''still text'''"""`, "r'C:\\data\\x.csv'", "'it\\'s'"]);
  });

  it("marks decorators and builtins", () => {
    expect(kinds(tokenize("@task.python\ndef f(): return dict(a=1)"))).toEqual([
      "decorator:@task.python", "keyword:def", "name:f", "operator:():", "keyword:return", "builtin:dict", "operator:(", "name:a", "operator:=", "number:1", "operator:)",
    ]);
  });

  it("never loses a character, even of text that is not Python", () => {
    const hostile = "x = '''unterminated\n$ ? \\ \u2028 ünïcode 𝔘 \"open";

    expect(tokenize(hostile).map((t) => t.text).join("")).toBe(hostile);
  });
});
