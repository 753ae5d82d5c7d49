import { useEffect, useMemo, useRef, useState } from 'react';
import { Select, Tag } from 'antd';
import { searchIcd10 } from '../api/referrals';
import type { Icd10Code } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';

let allCodes: Promise<Icd10Code[]> | undefined;

/** The whole embedded ICD-10 list (chapter F and the registered disorders), fetched once. */
export function loadIcd10(): Promise<Icd10Code[]> {
  if (!allCodes) {
    allCodes = searchIcd10()
      .then((r) => r.items)
      .catch((e: unknown) => {
        allCodes = undefined;
        throw e;
      });
  }
  return allCodes;
}

/** code → entry, for showing names next to codes. */
export function useIcd10Names(): Map<string, Icd10Code> {
  const [map, setMap] = useState(() => new Map<string, Icd10Code>());
  useEffect(() => {
    let live = true;
    loadIcd10()
      .then((codes) => live && setMap(new Map(codes.map((c) => [c.code, c]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return map;
}

export function icdName(c: Icd10Code | undefined, lang: string): string {
  if (!c) return '';
  return lang === 'zh' ? c.nameZh : c.nameEn;
}

/** Diagnosis codes with their names, as tags. */
export function DiagnosisTags({ codes }: { codes: readonly string[] }) {
  const { t, lang } = useI18n();
  const names = useIcd10Names();
  if (!codes?.length) return <>{t('common.none')}</>;
  return (
    <>
      {codes.map((code) => (
        <Tag key={code} style={{ marginBottom: 2 }} data-testid="diagnosis-tag">
          {code} {icdName(names.get(code), lang)}
        </Tag>
      ))}
    </>
  );
}

interface Props {
  value?: string[];
  onChange?: (v: string[]) => void;
  'data-testid'?: string;
  placeholder?: string;
}

/** Multiple ICD-10 codes, searched on the server (GET /icd10?q=) as the user types. */
export function Icd10Select({ value, onChange, placeholder, ...rest }: Props) {
  const { t, lang } = useI18n();
  const [options, setOptions] = useState<Icd10Code[]>([]);
  const [loading, setLoading] = useState(false);
  const known = useRef(new Map<string, Icd10Code>());
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const search = (q: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const mine = ++seq.current;
      setLoading(true);
      searchIcd10(q.trim() || undefined)
        .then((r) => {
          if (mine !== seq.current) return;
          for (const c of r.items) known.current.set(c.code, c);
          setOptions(r.items);
        })
        .catch(() => undefined)
        .finally(() => mine === seq.current && setLoading(false));
    }, 200);
  };

  useEffect(() => {
    search('');
    // the selected codes' names, for their labels
    loadIcd10()
      .then((codes) => codes.forEach((c) => known.current.set(c.code, c)))
      .catch(() => undefined);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const opts = useMemo(() => {
    const shown = new Set(options.map((c) => c.code));
    const extra = (value ?? []).filter((v) => !shown.has(v)).map((v) => known.current.get(v) ?? { code: v, nameZh: '', nameEn: '' });
    return [...options, ...extra].map((c) => ({ value: c.code, label: `${c.code} ${icdName(c, lang)}`.trim() }));
  }, [options, value, lang]);

  return (
    <Select
      mode="multiple"
      showSearch={{ filterOption: false, onSearch: search }}
      value={value}
      onChange={onChange}
      options={opts}
      loading={loading}
      placeholder={placeholder ?? t('referralForm.icdPlaceholder')}
      maxCount={10}
      data-testid={rest['data-testid']}
      style={{ width: '100%' }}
    />
  );
}
