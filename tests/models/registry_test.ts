import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { expandCurie } from "../../src/models/prefixes.ts";
import { getModel, MODELS } from "../../src/models/registry.ts";

Deno.test("the four built-in models are found by name, ignoring case", () => {
  assertEquals(Object.keys(MODELS).sort(), ["Issue", "Item", "Letter", "Poster"]);
  assertEquals(getModel("item")?.name, "Item");
  assertEquals(getModel("LETTER")?.name, "Letter");
  assertEquals(getModel("Newspaper"), undefined);
});

Deno.test("every model definition is consistent data: known prefixes, unique labels and names", () => {
  for (const model of Object.values(MODELS)) {
    const labels = new Set<string>();
    const names = new Set<string>();
    const curies: string[] = [...model.types];
    for (const field of model.fields) {
      assert(!names.has(field.name), `${model.name}: field name ${field.name} twice`);
      names.add(field.name);
      curies.push(field.predicate);
      const columns = field.kind === "embedded" ? field.columns.map((c) => c.label) : [field.label];
      for (const label of columns) {
        assert(!labels.has(label), `${model.name}: column ${label} twice`);
        labels.add(label);
      }
      if (field.kind === "embedded") curies.push(...field.columns.map((c) => c.predicate));
      else if (field.datatype) curies.push(field.datatype);
    }
    for (const curie of curies) {
      assert(expandCurie(curie), `${model.name}: unknown prefix in ${curie}`);
    }
    if (model.identifierField) {
      assert(names.has(model.identifierField), `${model.name}: identifier field`);
    }
  }
});
