// Editors for the list-shaped fields several admin forms share: skill levels and skill requirements.
import type { Skill } from '../api/types.js';
import { inputValue } from './ui.js';

interface Row {
  skill: string;
  value: number;
}

/** Edits [{ skill, <levelKey> }] rows; levelKey is 'level' (agents) or 'minLevel' (queues, rules). */
export function SkillRows<K extends 'level' | 'minLevel'>(props: {
  value: ({ skill: string } & Record<K, number>)[];
  levelKey: K;
  skills: Skill[];
  disabled?: boolean;
  onChange: (v: ({ skill: string } & Record<K, number>)[]) => void;
}) {
  const rows: Row[] = props.value.map((r) => ({ skill: r.skill, value: r[props.levelKey] }));
  const emit = (next: Row[]) =>
    props.onChange(
      next.map((r) => ({ skill: r.skill, [props.levelKey]: r.value }) as { skill: string } & Record<K, number>),
    );
  const unused = props.skills.filter((s) => !rows.some((r) => r.skill === s.name));
  return (
    <div class="skill-rows">
      {rows.map((r, i) => (
        <div class="row" key={r.skill}>
          <span class="skill-name">{r.skill}</span>
          <input
            type="number"
            min={1}
            max={10}
            value={r.value}
            disabled={props.disabled}
            aria-label={`${r.skill} level`}
            onInput={(e) => emit(rows.map((x, j) => (j === i ? { ...x, value: Number(inputValue(e)) } : x)))}
          />
          {props.disabled ? null : (
            <button type="button" class="link" onClick={() => emit(rows.filter((_, j) => j !== i))}>
              remove
            </button>
          )}
        </div>
      ))}
      {props.disabled || unused.length === 0 ? null : (
        <select
          value=""
          aria-label="add skill"
          onChange={(e) => {
            const name = inputValue(e);
            if (name) emit([...rows, { skill: name, value: 1 }]);
          }}
        >
          <option value="">+ add skill…</option>
          {unused.map((s) => (
            <option key={s.id} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
