import { Select } from 'antd';
import type { SelectProps } from 'antd';
import { listRegions } from '../api/directory';
import type { Region } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { useLoad } from '../utils/useLoad';

let cache: Promise<Region[]> | undefined;
function regions(): Promise<Region[]> {
  cache ??= listRegions()
    .then((r) => r.items)
    .catch((e) => {
      cache = undefined;
      throw e;
    });
  return cache;
}

type Props = Omit<SelectProps<string>, 'options' | 'showSearch'>;

/** Searchable region picker (GB/T 2260), matching on the name in either language or the code. */
export function RegionSelect(props: Props) {
  const { lang, t } = useI18n();
  const { data, loading } = useLoad(regions, []);
  const options = (data ?? []).map((r) => {
    const name = lang === 'en' && r.nameEn ? r.nameEn : r.name;
    return { value: r.code, label: `${name} (${r.code})`, search: `${r.name} ${r.nameEn} ${r.code}` };
  });
  return (
    <Select<string>
      {...props}
      loading={loading}
      options={options}
      placeholder={t('institutions.regionPlaceholder')}
      showSearch={{ optionFilterProp: 'search' }}
    />
  );
}
