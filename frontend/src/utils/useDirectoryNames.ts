import { listConsultants } from '../api/consults';
import { listInstitutions } from '../api/directory';
import { useLoad } from './useLoad';

/** Institution id → name, for lists that carry only ids. */
export function useInstitutionNames(): Map<string, string> {
  const loaded = useLoad(() => listInstitutions().then((r) => new Map(r.items.map((i) => [i.id, i.name]))), []);
  return loaded.data ?? new Map();
}

/** Specialist id → display name for the consultants of these institutions. */
export function useConsultantNames(institutionIds: readonly string[]): Map<string, { name: string; title: string }> {
  const key = [...new Set(institutionIds.filter(Boolean))].sort().join(',');
  const loaded = useLoad(async () => {
    const ids = key ? key.split(',') : [];
    const lists = await Promise.all(ids.map((id) => listConsultants(id).then((r) => r.items).catch(() => [])));
    return new Map(lists.flat().map((u) => [u.id, { name: u.displayName, title: String(u.title) }]));
  }, [key]);
  return loaded.data ?? new Map();
}
