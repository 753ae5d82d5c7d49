import { useEffect, useMemo, useRef, useState } from 'react';
import { Select } from 'antd';
import { listPatients } from '../api/patients';
import type { Patient } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { enumLabel } from '../i18n/enums';

interface Props {
  value: Patient | null;
  onChange: (p: Patient | null) => void;
  status?: 'error';
  'data-testid'?: string;
}

/** One patient, searched on the server by name or full national ID as the user types. */
export function PatientSelect({ value, onChange, status, ...rest }: Props) {
  const { t } = useI18n();
  const [found, setFound] = useState<Patient[]>([]);
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const search = (q: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const mine = ++seq.current;
      setLoading(true);
      listPatients(q.trim() || undefined)
        .then((r) => mine === seq.current && setFound(r.items))
        .catch(() => undefined)
        .finally(() => mine === seq.current && setLoading(false));
    }, 250);
  };

  useEffect(() => {
    search('');
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const patients = useMemo(() => {
    const list = [...found];
    if (value && !list.some((p) => p.id === value.id)) list.unshift(value);
    return list;
  }, [found, value]);

  return (
    <Select
      showSearch={{ filterOption: false, onSearch: search }}
      allowClear
      value={value?.id}
      status={status}
      loading={loading}
      placeholder={t('referralForm.patientPlaceholder')}
      onChange={(id?: string) => onChange(patients.find((p) => p.id === id) ?? null)}
      options={patients.map((p) => ({
        value: p.id,
        label: `${p.name} · ${enumLabel(t, 'sex', p.sex)} · ${p.birthDate} · ${p.nationalIdMasked}`,
      }))}
      style={{ width: '100%' }}
      data-testid={rest['data-testid']}
    />
  );
}
