// A step's config checked against its type's JSON Schema with code compiled from the catalog when the web app is
// built (schemaChecks.generated.ts). AJV would otherwise compile each schema in the browser into code run with
// `new Function`, which the page's Content-Security-Policy (no 'unsafe-eval') refuses in production.
import { hashForSchema, type RJSFSchema, type ValidatorType } from "@rjsf/utils";
import runtimeValidator, { createPrecompiledValidator, type CompiledValidateFunction, type ValidatorFunctions } from "@rjsf/validator-ajv8";
import { compiledChecks } from "./schemaChecks.generated";

const built = compiledChecks as unknown as ValidatorFunctions;

// Per schema object (the catalog is loaded once): hashing a schema is cheap, but not 500 times per change.
const checks = new WeakMap<object, CompiledValidateFunction | null>();
const forms = new WeakMap<object, ValidatorType>();

function builtCheck(schema: object): CompiledValidateFunction | undefined {
  return built[hashForSchema(schema as RJSFSchema)];
}

/**
 * The check of one schema: the one built with the app; for a schema this build has not seen (an API with a newer
 * catalog than the web app, or a test's schema) one compiled now, which works only where eval is allowed (tests,
 * `next dev`). Null when neither can be had, decided once per schema: the server's validation still reports the
 * problems.
 */
export function schemaCheck(schema: object): CompiledValidateFunction | null {
  let check = checks.get(schema);
  if (check === undefined) {
    check = builtCheck(schema) ?? compileNow(schema);
    checks.set(schema, check);
  }
  return check;
}

function compileNow(schema: object): CompiledValidateFunction | null {
  try {
    return runtimeValidator.ajv.compile(schema);
  } catch (e) {
    console.warn("A step type's schema is not among those built with the web app and cannot be compiled here; the server checks its settings.", e);
    return null;
  }
}

/** The validator for the rjsf form showing `schema`: built with the app when it can be, else AJV at run time. */
export function formValidator(schema: RJSFSchema): ValidatorType {
  let v = forms.get(schema);
  if (!v) {
    v = builtCheck(schema) ? createPrecompiledValidator(built, schema) : runtimeValidator;
    forms.set(schema, v);
  }
  return v;
}
