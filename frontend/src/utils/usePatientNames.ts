import { useEffect, useState } from 'react';
import { getPatient } from '../api/patients';

// Names already read in this session (a patient read is audited: read each once).
const cache = new Map<string, Promise<string>>();

function nameOf(id: string): Promise<string> {
  let p = cache.get(id);
  if (!p) {
    p = getPatient(id)
      .then((x) => x.name)
      .catch((e: unknown) => {
        cache.delete(id);
        throw e;
      });
    cache.set(id, p);
  }
  return p;
}

/** id → name of the patients of a list (video consultations carry only the id). Unknown ids stay out. */
export function usePatientNames(ids: readonly string[]): Map<string, string> {
  const [names, setNames] = useState(() => new Map<string, string>());
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    let live = true;
    const wanted = key ? key.split(',') : [];
    void Promise.all(wanted.map((id) => nameOf(id).then((n) => [id, n] as const).catch(() => null))).then((pairs) => {
      if (!live) return;
      setNames(new Map(pairs.filter((p): p is readonly [string, string] => p !== null)));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return names;
}
