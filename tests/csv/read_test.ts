import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { CsvSyntaxError, readCsv } from "../../src/csv/read.ts";

async function collect(source: string | ReadableStream<Uint8Array>) {
  const out: [number, string[]][] = [];
  for await (const { line, cells } of readCsv(source)) out.push([line, cells]);
  return out;
}

function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return ReadableStream.from(chunks);
}

const TEXT = '\uFEFFa,b,c\r\n1,"x\r\ny",3\r\n\r\n4,5\r\n6,"7\n\n""z""",8,9\r\n,,\r\n10,11,12';

Deno.test("records with the physical line each starts on: BOM, CRLF, quoted newlines, blank lines", async () => {
  const expected: [number, string[]][] = [
    [1, ["a", "b", "c"]],
    [2, ["1", "x\r\ny", "3"]],
    [5, ["4", "5"]],
    [6, ["6", '7\n\n"z"', "8", "9"]],
    [10, ["10", "11", "12"]],
  ];
  assertEquals(await collect(TEXT), expected);
  // the same from a byte stream cut into tiny chunks (splitting multi-byte characters)
  assertEquals(await collect(chunked(TEXT, 3)), expected);
});

Deno.test("multi-byte text split across chunks survives", async () => {
  const text = "Title\n書簡集 第一巻\nÉmigrés\n";
  assertEquals(await collect(chunked(text, 1)), [[1, ["Title"]], [2, ["書簡集 第一巻"]], [3, [
    "Émigrés",
  ]]]);
});

Deno.test("an unclosed quote is a CsvSyntaxError that says what to check", async () => {
  await assertRejects(() => collect('a,b\n1,"never closed\n'), (e: Error) => {
    return e instanceof CsvSyntaxError && /unclosed quote/.test(e.message);
  });
});

Deno.test("a CsvSyntaxError tells the line to look at", async () => {
  const lineOf = async (text: string) => {
    try {
      await collect(text);
    } catch (error) {
      if (error instanceof CsvSyntaxError) return [error.line, error.message];
      throw error;
    }
    throw new Error("expected a CsvSyntaxError");
  };
  // a quote opened on line 3 and never closed: the parser stops at the end of the text
  const [unclosed, message] = await lineOf('a,b\r\n1,"x\r\ny"\r\n2,"open\n3,4\n5,6\n');
  assertEquals(unclosed, 4);
  assert(String(message).includes("on line 4 is never closed"), String(message));
  assertEquals((await lineOf('a,b\n1,2\n3,"x"y\n4,5\n'))[0], 3);
});
