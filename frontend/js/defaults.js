// Job defaults come from the server, never from this page: the training recipe is the only
// source of them. The form's number fields start empty (empty fields are not sent, so the job
// takes the recipe's value) and show that value as their placeholder, read from the API's own
// OpenAPI document: `x-recipe-defaults` ("dataset/arch" → value) for a train job, the schema's
// `default` for the other kinds.

const SCHEMAS = {
  train: "TrainParams",
  finetune: "FinetuneParams",
  neurogenesis: "NeurogenesisParams",
  evaluate: "EvaluateParams",
};

/** The placeholder a field of `kind` shows for `property` (its JSON schema). */
export function defaultFor(property, recipeKey) {
  const byRecipe = property?.["x-recipe-defaults"];
  if (byRecipe && recipeKey in byRecipe) return String(byRecipe[recipeKey]);
  if (property && property.default !== undefined && property.default !== null) {
    return String(property.default);
  }
  return null;
}

/** Sets each empty number field's placeholder to the value the job will use. */
export function applyDefaults(form, schemas) {
  for (const fieldset of form.querySelectorAll("fieldset[data-kind]")) {
    const properties = schemas[SCHEMAS[fieldset.dataset.kind]]?.properties ?? {};
    const dataset = fieldset.querySelector("[name=dataset]")?.value || "mnist";
    const arch = fieldset.querySelector("[name=arch]")?.value || "conv";
    for (const input of fieldset.querySelectorAll("input[type=number][name]")) {
      const value = defaultFor(properties[input.name], `${dataset}/${arch}`);
      if (value !== null) input.placeholder = `${value} (default)`;
    }
  }
}

/** Loads the API's schemas once and keeps the placeholders in step with dataset and arch. */
export async function bindJobDefaults(form, fetcher = fetch) {
  let schemas;
  try {
    const response = await fetcher("/openapi.json");
    if (!response.ok) return;
    schemas = (await response.json())?.components?.schemas ?? {};
  } catch {
    return; // the placeholders stay generic; the server still applies its defaults
  }
  applyDefaults(form, schemas);
  form.addEventListener("change", (event) => {
    if (["dataset", "arch"].includes(event.target.name)) applyDefaults(form, schemas);
  });
}
