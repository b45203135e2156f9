/**
 * Every expected validation outcome of `tests/fixtures/README.md`, read
 * through the real reader, header plan, row parser and validator, with the
 * files checked against the fixtures' binaries directory.
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { CsvHeaderError, openImportCsv } from "../../src/csv/import_csv.ts";
import { missingFileFailures } from "../../src/csv/report.ts";
import type { ParsedRow } from "../../src/csv/row.ts";
import { ISSUE } from "../../src/models/issue.ts";
import { ITEM } from "../../src/models/item.ts";
import { LETTER } from "../../src/models/letter.ts";
import { POSTER } from "../../src/models/poster.ts";
import { EDTF_DATATYPE } from "../../src/models/prefixes.ts";
import { DirectorySource } from "../../src/transfer/binary_source.ts";
import { checkFixture, failures, fixture } from "../helpers/import_fixtures.ts";

async function withFiles(dir: string) {
  const source = await DirectorySource.open(fixture(dir));
  return (row: ParsedRow) => missingFileFailures(row, (p) => source.exists(p));
}

const values = (row: ParsedRow, field: string) =>
  (row.values.fields[field] ?? []).map((v) => v.value);
const labels = (row: ParsedRow, field: string, column: string) =>
  (row.values.objects[field] ?? []).map((o) =>
    (o.columns[column] ?? []).map((v) => v.value).join("|")
  );

Deno.test("items-basic.csv: 5 valid rows with their pages, files, creators, subjects and languages", async () => {
  const rows = await checkFixture(ITEM, "import/items-basic.csv", await withFiles("import/files"));
  assertEquals(rows.map((r) => r.report.line), ["body:2", "body:3", "body:4", "body:5", "body:6"]);
  for (const { report } of rows) assertEquals(report.failed, [], report.line);
  const [doc1, doc2, doc3, doc4, doc5] = rows.map((r) => r.row);
  assertEquals(doc1.pages.map((p) => p.files), [
    ["doc-001/doc-001-0001.tif", "doc-001/doc-001-0001.png"],
    ["doc-001/doc-001-0002.tif", "doc-001/doc-001-0002.png"],
  ]);
  assertEquals(doc1.itemFiles, ["doc-001/doc-001.pdf"]);
  assertEquals(doc2.pages.length, 3);
  assertEquals(labels(doc2, "creator", "Creator"), ["Lindqvist, Tor", "Mbeki, Sipho"]);
  assertEquals(labels(doc2, "creator", "Creator URI"), [
    "http://id.loc.gov/authorities/names/n00000002",
    "http://id.loc.gov/authorities/names/n00000003",
  ]);
  assertEquals(labels(doc2, "subject", "Subject"), ["Rivers", "Water rights"]);
  assertEquals(doc3.pages.length, 1);
  assertEquals(doc4.pages, []);
  assertEquals(values(doc4, "language"), ["en", "fr"]);
  assertEquals(values(doc4, "description"), ["Bound ledger; metadata only."]);
  assertEquals(doc5.values.fields.date, [{ value: "194X", datatype: EDTF_DATATYPE }]);
});

Deno.test("items-tricky.csv: 3 valid rows; every character of the trimmed values is read", async () => {
  const rows = await checkFixture(ITEM, "import/items-tricky.csv");
  assertEquals(rows.map((r) => [r.report.line, r.report.is_valid]), [["body:2", true], [
    "body:4",
    true,
  ], [
    "body:5",
    true,
  ]]);
  const [one, two, three] = rows.map((r) => r.row);
  assertEquals(
    one.values.fields.identifier,
    [{ value: "tricky-001" }],
    "BOM removed from the first header",
  );
  assertEquals(one.values.fields.title, [{ value: 'Letters, volume "one"' }, {
    value: "書簡集 第一巻",
    lang: "ja",
  }]);
  assertEquals(values(one, "alternate_title"), ["Pipe | in title", "Second alternate"]);
  assertEquals(values(one, "description"), [
    "Line one of the description.\nLine two, after a newline.",
  ]);
  assertEquals(values(one, "date"), ["1920~"]);
  assertEquals(two.values.fields.title, [{ value: "The Trial" }, {
    value: "Der Proceß",
    lang: "de",
  }]);
  assertEquals(values(two, "description"), ["Back\\slash and a trailing space"]);
  assertEquals(values(three, "title"), ["Ünïcödé — “quoted” title"]);
  assertEquals(values(three, "alternate_title"), ["empty values between separators"]);
  assertEquals(values(three, "date"), ["[1910..1915]"]);
  assertEquals(labels(three, "subject", "Subject"), ["Émigrés"]);
});

Deno.test("items-invalid.csv: every problem of every row in one pass, with its line", async () => {
  const rows = await checkFixture(
    ITEM,
    "import/items-invalid.csv",
    await withFiles("import/files"),
  );
  const summary = rows.map(({ report }) => [report.line, report.is_valid, failures(report).sort()]);
  assertEquals(summary, [
    ["body:2", false, ["rights:exactly"]],
    ["body:3", false, ["title:exactly"]],
    ["body:4", false, ["date:edtf"]],
    ["body:5", false, ["row:column_count"]],
    ["body:6", false, ["FILES:files_exist"]],
    ["body:7", false, ["language:language", "object_type:exactly", "title:exactly"]],
    ["body:8", true, []],
  ]);
  assertEquals(rows[2].report.failed[0][3], "May fifth nineteen fifty");
  assertEquals(rows[4].report.failed[0][3], "doc-999/doc-999-0001.tif");
  assertEquals(rows[5].report.failed.find(([f]) => f === "language")?.[3], "xx-notalanguage");
  assert(String(rows[3].report.failed[0][3]).includes("8 cells"));
});

Deno.test("items-unknown-header.csv: the whole job is refused before any row is read", async () => {
  const file = await Deno.open(fixture("import/items-unknown-header.csv"));
  await rejects(() => openImportCsv(ITEM, file.readable), (e: Error) => {
    return e instanceof CsvHeaderError && e.problems.length === 1 &&
      e.message.includes('"Colour Of Cover"');
  });
});

Deno.test("letters.csv: 2 valid rows with geo coordinates and a handle link", async () => {
  const rows = await checkFixture(LETTER, "import/letters.csv", await withFiles("import/files"));
  for (const { report } of rows) assertEquals(report.failed, [], report.line);
  assertEquals(rows.length, 2);
  const first = rows[0].row;
  assertEquals(labels(first, "location", "Location"), ["Gdańsk, Poland"]);
  assertEquals(labels(first, "location", "Longitude"), ["18.6466"]);
  assertEquals(labels(first, "location", "Latitude"), ["54.3520"]);
  assertEquals(labels(first, "part_of", "Handle/Link"), ["http://hdl.handle.net/1903.1/00001"]);
  assertEquals(labels(first, "subject", "Subject"), ["Family", "Emigration"]);
  assertEquals(first.pages.length, 2);
});

Deno.test("posters.csv: 1 valid row, two pages (front/back), a French alternate title", async () => {
  const rows = await checkFixture(POSTER, "import/posters.csv", await withFiles("import/files"));
  assertEquals(rows.length, 1);
  assertEquals(rows[0].report.failed, []);
  assertEquals(rows[0].row.pages.map((p) => p.files), [
    ["postcard-17/postcard-17-front.png"],
    ["postcard-17/postcard-17-back.png"],
  ]);
  assertEquals(rows[0].row.values.fields.alternative, [{ value: "Fête des récoltes", lang: "fr" }]);
  assertEquals(values(rows[0].row, "subject"), ["Agriculture", "Festivals"]);
});

Deno.test("issues.csv: rows 1–2 valid (row 1 with 3 pages); row 3's date is not YYYY-MM-DD", async () => {
  const rows = await checkFixture(ISSUE, "import/issues.csv", await withFiles("import/files"));
  assertEquals(rows.map(({ report }) => [report.line, report.is_valid, failures(report)]), [
    ["body:2", true, []],
    ["body:3", true, []],
    ["body:4", false, ["date:pattern"]],
  ]);
  assertEquals(rows[0].row.pages.length, 3);
});

Deno.test("real umd-labor-import.csv: 12 valid rows, rows 2–12 warned as short, 789 pages in file order", async () => {
  const rows = await checkFixture(ITEM, "real/umd-labor-import.csv", await withFiles("real/files"));
  assertEquals(rows.length, 12);
  for (const { report } of rows) assertEquals(report.failed, [], report.line);
  assertEquals(rows[0].report.warnings, []);
  for (const { report } of rows.slice(1)) {
    assertEquals(report.warnings.length, 1, report.line);
    assert(report.warnings[0].includes("read as empty"));
  }
  const pages = rows.map(({ row }) => row.pages.length);
  assertEquals(pages.reduce((a, b) => a + b, 0), 789);
  assertEquals(Math.min(...pages), 1);
  assertEquals(Math.max(...pages), 215);
  for (const { row } of rows) {
    const id = values(row, "identifier")[0];
    // page n holds <id>-000n.tif: file order kept
    row.pages.forEach((page, i) => {
      assertEquals(page.files, [`${id}/TIFF/${id}-${String(i + 1).padStart(4, "0")}.tif`]);
    });
    assertEquals(row.itemFiles, [`${id}/PDF/${id}.pdf`]);
    assertEquals(values(row, "language"), ["eng"]);
  }
  const first = rows[0].row;
  assertEquals(values(first, "date"), ["1947/1952"]);
  assertEquals(values(first, "handle"), ["hdl:1903.1/853"]);
  assertEquals(first.values.objects.subject?.map((o) => o.fragment), ["beta", "gamma"]);
  assertEquals(first.values.objects.rights_holder?.map((o) => o.fragment), ["alpha"]);
  assertEquals(values(first, "accession_number"), ["0044-LBR-RG9-001"]);
});
