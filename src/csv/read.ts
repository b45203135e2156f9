/**
 * Reads CSV text (RFC 4180, UTF-8 with or without BOM, LF or CRLF, quoted
 * newlines) record by record with `csv-parse`, streaming, and tells the
 * physical line on which each record starts (the header is line 1).
 *
 * @module
 */
import { parse } from "csv-parse";

/** One record of the file. */
export interface CsvRecord {
  /** Physical line on which the record starts (1-based). */
  line: number;
  /** Its cells as written (not trimmed). */
  cells: string[];
}

/** The CSV text could not be read at all (e.g. an unclosed quote). */
export class CsvSyntaxError extends Error {
  override name = "CsvSyntaxError";
}

function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function crlfCount(text: string): number {
  return text.match(/\r\n/g)?.length ?? 0;
}

/**
 * Yields the records of `source` (a string or a byte stream), skipping blank
 * lines and rows whose cells are all empty.
 *
 * @example
 * ```ts
 * for await (const { line, cells } of readCsv("a,b\n1,\"x\ny\"\n2,z\n")) console.log(line, cells);
 * // 1 ["a","b"]  2 ["1","x\ny"]  4 ["2","z"]
 * ```
 */
export async function* readCsv(
  source: string | ReadableStream<Uint8Array>,
): AsyncGenerator<CsvRecord, void, void> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  const feeding = (async () => {
    try {
      if (typeof source === "string") {
        parser.write(source);
      } else {
        for await (const chunk of source.pipeThrough(new TextDecoderStream())) {
          if (!parser.write(chunk)) {
            await new Promise<void>((resolve) => parser.once("drain", () => resolve()));
          }
        }
      }
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  // csv-parse counts a CRLF inside a quoted field as two lines; undo that.
  let quotedCrlf = 0;
  try {
    for await (
      const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>
    ) {
      const { record, info } = item;
      let breaks = 0;
      for (const cell of record) {
        breaks += lineBreaks(cell);
        quotedCrlf += crlfCount(cell);
      }
      const endLine = info.lines - quotedCrlf;
      if (record.every((cell) => cell.trim() === "")) continue;
      yield { line: endLine - breaks, cells: record };
    }
  } catch (error) {
    throw new CsvSyntaxError(
      `The CSV cannot be read: ${
        (error as Error).message
      }. Check for an unclosed quote (") near that line.`,
    );
  } finally {
    await feeding;
  }
}
