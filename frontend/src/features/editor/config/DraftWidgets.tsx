// The configuration form's text inputs and textareas, edited through drafts (fields/useFieldDraft): a value
// reaches the form (and the document) when the field is left, on Enter or after a pause, not on each key.
"use client";
import { ariaDescribedByIds, examplesId, getInputProps, type BaseInputTemplateProps, type WidgetProps } from "@rjsf/utils";
import { useFieldDraft } from "../fields/useFieldDraft";
import { describedBy, DraftNotes } from "../fields/DraftField";
import { parseConfigNumber, parseConfigText } from "./fields";
import type { Picks } from "@/features/document/pickers";

const PAUSE_MS = 1000;
/** Buttons under a field; the rest are in the input's suggestion list. */
const MAX_PICKS = 12;
const asText = (value: unknown) => (value === undefined || value === null ? "" : String(value));

function useConfigDraft(props: WidgetProps, { numeric = false, multiline = false }: { numeric?: boolean; multiline?: boolean }) {
  const { id, options, onChange, registry } = props;
  return useFieldDraft({
    value: asText(props.value),
    parse: numeric ? parseConfigNumber : parseConfigText,
    commit: (text) => {
      onChange(text === "" ? options.emptyValue : text);
      return null;
    },
    pauseMs: PAUSE_MS,
    parkKey: `config:${String(registry.formContext?.taskId ?? "")}:${id}`,
    multiline,
  });
}

/** What the form's context offers under this field (files, upstream columns), or null. */
function picksOf(props: WidgetProps | BaseInputTemplateProps): Picks | null {
  return (props.registry.formContext?.picks as ((id: string) => Picks | null) | undefined)?.(props.id) ?? null;
}

/** Values to pick with one click under a field; typing any other value stays possible. */
function PickButtons({ picks, pick }: { picks: Picks | null; pick: (value: string) => void }) {
  if (!picks) return null;
  return (
    <span className="picks" role="group" aria-label={`${picks.label} for this field`}>
      <span className="hint">{picks.label}:</span>
      {picks.values.slice(0, MAX_PICKS).map((value) => (
        // Picking must not first store the half-typed draft: keep the focus where it is, then set the value.
        <button key={value} type="button" className="small ghost" onMouseDown={(e) => e.preventDefault()} onClick={() => pick(value)}>
          {value}
        </button>
      ))}
      {picks.values.length > MAX_PICKS && <span className="hint">… type to see all {picks.values.length}</span>}
    </span>
  );
}

export function DraftBaseInputTemplate(props: BaseInputTemplateProps) {
  const { id, readonly, disabled, autofocus, onBlur, onFocus, options, schema, type, placeholder, required } = props;
  const inputProps = getInputProps(schema, type, options);
  const draft = useConfigDraft(props, { numeric: inputProps.type === "number" || inputProps.type === "integer" });
  const picks = picksOf(props);
  const listed = picks?.values ?? (Array.isArray(schema.examples) ? schema.examples.map(String) : null);
  return (
    <>
      <input
        id={id}
        name={id}
        className="form-control"
        readOnly={readonly}
        disabled={disabled}
        autoFocus={autofocus}
        placeholder={placeholder}
        required={required}
        {...inputProps}
        {...draft.field}
        list={listed ? examplesId(id) : undefined}
        onBlur={() => {
          draft.field.onBlur();
          onBlur(id, draft.text);
        }}
        onFocus={() => onFocus(id, draft.text)}
        aria-describedby={describedBy(id, draft, ariaDescribedByIds(id, !!listed))}
      />
      {listed && (
        <datalist id={examplesId(id)}>
          {listed.map((example) => <option key={example} value={example} />)}
        </datalist>
      )}
      {!disabled && !readonly && <PickButtons picks={picks} pick={(value) => props.onChange(value)} />}
      <DraftNotes id={id} draft={draft} />
    </>
  );
}

export function DraftTextareaWidget(props: WidgetProps) {
  const { id, readonly, disabled, autofocus, onBlur, onFocus, options, placeholder, required } = props;
  const draft = useConfigDraft(props, { multiline: true });
  return (
    <>
      <textarea
        id={id}
        name={id}
        className="form-control"
        rows={typeof options.rows === "number" ? options.rows : 4}
        placeholder={placeholder}
        required={required}
        disabled={disabled}
        readOnly={readonly}
        autoFocus={autofocus}
        {...draft.field}
        onBlur={() => {
          draft.field.onBlur();
          onBlur(id, draft.text);
        }}
        onFocus={() => onFocus(id, draft.text)}
        aria-describedby={describedBy(id, draft, ariaDescribedByIds(id))}
      />
      {!disabled && !readonly && <PickButtons picks={picksOf(props)} pick={(value) => props.onChange(value)} />}
      <DraftNotes id={id} draft={draft} />
    </>
  );
}
