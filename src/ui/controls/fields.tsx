import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

/** One choice of a select or segmented control. */
export interface Option<T> {
  readonly value: T;
  readonly label: string;
}

/** A labelled select over typed values (values compared by identity). */
export function SelectField<T>({ label, value, options, onChange, hint }: {
  label: string; value: T; options: readonly Option<T>[]; onChange: (value: T) => void; hint?: string;
}) {
  const id = useId();
  const index = options.findIndex((o) => o.value === value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={String(index)} onChange={(e) => {
        const option = options[Number(e.target.value)];
        if (option) onChange(option.value);
      }} title={hint}>
        {index < 0 && <option value="-1">{String(value)}</option>}
        {options.map((o, i) => <option key={o.label} value={String(i)}>{o.label}</option>)}
      </select>
    </div>
  );
}

/** A row of toggle buttons acting as one radio group. */
export function Segmented<T extends string>({ label, value, options, onChange, hideLabel = false, disabled = false }: {
  label: string; value: T; options: readonly Option<T>[]; onChange: (value: T) => void; hideLabel?: boolean; disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      {!hideLabel && <span className="field-label" id={id}>{label}</span>}
      <div className="segmented" role="radiogroup" {...(hideLabel ? { 'aria-label': label } : { 'aria-labelledby': id })}>
        {options.map((o) => (
          <button key={o.value} type="button" role="radio" aria-checked={o.value === value} disabled={disabled}
            className={o.value === value ? 'on' : ''} onClick={() => onChange(o.value)}>
            {o.label}
          </button>
        ))}
      </div>
    </div>
  );
}

/** An integer input that commits on Enter or when it loses focus (each commit may restart training). */
export function IntegerField({ label, value, min, max, onChange }: {
  label: string; value: number; min: number; max: number; onChange: (value: number) => void;
}) {
  const id = useId();
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = () => {
    const n = Number(text);
    if (Number.isInteger(n) && n >= min && n <= max) {
      if (n !== value) onChange(n);
    } else {
      setText(String(value));
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" inputMode="numeric" min={min} max={max} step={1} value={text}
        onChange={(e) => setText(e.target.value)} onBlur={commit}
        onKeyDown={(e) => { if (e.key === 'Enter') commit(); }} />
    </div>
  );
}

/** A slider whose value is committed once it settles (300 ms after the last move), not on every pixel. */
export function SettlingRange({ label, value, min, max, step, onChange, disabled = false, format }: {
  label: string; value: number; min: number; max: number; step: number; onChange: (value: number) => void;
  disabled?: boolean; format: (value: number) => string;
}) {
  const [local, setLocal] = useState(value);
  const timer = useRef(0);
  useEffect(() => setLocal(value), [value]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const move = (next: number) => {
    setLocal(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => onChange(next), 300);
  };
  return (
    <label className="range">
      <input type="range" aria-label={label} min={min} max={max} step={step} value={local} disabled={disabled}
        onChange={(e) => move(Number(e.target.value))} />
      <output aria-hidden="true">{format(local)}</output>
    </label>
  );
}

/** An on/off switch with a visible label and an accessible name of its own. */
export function Switch({ name, checked, onChange, children, title }: {
  name: string; checked: boolean; onChange: (checked: boolean) => void; children: ReactNode; title?: string;
}) {
  return (
    <button type="button" role="switch" aria-checked={checked} aria-label={name} title={title ?? name}
      className={`switch ${checked ? 'on' : ''}`} onClick={() => onChange(!checked)}>
      <span className="switch-track" aria-hidden="true"><span className="switch-thumb" /></span>
      <span className="switch-text">{children}</span>
    </button>
  );
}
