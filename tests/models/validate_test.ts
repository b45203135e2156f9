import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ISSUE } from "../../src/models/issue.ts";
import { ITEM } from "../../src/models/item.ts";
import { EDTF_DATATYPE } from "../../src/models/prefixes.ts";
import type { ContentModel } from "../../src/models/types.ts";
import { isEdtf, outsideRepositoryReason, validateRecord } from "../../src/models/validate.ts";
import type { RecordValues } from "../../src/models/values.ts";
import { VocabularyCache } from "../../src/models/vocabulary.ts";

const minimalItem = (): RecordValues => ({
  fields: {
    object_type: [{ value: "http://purl.org/dc/dcmitype/Text" }],
    identifier: [{ value: "x-1" }],
    rights: [{ value: "http://rightsstatements.org/vocab/InC/1.0/" }],
    title: [{ value: "A title" }],
  },
  objects: {},
});

const failedRules = (model: ContentModel, record: RecordValues) =>
  validateRecord(model, record).failed.map(([field, , rule, arg]) => [field, rule, arg]);

Deno.test("a minimal Item is valid and its required fields are reported as passed", () => {
  const result = validateRecord(ITEM, minimalItem());
  assertEquals(result.failed, []);
  const passed = result.passed.map(([field, , rule]) => `${field}:${rule}`);
  for (
    const rule of ["object_type:exactly", "rights:exactly", "title:exactly", "identifier:required"]
  ) {
    assert(passed.includes(rule), `${rule} missing from ${passed}`);
  }
});

Deno.test("EDTF: the real library accepts the fixtures' dates and refuses prose", () => {
  for (
    const ok of ["194X", "1920~", "[1910..1915]", "1947/1952", "1923-05", "1912-04~", "1899/1902"]
  ) {
    assert(isEdtf(ok), ok);
  }
  for (const bad of ["May fifth nineteen fifty", "26-01-26", "", "1950-13-45"]) {
    assert(!isEdtf(bad), bad);
  }
  const record = minimalItem();
  record.fields.date = [{ value: "circa 1950", datatype: EDTF_DATATYPE }];
  assertEquals(failedRules(ITEM, record), [["date", "edtf", "circa 1950"]]);
});

Deno.test("cardinality counts values per language tag", () => {
  const record = minimalItem();
  record.fields.title = [{ value: "Title" }, { value: "題名", lang: "ja" }, {
    value: "Titel",
    lang: "de",
  }];
  assertEquals(failedRules(ITEM, record), []);
  record.fields.title.push({ value: "Zweiter Titel", lang: "de" });
  assertEquals(failedRules(ITEM, record), [["title", "exactly", 1]]);
  record.fields.title = [];
  assertEquals(failedRules(ITEM, record), [["title", "exactly", 1]]);
});

Deno.test("ISO 639-1 and 639-2 codes (terminology and bibliographic) are languages; others are not", () => {
  const record = minimalItem();
  record.fields.language = ["en", "eng", "fr", "fre", "fra", "ja"].map((value) => ({ value }));
  assertEquals(failedRules(ITEM, record), []);
  record.fields.language = [{ value: "en" }, { value: "xx-notalanguage" }, { value: "english" }];
  assertEquals(failedRules(ITEM, record), [["language", "language", [
    "xx-notalanguage",
    "english",
  ]]]);
});

Deno.test("URI fields refuse text that is not an absolute URI", () => {
  const record = minimalItem();
  record.fields.rights = [{ value: "In copyright" }];
  assertEquals(failedRules(ITEM, record), [["rights", "uri", "In copyright"]]);
});

Deno.test("pattern: Issue dates must be YYYY-MM-DD; Handle must be hdl:prefix/suffix", () => {
  const issue: RecordValues = {
    fields: {
      title: [{ value: "Courier" }],
      date: [{ value: "26-01-26" }],
      volume: [{ value: "12" }],
      issue: [{ value: "4" }],
      edition: [{ value: "1" }],
    },
    objects: {},
  };
  assertEquals(failedRules(ISSUE, issue), [["date", "pattern", "26-01-26"]]);
  issue.fields.date = [{ value: "1926-01-26" }];
  assertEquals(failedRules(ISSUE, issue), []);
  const record = minimalItem();
  record.fields.handle = [{ value: "hdl:1903.1/853" }];
  assertEquals(failedRules(ITEM, record), []);
  record.fields.handle = [{ value: "1903.1/853" }];
  assertEquals(failedRules(ITEM, record).map(([f, r]) => `${f}:${r}`), ["handle:pattern"]);
});

Deno.test("embedded objects: cardinality counts objects; their URI columns must hold URIs", () => {
  const record = minimalItem();
  record.objects.creator = [
    {
      fragment: "a",
      columns: {
        "Creator": [{ value: "Okafor, Adaeze" }],
        "Creator URI": [{ value: "not a uri" }],
      },
    },
  ];
  assertEquals(failedRules(ITEM, record), [["creator", "uri", "not a uri"]]);
});

Deno.test("allowed values and controlled vocabularies (local Turtle, loaded once)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ttl = `${dir}/rights.ttl`;
    await Deno.writeTextFile(
      ttl,
      `@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://rightsstatements.org/vocab/InC/1.0/> a skos:Concept .
<http://rightsstatements.org/vocab/NoC-US/1.0/> a skos:Concept .`,
    );
    const model: ContentModel = {
      ...ITEM,
      fields: ITEM.fields.map((f) =>
        f.name === "rights" && f.kind !== "embedded"
          ? { ...f, vocabulary: ttl }
          : f.name === "object_type" &&
              f.kind !== "embedded"
          ? { ...f, allowed: ["http://purl.org/dc/dcmitype/Text"] }
          : f
      ),
    };
    const cache = new VocabularyCache();
    const vocabularies = new Map([[ttl, await cache.load(ttl)]]);
    await Deno.remove(ttl);
    // cached: the second load does not read the (now deleted) file again
    assertEquals((await cache.load(ttl)).size, 2);
    const record = minimalItem();
    assertEquals(validateRecord(model, record, { vocabularies }).failed, []);
    record.fields.rights = [{ value: "http://rightsstatements.org/vocab/UND/1.0/" }];
    record.fields.object_type = [{ value: "http://purl.org/dc/dcmitype/Image" }];
    const failed = validateRecord(model, record, { vocabularies }).failed.map(([f, , r]) =>
      `${f}:${r}`
    );
    assertEquals(failed.sort(), ["object_type:allowed_values", "rights:vocabulary"]);
    await assertRejects(
      () => new VocabularyCache().load(`${dir}/missing.ttl`),
      /Cannot read the vocabulary/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function assertRejects(fn: () => Promise<unknown>, pattern: RegExp) {
  try {
    await fn();
  } catch (error) {
    assert(pattern.test((error as Error).message), (error as Error).message);
    return;
  }
  throw new Error("expected a rejection");
}

Deno.test("outsideRepositoryReason: only URIs under REST_ENDPOINT are the repository's", () => {
  const rest = "http://repo.example:8080/fcrepo/rest/";
  for (const inside of [`${rest}a/b`, "http://REPO.example:8080/fcrepo/rest", `${rest}a/../b`]) {
    assertEquals(outsideRepositoryReason(inside, rest), undefined, inside);
  }
  for (
    const outside of [
      "http://elsewhere.example/fcrepo/rest/a",
      "http://repo.example:8081/fcrepo/rest/a",
      "https://repo.example:8080/fcrepo/rest/a",
      "http://repo.example:8080/fcrepo/restore/a",
      `${rest}../admin`,
      `${rest}%2e%2e/admin`,
      "http://u:p@repo.example:8080/fcrepo/rest/a",
      "not a uri",
    ]
  ) {
    assert(outsideRepositoryReason(outside, rest), outside);
  }
});
