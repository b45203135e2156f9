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
  /**
   * The physical line to look at: where the parser stopped, or for a quote
   * that is never closed, the first line after the last complete record
   * (where that quoted value starts).
   */
  readonly line?: number;
  constructor(message: string, line?: number) {
    super(message);
    this.line = line;
  }
}

/** What `csv-parse` tells of an error besides its message. */
interface ParserErrorDetails {
  code?: string;
  lines?: number;
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
  /** For error messages: the line on which the last record parsed ended, and CRLFs in quotes. */
  let parsedEnd = 0;
  let parsedCrlf = 0;
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    on_record: (item, context) => {
      // with `info`, the item is `{record, info}`
      for (const cell of (item as unknown as { record: string[] }).record) {
        parsedCrlf += crlfCount(cell);
      }
      parsedEnd = context.lines - parsedCrlf;
      return item;
    },
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
    const { code, lines } = error as ParserErrorDetails;
    const message = (error as Error).message;
    if (code === "CSV_QUOTE_NOT_CLOSED") {
      const line = parsedEnd + 1;
      throw new CsvSyntaxError(
        `The CSV cannot be read: ${message}. The quote (") that opens a value on line ${line} ` +
          `is never closed: check for an unclosed quote on that line (a quote inside a quoted ` +
          `value is written "").`,
        line,
      );
    }
    const line = typeof lines === "number" ? lines - parsedCrlf : undefined;
    throw new CsvSyntaxError(
      `The CSV cannot be read: ${message}. Check for an unclosed quote (") near ${
        line === undefined ? "that line" : `line ${line}`
      }.`,
      line,
    );
  } finally {
    await feeding;
  }
}
